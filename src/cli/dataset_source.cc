#include "cli/dataset_source.h"

#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "quality/dataset_store.h"
#include "quality/reviewed_cases.h"

namespace flowline::cli {
namespace {

// Reviewed cases are marked by this prefix of their id while merged, so Part() knows them and
// their ids cannot collide with the dataset's.
constexpr char kReviewedPrefix[] = "reviewed:";

}  // namespace

quality::Dataset LoadedDataset::Part(quality::Split split) const {
  quality::Dataset part = dataset;
  part.documents.clear();
  for (const quality::LabelledDocument& doc : dataset.documents) {
    const bool reviewed = doc.id.rfind(kReviewedPrefix, 0) == 0;
    if (split == quality::Split::kAll ||
        (reviewed ? split == quality::Split::kTrain
                  : quality::SplitOf(doc.id, dataset.validation_share, dataset.test_share,
                                     dataset.split_seed) == split)) {
      part.documents.push_back(doc);
    }
  }
  return part;
}

absl::StatusOr<LoadedDataset> LoadDatasetSource(const DatasetSource& source,
                                                const GlobalOptions& global) {
  if (source.data.empty() == source.dataset.empty()) {
    return absl::InvalidArgumentError(
        "give exactly one of --data (a labelled folder) and --dataset (NAME[@VERSION] of a "
        "stored dataset, `flowline dataset list`)");
  }
  LoadedDataset loaded;
  if (!source.data.empty()) {
    ASSIGN_OR_RETURN(loaded.dataset, quality::LoadDataset(source.data, source.format));
    loaded.dataset.validation_share = source.validation_share;
    loaded.dataset.test_share = source.test_share;
    loaded.dataset.split_seed = source.split_seed;
  }
  if (!source.dataset.empty() || !source.with_corrections.empty()) {
    ASSIGN_OR_RETURN(loaded.app, App::Open(global));
  }
  if (!source.dataset.empty()) {
    ASSIGN_OR_RETURN(quality::DatasetRef ref, quality::ParseDatasetRef(source.dataset));
    ASSIGN_OR_RETURN(loaded.dataset,
                     quality::LoadStoredDataset(loaded.app->store(), loaded.app->artifacts(),
                                                ref.name, ref.version));
  }
  if (!source.with_corrections.empty()) {
    App& app = *loaded.app;
    ASSIGN_OR_RETURN(quality::ReviewedSync sync,
                     quality::SyncReviewedCases(app.store(), app.artifacts(), app.clock().Now(),
                                                source.with_corrections));
    for (std::string& warning : sync.warnings) loaded.dataset.warnings.push_back(warning);
    // Only the reviewed dataset's train part: its validation and test parts stay unseen, to
    // measure the retrained model on corrections it did not learn from.
    absl::StatusOr<quality::Dataset> reviewed = quality::LoadStoredDataset(
        app.store(), app.artifacts(), quality::ReviewedDatasetName(source.with_corrections), 0,
        quality::Split::kTrain);
    if (!reviewed.ok()) {
      return absl::Status(reviewed.status().code(),
                          absl::StrCat("--with-corrections ", source.with_corrections, ": ",
                                       reviewed.status().message(),
                                       " (no review of the workflow has been resolved yet?)"));
    }
    std::set<std::string> names;
    for (const ai::FieldSpec& field : loaded.dataset.fields) names.insert(field.name);
    for (const ai::FieldSpec& field : reviewed->fields) {
      if (names.insert(field.name).second) loaded.dataset.fields.push_back(field);
    }
    for (quality::LabelledDocument& doc : reviewed->documents) {
      doc.id = absl::StrCat(kReviewedPrefix, doc.id);
      loaded.dataset.documents.push_back(std::move(doc));
      ++loaded.corrections;
    }
  }
  return loaded;
}

}  // namespace flowline::cli
