#include "quality/case_files.h"

#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ai/extract/normalize.h"
#include "common/csv.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "quality/dataset_internal.h"

namespace flowline::quality {
namespace {

// One case as a file row gives it, before it is checked.
struct RowCase {
  std::string id;
  std::string file;  // relative to the file's folder
  Json input;
  std::string doc_type = "invoice";
  std::map<std::string, std::string> labels;  // as written
  Json line_items = Json::array();
  std::map<std::string, std::string> slices;
  std::string source;
};

class CaseFileReader {
 public:
  explicit CaseFileReader(const std::string& path) {
    dataset_.dir = path;
    const size_t slash = path.find_last_of('/');
    folder_ = slash == std::string::npos ? "." : path.substr(0, slash);
  }

  absl::Status ReadFieldTypes() {
    for (const char* name : {"fields.yaml", "fields.json"}) {
      const std::string path = absl::StrCat(folder_, "/", name);
      if (!internal::FileExists(path)) continue;
      ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
      ASSIGN_OR_RETURN(dataset_.fields, ai::ParseFieldSpecs(text, path));
      return absl::OkStatus();
    }
    dataset_.fields = InvoiceFieldSpecs();
    return absl::OkStatus();
  }

  // Checks `row` and adds it as a document; InvalidArgument naming `where` if it is bad.
  absl::Status Add(RowCase row, const std::string& where, int line) {
    if (row.file.empty() && row.input.is_null()) {
      return Bad(where, "a case needs a \"file\" (a document) or an \"input\" (JSON input)");
    }
    if (!row.input.is_null() && !row.input.is_object()) {
      return Bad(where, "\"input\" must be a JSON object (the workflow's input)");
    }
    LabelledDocument doc;
    doc.id = !row.id.empty() ? row.id : !row.file.empty() ? row.file : absl::StrCat("line-", line);
    if (!ids_.insert(doc.id).second) {
      return Bad(where,
                 absl::StrCat("case id '", doc.id,
                              "' is used twice in this file; give each case its own \"id\""));
    }
    if (!row.file.empty()) {
      doc.path = row.file[0] == '/' ? row.file : absl::StrCat(folder_, "/", row.file);
      if (!internal::FileExists(doc.path)) {
        return Bad(where, absl::StrCat("the file ", doc.path, " does not exist"));
      }
    }
    doc.input = std::move(row.input);
    doc.doc_type = row.doc_type.empty() ? "invoice" : row.doc_type;
    doc.line_items = std::move(row.line_items);
    doc.slices = std::move(row.slices);
    doc.source = std::move(row.source);
    for (const auto& [name, label] : row.labels) {
      const size_t warnings = dataset_.warnings.size();
      internal::SetField(dataset_, doc, name, label, where);
      if (dataset_.warnings.size() != warnings) {
        // A label this file's author wrote that does not read as its type: an error, not noise.
        std::string message = dataset_.warnings.back();
        dataset_.warnings.pop_back();
        return absl::InvalidArgumentError(
            absl::StrCat(absl::StripSuffix(message, "; left out of the labels"),
                         " (fix the value, or type the field in fields.yaml beside the file)"));
      }
    }
    dataset_.documents.push_back(std::move(doc));
    return absl::OkStatus();
  }

  absl::StatusOr<Dataset> Finish(const std::string& format) && {
    dataset_.format = format;
    for (LabelledDocument& doc : dataset_.documents) {
      if (doc.source.empty()) doc.source = absl::StrCat("import:", format);
      AddStandardSlices(doc);
    }
    if (dataset_.documents.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(dataset_.dir, " holds no cases"));
    }
    return std::move(dataset_);
  }

 private:
  static absl::Status Bad(const std::string& where, std::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", Sv(message)));
  }

