#include "steps/file_step.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "steps/artifacts.h"
#include "steps/confined_folder.h"
#include "steps/connection_param.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr const char* kFormats[] = {"json", "csv", "document"};

// One field of a CSV row (RFC 4180): quoted when it holds a comma, quote or line break.
std::string CsvField(const Json& value) {
  std::string text;
  if (value.is_string()) {
    text = value.get<std::string>();
  } else if (!value.is_null()) {
    text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

// The CSV text of `rows` (objects) with `columns`, or the keys of the rows in first-seen order.
absl::StatusOr<std::string> Csv(const Json& rows, const Json* columns) {
  std::vector<std::string> names;
  if (columns != nullptr) {
    for (const Json& column : *columns) {
      if (!column.is_string()) return absl::InvalidArgumentError("columns must be names");
      names.push_back(column.get<std::string>());
    }
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].is_object()) {
      return absl::InvalidArgumentError(absl::StrCat("csv row ", i, " is ", DescribeValue(rows[i]),
                                                     ", not a mapping of column to value"));
    }
    if (columns != nullptr) continue;
    for (const auto& [key, value] : rows[i].items()) {
      if (std::find(names.begin(), names.end(), key) == names.end()) names.push_back(key);
    }
  }
  std::string text;
  for (size_t c = 0; c < names.size(); ++c) {
    absl::StrAppend(&text, c > 0 ? "," : "", CsvField(names[c]));
  }
  text += "\r\n";
  for (const Json& row : rows) {
    for (size_t c = 0; c < names.size(); ++c) {
      auto it = row.find(names[c]);
      absl::StrAppend(&text, c > 0 ? "," : "", it != row.end() ? CsvField(*it) : "");
    }
    text += "\r\n";
  }
  return text;
}

class PreparedFile final : public PreparedStep {
 public:
  PreparedFile(const StepKindInfo& info, std::shared_ptr<const Connections> connections,
               const Connection& connection, std::string format)
      : info_(info),
        connections_(std::move(connections)),
        connection_(connection),
        format_(std::move(format)) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    std::optional<std::string> path = r.String("path");
    if (path) {
      if (absl::Status status = CheckConfinedPath(*path); !status.ok()) {
        r.Error("path", std::string(status.message()));
      }
    }
    if (!r.ok() || !path) return StepOutcome::Failed(r.Summary());

    std::string bytes;
    if (format_ == "json") {
      const Json* value = r.Get("json");  // null when the expression gave null
      bytes =
          (value != nullptr ? *value : Json()).dump(2, ' ', false, Json::error_handler_t::replace) +
          "\n";
    } else if (format_ == "csv") {
      const Json* rows = r.Get("csv");
      if (rows == nullptr || !rows->is_array()) {
        return StepOutcome::Failed("csv must be a list of rows (mappings of column to value)");
      }
      absl::StatusOr<std::string> csv = Csv(*rows, r.Get("columns"));
      if (!csv.ok()) return StepOutcome::Failed(std::string(csv.status().message()));
      bytes = *std::move(csv);
    } else {
      std::optional<std::string> key = r.String("document");
      if (!key || !IsArtifactKey(*key)) {
        return StepOutcome::Failed(
            "document must be an artifact key (sha256:<hex>.<ext>), e.g. ${{ input.file }}");
      }
      if (ctx.suppress_side_effects) return Suppressed(*path, -1);
      if (ctx.artifacts == nullptr) {
        return StepOutcome::Failed("this process has no artifact store to read the document from");
      }
      absl::StatusOr<std::string> document = ctx.artifacts->Get(*key);
      if (!document.ok()) {
        return StepOutcome::Failed(
            absl::StrCat("cannot read the document ", *key, ": ", document.status().message()));
      }
      bytes = *std::move(document);
    }
    if (ctx.suppress_side_effects) return Suppressed(*path, static_cast<int64_t>(bytes.size()));

    const std::string root = connection_.Path("path");
    absl::Status written =
        WriteConfinedFile(root, *path, bytes, r.Bool("overwrite").value_or(true));
    if (!written.ok()) {
      return StepOutcome::Failed(absl::StrCat("cannot write ", *path, " in ",
                                              connection_.Describe(), ": ", written.message()),
                                 written.code() == absl::StatusCode::kUnavailable
                                     ? ErrorClass::kTransient
                                     : ErrorClass::kPermanent);
    }
    return StepOutcome::Completed(Json{{"path", *path},
                                       {"bytes", static_cast<int64_t>(bytes.size())},
                                       {"sha256", common::Sha256Hex(bytes)}});
  }

 private:
  StepOutcome Suppressed(const std::string& path, int64_t bytes) const {
    Json request = {{"connection", connection_.name}, {"path", path}, {"format", format_}};
    if (bytes >= 0) request["bytes"] = bytes;
    return StepOutcome::Completed(Json{{"suppressed", true}, {"request", std::move(request)}});
  }

  const StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;  // keeps connection_ alive
  const Connection& connection_;
  std::string format_;
};

}  // namespace

FileStep::FileStep(std::shared_ptr<const Connections> connections)
    : connections_(connections != nullptr ? std::move(connections)
                                          : std::make_shared<const Connections>()) {
  info_.name = "file";
  info_.description =
      "Writes one file (JSON, CSV or an original document) atomically into a folder connection.";
  info_.actors = {Actor::kSystem};
  info_.side_effects = true;
  info_.suppressible = true;
  info_.params = {
      {"connection", ParamType::kString, true, true,
       "a folder connection of connections.yaml: the root the file is written under"},
      {"path", ParamType::kString, true, false,
       "the file's path below the root (relative, no ..; folders are made as needed)"},
      {"json", ParamType::kAny, false, false, "write this value as JSON"},
      {"csv", ParamType::kArray, false, false,
       "write these rows (mappings of column to value) as CSV"},
      {"columns", ParamType::kArray, false, false,
       "csv: the columns in order (default: the rows' keys in first-seen order)"},
      {"document", ParamType::kString, false, false,
       "write the bytes of this artifact (an original document), e.g. ${{ input.file }}"},
      {"overwrite", ParamType::kBoolean, false, true,
       "replace an existing file (default true); false: a different existing file fails the step"},
  };
}

std::unique_ptr<PreparedStep> FileStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  const Connection* connection = ReadConnection(r, *connections_, {"folder"});
  if (std::optional<std::string> path = r.String("path"); path && !r.Deferred(with["path"])) {
    if (absl::Status status = CheckConfinedPath(*path); !status.ok()) {
      r.Error("path", std::string(status.message()));
    }
  }
  std::string format;
  int given = 0;
  for (const char* candidate : kFormats) {
    if (r.Has(candidate)) {
      format = candidate;
      ++given;
    }
  }
  if (given != 1) {
    r.Error("", "write exactly one of json, csv and document",
            "json: a value, csv: a list of rows, document: an artifact key");
  }
  if (r.Has("columns") && format != "csv") r.Error("columns", "columns apply to csv only");
  if (!r.Report(errors) || connection == nullptr) return nullptr;
  return std::make_unique<PreparedFile>(info_, connections_, *connection, std::move(format));
}

}  // namespace flowline::steps
