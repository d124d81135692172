#include "ai/extract/dataset.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

namespace fs = std::filesystem;

absl::StatusOr<std::string> ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path.string()));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string LabelString(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_integer()) return std::to_string(value.get<long long>());
  if (value.is_number()) {
    // 1469.06 written by a JSON serialiser: its shortest round-trip form, e.g. "1469.06".
    return value.dump();
  }
  return "";
}

}  // namespace

absl::StatusOr<Document> LoadCachedDocument(const std::string& file_name,
                                            const std::string& cache_file,
                                            const DocumentReader& reader, bool write_cache) {
  const fs::path file(file_name), cache(cache_file);
  if (fs::exists(cache)) {
    absl::StatusOr<std::string> text = ReadText(cache);
    if (!text.ok()) return text.status();
    absl::StatusOr<Json> json = common::ParseJson(*text, cache.string());
    if (!json.ok()) return json.status();
    return Document::FromJson(*json);
  }
  if (!reader) {
    return absl::FailedPreconditionError(
        absl::StrCat(file.string(), ": no reader and no pre-read ", cache.string()));
  }
  absl::StatusOr<Document> doc = reader(file.string());
  if (!doc.ok()) {
    return absl::Status(doc.status().code(),
                        absl::StrCat(file.string(), ": ", doc.status().message()));
  }
  if (write_cache) {
    fs::create_directories(cache.parent_path());
    std::ofstream out(cache, std::ios::binary | std::ios::trunc);
    out << doc->ToJson().dump();
    if (!out) return absl::InternalError(absl::StrCat("cannot write ", cache.string()));
  }
  return doc;
}

absl::StatusOr<Dataset> LoadDataset(const std::string& dir, const DocumentReader& reader,
                                    const DatasetOptions& options) {
  const fs::path root(dir);
  absl::StatusOr<std::string> labels = ReadText(root / "labels.jsonl");
  if (!labels.ok()) {
    return absl::NotFoundError(
        absl::StrCat(dir, " is not a dataset: ", (root / "labels.jsonl").string(), " is missing"));
  }
  std::vector<std::string> lines = absl::StrSplit(*labels, '\n', absl::SkipWhitespace());
  Dataset dataset;
  std::string digest = common::Sha256Hex(*labels);
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string where = absl::StrCat((root / "labels.jsonl").string(), ":", i + 1);
    absl::StatusOr<Json> json = common::ParseJson(lines[i], where);
    if (!json.ok()) return json.status();
    if (!json->is_object() || !(*json)["file"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": each line needs \"file\""));
    }
    LabelledDocument doc;
    doc.file = (*json)["file"].get<std::string>();
    if (json->contains("date_order") && !(*json)["date_order"].is_null()) {
      const Json& order = (*json)["date_order"];
      std::optional<DateOrder> parsed =
          order.is_string() ? ParseDateOrder(order.get<std::string>()) : std::nullopt;
      if (!parsed) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": date_order must be dmy, mdy or ymd"));
      }
      doc.date_order = *parsed;
    }
    if (json->contains("fields")) {
      const Json& fields = (*json)["fields"];
      if (!fields.is_object()) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": \"fields\" must be an object"));
      }
      for (const auto& [name, value] : fields.items()) {
        std::string label = LabelString(value);
        if (!label.empty()) doc.labels[name] = std::move(label);
      }
    }
    if (options.progress)
      options.progress(static_cast<int>(i), static_cast<int>(lines.size()), doc.file);
    const fs::path file = root / doc.file;
    const fs::path cache = (options.cache_dir.empty() ? root : fs::path(options.cache_dir)) /
                           (doc.file + ".document.json");
    absl::StatusOr<Document> read =
        LoadCachedDocument(file.string(), cache.string(), reader, options.write_cache);
    if (!read.ok()) return read.status();
    doc.document = std::move(*read);
    digest = common::Sha256Hex(absl::StrCat(digest, doc.document.sha256));
    dataset.documents.push_back(std::move(doc));
  }
  dataset.sha256 = digest;
  return dataset;
}

}  // namespace flowline::ai