  Dataset dataset_;
  std::string folder_;
  std::set<std::string> ids_;
};

std::string LabelOf(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "";
  return value.dump();
}

absl::Status ReadJsonlLine(const Json& json, const std::string& where, RowCase& row) {
  auto bad = [&](std::string_view message) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", Sv(message)));
  };
  if (!json.is_object()) return bad("each line must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key == "id" || key == "file" || key == "source") {
      if (!value.is_string()) return bad(absl::StrCat("\"", key, "\" must be a string"));
    } else if (key == "slices") {
      if (!value.is_object()) return bad("\"slices\" must be an object of strings");
      for (const auto& [name, slice] : value.items()) {
        if (!slice.is_string()) return bad(absl::StrCat("slice \"", name, "\" must be a string"));
        row.slices[name] = slice.get<std::string>();
      }
    } else if (key != "input" && key != "expected") {
      return bad(absl::StrCat("unknown key \"", key,
                              "\" (a line has id, file, input, expected, slices, source)"));
    }
  }
  row.id = json.value("id", std::string());
  row.file = json.value("file", std::string());
  row.source = json.value("source", std::string());
  if (auto input = json.find("input"); input != json.end()) row.input = *input;
  auto expected = json.find("expected");
  if (expected == json.end()) return bad("a case needs its \"expected\" values");
  if (!expected->is_object()) return bad("\"expected\" must be an object");
  const Json* fields = &*expected;
  if (auto it = expected->find("fields"); it != expected->end()) {
    if (!it->is_object()) return bad("\"expected\".\"fields\" must be an object");
    fields = &*it;
  }
  for (const auto& [name, value] : fields->items()) {
    if (fields == &*expected && (name == "doc_type" || name == "line_items")) continue;
    if (value.is_object() || value.is_array()) {
      return bad(absl::StrCat("field \"", name, "\" must be a single value"));
    }
    row.labels[name] = LabelOf(value);
  }
  if (auto it = expected->find("doc_type"); it != expected->end()) {
    if (!it->is_string()) return bad("\"doc_type\" must be a string");
    row.doc_type = it->get<std::string>();
  }
  if (auto it = expected->find("line_items"); it != expected->end()) {
    if (!it->is_array()) return bad("\"line_items\" must be an array of rows");
    row.line_items = *it;
  }
  return absl::OkStatus();
}

absl::StatusOr<Dataset> LoadJsonl(const std::string& path, const std::string& text) {
  CaseFileReader reader(path);
  RETURN_IF_ERROR(reader.ReadFieldTypes());
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(Sv(text), '\n')) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::string where = absl::StrCat(path, ":", line_number);
    absl::StatusOr<Json> json = common::ParseJson(std::string_view(line.data(), line.size()), path);
    if (!json.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", json.status().message()));
    }
    RowCase row;
    RETURN_IF_ERROR(ReadJsonlLine(*json, where, row));
    RETURN_IF_ERROR(reader.Add(std::move(row), where, line_number));
  }
  return std::move(reader).Finish("jsonl");
}

absl::StatusOr<Dataset> LoadCsv(const std::string& path, const std::string& text) {
  ASSIGN_OR_RETURN(common::CsvTable table, common::ParseCsv(text, path));
  for (const std::string& column : table.header) {
    if (column == "id" || column == "file" || column == "source" ||
        absl::StartsWith(column, "input.") || absl::StartsWith(column, "expected.") ||
        absl::StartsWith(column, "slice.")) {
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        path, ":1: unknown column '", column,
        "' (columns: id, file, input.<name>, expected.<field>, expected.doc_type, slice.<name>, "
        "source)"));
  }
  CaseFileReader reader(path);
  RETURN_IF_ERROR(reader.ReadFieldTypes());
  for (size_t r = 0; r < table.rows.size(); ++r) {
    const common::CsvRow& cells = table.rows[r];
    const std::string where = absl::StrCat(path, ":", table.row_lines[r]);
    RowCase row;
    for (size_t c = 0; c < table.header.size(); ++c) {
      const std::string& column = table.header[c];
      const std::string& cell = cells[c];
      if (column == "id") {
        row.id = cell;
      } else if (column == "file") {
        row.file = cell;
      } else if (column == "source") {
        row.source = cell;
      } else if (column == "expected.doc_type") {
        row.doc_type = cell;
      } else if (absl::StartsWith(column, "expected.")) {
        row.labels[column.substr(9)] = cell;
      } else if (absl::StartsWith(column, "slice.")) {
        if (!cell.empty()) row.slices[column.substr(6)] = cell;
      } else if (absl::StartsWith(column, "input.")) {
        if (row.input.is_null()) row.input = Json::object();
        // Numbers and true/false as JSON, so an input schema's types hold; the rest as text.
        absl::StatusOr<Json> scalar = common::ParseJson(cell, column);
        row.input[column.substr(6)] =
            scalar.ok() && (scalar->is_number() || scalar->is_boolean()) ? *scalar : Json(cell);
      }
    }
    RETURN_IF_ERROR(reader.Add(std::move(row), where, table.row_lines[r]));
  }
  return std::move(reader).Finish("csv");
}

}  // namespace

absl::StatusOr<Dataset> LoadCaseFile(const std::string& path, std::string_view format) {
  std::string chosen(format);
  if (chosen == "auto") {
    if (absl::EndsWith(path, ".jsonl") || absl::EndsWith(path, ".ndjson")) chosen = "jsonl";
    if (absl::EndsWith(path, ".csv")) chosen = "csv";
  }
  if (chosen != "jsonl" && chosen != "csv") {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": a file of cases is .jsonl or .csv (or name the format with --format jsonl|csv)"));
  }
  ASSIGN_OR_RETURN(std::string text, internal::ReadWholeFile(path));
  return chosen == "jsonl" ? LoadJsonl(path, text) : LoadCsv(path, text);
}

}  // namespace flowline::quality
