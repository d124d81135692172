#include "cli/cross_validation.h"

#include <filesystem>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/training_data.h"
#include "common/status_macros.h"
#include "common/temp_dir.h"
#include "lifecycle/version_evaluation.h"

namespace flowline::cli {
namespace {

// `status` with "fold K of N: " in front, so a failure says which model it was.
absl::Status InFold(const absl::Status& status, int fold, int folds) {
  return absl::Status(status.code(), absl::StrCat("cross-validation fold ", fold, " of ", folds,
                                                  ": ", status.message()));
}

// The documents of `dataset` at `indices`, with copies of their read documents.
quality::Dataset Subset(const quality::Dataset& dataset, const std::vector<size_t>& indices) {
  quality::Dataset part = dataset;
  part.documents.clear();
  for (size_t i : indices) part.documents.push_back(dataset.documents[i]);
  return part;
}

std::vector<absl::StatusOr<ai::Document>> ReadSubset(
    const std::vector<absl::StatusOr<ai::Document>>& read, const std::vector<size_t>& indices) {
  std::vector<absl::StatusOr<ai::Document>> part;
  part.reserve(indices.size());
  for (size_t i : indices) part.push_back(read[i]);
  return part;
}

}  // namespace

absl::StatusOr<CrossValidation> CrossValidate(const quality::Dataset& dataset,
                                              const CrossValidationOptions& options) {
  const int n = static_cast<int>(dataset.documents.size());
  if (options.folds < 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--folds ", options.folds,
        ": cross-validation needs at least 2 folds (each model trains on the other K-1)"));
  }
  if (options.folds > n) {
    return absl::InvalidArgumentError(absl::StrCat("--folds ", options.folds,
                                                   ": more folds than the ", n, " document(s) of ",
                                                   dataset.dir, "; use at most ", n));
  }
  if (options.run.text == TextSource::kGiven && !options.extra_data.empty()) {
    return absl::InvalidArgumentError(
        "--extra-data with --text given: the extra folders have no transcripts of their own; "
        "cross-validate them with --text read");
  }
  const auto say = [&options](const std::string& line) {
    if (options.progress) options.progress(line);
  };

  ai::TrainOptions train = options.train;
  std::vector<ai::FieldSpec> fields = dataset.fields;
  if (!options.fields.empty()) {
    ASSIGN_OR_RETURN(fields, LoadFields(options.fields, &train.tables));
  }

  // Every document read once: the dataset's (each fold's test part and the others' training
  // part) and the extra folders' (in every fold's training part).
  say(absl::StrCat("reading the ", n, " documents of ", dataset.dir));
  ASSIGN_OR_RETURN(std::vector<absl::StatusOr<ai::Document>> read,
                   ReadForModel(options.run, dataset));
  quality::Dataset extra;
  RETURN_IF_ERROR(AppendExtraData(options.extra_data, extra));
  std::vector<ai::LabelledDocument> extra_documents;
  if (!extra.documents.empty()) {
    say(absl::StrCat("reading the ", extra.documents.size(), " documents of --extra-data"));
    ASSIGN_OR_RETURN(std::vector<absl::StatusOr<ai::Document>> extra_read,
                     ReadForModel(options.run, extra));
    extra_documents = TrainingDocuments(extra, std::move(extra_read), options.progress);
  }

  std::vector<std::string> ids;
  for (const quality::LabelledDocument& doc : dataset.documents) ids.push_back(doc.id);
  const std::vector<int> fold_of = quality::AssignFolds(ids, options.folds, options.seed);

  std::unique_ptr<common::TempDir> scratch;
  std::string models_dir = options.models_dir;
  if (models_dir.empty()) {
    scratch = std::make_unique<common::TempDir>();
    models_dir = scratch->path();
  }
  models_dir = std::filesystem::absolute(models_dir).lexically_normal().string();

  CrossValidation cv;
  cv.folds = options.folds;
  cv.seed = options.seed;
  cv.extra_documents = static_cast<int>(extra_documents.size());
  cv.results.resize(dataset.documents.size());
  for (int k = 0; k < options.folds; ++k) {
    const int fold = k + 1;
    std::vector<size_t> test, rest;
    for (size_t i = 0; i < dataset.documents.size(); ++i) {
      (fold_of[i] == k ? test : rest).push_back(i);
    }
    FoldSummary summary;
    summary.fold = fold;

    // Train on the other folds, then the extra folders, as `train extract --extra-data` orders
    // them.
    const quality::Dataset train_part = Subset(dataset, rest);
    std::vector<ai::LabelledDocument> training =
        TrainingDocuments(train_part, ReadSubset(read, rest), options.progress);
    for (const ai::LabelledDocument& doc : training) summary.train_ids.push_back(doc.file);
    training.insert(training.end(), extra_documents.begin(), extra_documents.end());
    summary.extra_documents = cv.extra_documents;
    train.name = absl::StrCat("fold-", fold);
    train.data_sha256 = TrainingDataSha256(training);
    const std::string model_dir = absl::StrCat(models_dir, "/fold-", fold);
    say(absl::StrCat("fold ", fold, " of ", options.folds, ": training on ",
                     summary.train_ids.size(), " documents",
                     extra_documents.empty()
                         ? std::string()
                         : absl::StrCat(" and ", extra_documents.size(), " extra"),
                     ", testing on ", test.size()));
    absl::StatusOr<Json> model = ai::TrainExtractionModel(training, fields, train, model_dir);
    training.clear();
    if (!model.ok()) return InFold(model.status(), fold, options.folds);
    summary.training_data_sha256 = (*model)["training_data_sha256"].get<std::string>();
    summary.model_documents = (*model)["documents"].get<int>();

    // Run it on the held-out fold, from the documents read above.
    const quality::Dataset test_part = Subset(dataset, test);
    ModelRunOptions run = options.run;
    run.model = model_dir;
    absl::StatusOr<std::vector<quality::DocumentResult>> results =
        ExtractFromDocuments(run, test_part, ReadSubset(read, test));
    if (!results.ok()) return InFold(results.status(), fold, options.folds);
    const lifecycle::ScoredEvaluation scored =
        lifecycle::ScoreResults(test_part, *results, options.scoring);
    summary.mean_field_accuracy = scored.report.mean_field_accuracy;
    summary.pair_accuracy = scored.report.pair_accuracy;
    summary.failed_documents = scored.report.failed_documents;
    for (size_t j = 0; j < test.size(); ++j) {
      summary.test_ids.push_back(dataset.documents[test[j]].id);
      cv.results[test[j]] = std::move((*results)[j]);
    }
    cv.fold_summaries.push_back(std::move(summary));
  }
  return cv;
}

