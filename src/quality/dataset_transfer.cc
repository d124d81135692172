#include "quality/dataset_transfer.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "quality/case_files.h"
#include "quality/dataset_store.h"

namespace flowline::quality {
namespace {

bool IsFolder(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// The name a case's file gets in an exported folder: its id where that is a plain relative path
// (so re-importing the folder gives the same case keys), with the file's extension when the id
// has none; "case-<n>.<ext>" otherwise.
std::string ExportName(const LabelledDocument& doc, size_t index) {
  const std::string ext = std::filesystem::path(doc.path).extension().string();
  bool safe = !doc.id.empty() && doc.id[0] != '/';
  for (absl::string_view part : absl::StrSplit(doc.id, '/')) {
    if (part.empty() || part == "." || part == "..") safe = false;
  }
  for (char c : doc.id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-' && c != '/') safe = false;
  }
  if (!safe) return absl::StrCat("case-", index, ext);
  return absl::EndsWith(doc.id, ext) ? doc.id : absl::StrCat(doc.id, ext);
}

}  // namespace

absl::StatusOr<DatasetImportResult> ImportDataset(store::Store& store,
                                                  steps::ArtifactStore& artifacts,
                                                  const DatasetImport& import) {
  struct stat st;
  if (stat(import.from.c_str(), &st) != 0) {
    return absl::NotFoundError(
        absl::StrCat(import.from, " does not exist: give a labelled folder or a .jsonl/.csv file"));
  }
  absl::StatusOr<Dataset> dataset = IsFolder(import.from)
                                        ? LoadDataset(import.from, import.format)
                                        : LoadCaseFile(import.from, import.format);
  if (!dataset.ok()) return dataset.status();
  DatasetImportResult result;
  result.format = dataset->format;
  result.cases = dataset->documents.size();
  result.warnings = dataset->warnings;

  store::DatasetAppend append;
  append.dataset.name = import.name;
  append.dataset.workflow = import.workflow;
  append.dataset.description = import.description;
  append.dataset.validation_share = import.validation_share;
  append.dataset.test_share = import.test_share;
  append.dataset.split_seed = static_cast<int64_t>(import.split_seed);
  append.replace = true;
  append.now = import.now;
  append.note = !import.note.empty()
                    ? import.note
                    : absl::StrCat("import ", import.from, " (", dataset->format, ")");
  append.cases.reserve(dataset->documents.size());
  for (const LabelledDocument& doc : dataset->documents) {
    ASSIGN_OR_RETURN(store::NewDatasetCase row, CaseOf(doc, dataset->fields, &artifacts));
    append.cases.push_back(std::move(row));
  }
  ASSIGN_OR_RETURN(result.append, store.AppendDatasetCases(append));
  return result;
}

absl::StatusOr<DatasetExportResult> ExportDataset(const Dataset& dataset, const std::string& out) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::create_directories(out, error);
  if (error) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", out, ": ", error.message()));
  }
  DatasetExportResult result;
  std::string lines;
  for (size_t i = 0; i < dataset.documents.size(); ++i) {
    const LabelledDocument& doc = dataset.documents[i];
    if (doc.path.empty()) {
      ++result.skipped;
      continue;
    }
    const std::string name = ExportName(doc, i + 1);
    const fs::path target = fs::path(out) / name;
    fs::create_directories(target.parent_path(), error);
    if (!error) fs::copy_file(doc.path, target, fs::copy_options::overwrite_existing, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot write ", target.string(), ": ", error.message()));
    }
    Json fields = Json::object();
    for (const auto& [field, value] : doc.fields) fields[field] = value;
    if (!doc.line_items.empty()) fields["line_items"] = doc.line_items;
    Json line = {{"file", name}, {"doc_type", doc.doc_type}, {"fields", std::move(fields)}};
    if (doc.date_order != ai::DateOrder::kUnknown) {
      line["date_order"] = ai::DateOrderName(doc.date_order);
    }
    if (!doc.defect.empty()) line["defect"] = doc.defect;
    if (!doc.source.empty()) line["source"] = doc.source;
    if (!doc.slices.empty()) line["slices"] = doc.slices;
    absl::StrAppend(&lines, line.dump(), "\n");
    ++result.written;
  }
  std::vector<std::pair<const char*, std::string>> files = {{"labels.jsonl", lines}};
  // fields.json types the labels when the folder is read back (none: the invoice field set).
  if (!dataset.fields.empty()) {
    files.emplace_back("fields.json", ai::FieldSpecsToJson(dataset.fields).dump(2));
  }
  for (const auto& [file, text] : files) {
    std::ofstream stream(fs::path(out) / file, std::ios::binary | std::ios::trunc);
    stream << text;
    stream.close();
    if (!stream) {
      return absl::FailedPreconditionError(absl::StrCat("cannot write ", out, "/", file));
    }
  }
  return result;
}

}  // namespace flowline::quality
