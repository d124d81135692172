#include "cli/training_data.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/inputs.h"
#include "common/ids.h"
#include "common/json_util.h"

namespace flowline::cli {

absl::StatusOr<std::vector<ai::FieldSpec>> LoadFields(const std::string& spec,
                                                      std::vector<ai::TableSpec>* tables) {
  if (std::filesystem::is_regular_file(spec)) {
    absl::StatusOr<std::string> text = ReadFile(spec);
    if (!text.ok()) return text.status();
    absl::StatusOr<std::vector<ai::TableSpec>> parsed = ai::ParseTableSpecs(*text, spec);
    if (!parsed.ok()) return parsed.status();
    *tables = *std::move(parsed);
    return ai::ParseFieldSpecs(*text, spec);
  }
  return ai::ParseFieldList(spec);
}

absl::Status AppendExtraData(const std::vector<std::string>& dirs, quality::Dataset& dataset) {
  for (const std::string& extra_dir : dirs) {
    absl::StatusOr<quality::Dataset> extra = quality::LoadDataset(extra_dir);
    if (!extra.ok()) return extra.status();
    for (quality::LabelledDocument& doc : extra->documents) {
      doc.id = absl::StrCat(extra_dir, "/", doc.id);  // ids stay distinct across folders
      dataset.documents.push_back(std::move(doc));
    }
    for (std::string& warning : extra->warnings) dataset.warnings.push_back(std::move(warning));
  }
  return absl::OkStatus();
}

std::vector<ai::LabelledDocument> TrainingDocuments(
    const quality::Dataset& dataset, std::vector<absl::StatusOr<ai::Document>> read,
    const std::function<void(const std::string&)>& warn) {
  std::vector<ai::LabelledDocument> out;
  for (size_t i = 0; i < read.size() && i < dataset.documents.size(); ++i) {
    const quality::LabelledDocument& labelled = dataset.documents[i];
    if (!read[i].ok()) {
      if (warn) warn(absl::StrCat("skipped ", labelled.id, ": ", read[i].status().message()));
      continue;
    }
    ai::LabelledDocument d;
    d.file = labelled.id;
    d.document = *std::move(read[i]);
    d.date_order = labelled.date_order;
    d.labels = labelled.fields;
    out.push_back(std::move(d));
  }
  return out;
}

std::string TrainingDataSha256(const std::vector<ai::LabelledDocument>& documents) {
  std::string digest;
  for (const ai::LabelledDocument& d : documents) {
    digest = common::Sha256Hex(
        absl::StrCat(digest, d.file, "\n", d.document.sha256, "\n", Json(d.labels).dump()));
  }
  return digest;
}

}  // namespace flowline::cli