Json CrossValidation::ToJson(const CrossValidationOptions& options) const {
  Json per_fold = Json::array();
  for (const FoldSummary& f : fold_summaries) {
    per_fold.push_back({{"fold", f.fold},
                        {"documents", f.test_ids.size()},
                        {"train_documents", f.train_ids.size()},
                        {"extra_documents", f.extra_documents},
                        {"model_documents", f.model_documents},
                        {"mean_field_accuracy", f.mean_field_accuracy},
                        {"pair_accuracy", f.pair_accuracy},
                        {"failed_documents", f.failed_documents},
                        {"training_data_sha256", f.training_data_sha256},
                        {"test_ids", f.test_ids},
                        {"train_ids", f.train_ids}});
  }
  const ai::RankerSettings& r = options.train.ranker;
  return {{"folds", folds},
          {"seed", seed},
          {"extra_data", options.extra_data},
          {"extra_documents", extra_documents},
          {"fields", options.fields.empty() ? "the dataset's" : options.fields},
          {"trainer",
           {{"rounds", r.rounds},
            {"max_depth", r.max_depth},
            {"eta", r.eta},
            {"seed", r.seed},
            {"cross_fitting_folds", options.train.folds}}},
          {"per_fold", std::move(per_fold)}};
}

std::string CrossValidation::ToTable() const {
  std::string out = absl::StrFormat(
      "%d folds (seed %d), each model trained on the other %d%s\n", folds, seed, folds - 1,
      extra_documents > 0 ? absl::StrFormat(" and %d extra documents", extra_documents)
                          : std::string());
  absl::StrAppendFormat(&out, "  %-6s %9s %9s %14s %8s\n", "fold", "held out", "trained",
                        "mean accuracy", "failed");
  for (const FoldSummary& f : fold_summaries) {
    absl::StrAppendFormat(&out, "  %-6d %9d %9d %13.1f%% %8d\n", f.fold, f.test_ids.size(),
                          f.train_ids.size(), 100 * f.mean_field_accuracy, f.failed_documents);
  }
  return out;
}

}  // namespace flowline::cli
