#include "cli/extract_results.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "ai/extract/extract_step.h"
#include "cli/progress.h"
#include "common/status_macros.h"

namespace flowline::cli {

absl::StatusOr<std::vector<absl::StatusOr<ai::Document>>> ReadForModel(
    const ModelRunOptions& options, const quality::Dataset& dataset) {
  DocumentCacheOptions cache;
  cache.dir = options.cache;
  cache.jobs = options.jobs;
  cache.read.ocr = options.ocr == "always"  ? ai::OcrMode::kAlways
                   : options.ocr == "never" ? ai::OcrMode::kNever
                                            : ai::OcrMode::kAuto;
  ProgressBar bar("reading", static_cast<int64_t>(dataset.documents.size()));
  ASSIGN_OR_RETURN(std::vector<absl::StatusOr<ai::Document>> documents,
                   ReadDatasetDocuments(dataset, options.text, cache, [&](int done, int) {
                     if (options.progress) bar.Update(done);
                   }));
  if (options.progress) bar.Finish();
  return documents;
}

absl::StatusOr<std::vector<quality::DocumentResult>> ExtractWithModel(
    const ModelRunOptions& options, const quality::Dataset& dataset) {
  ASSIGN_OR_RETURN(std::vector<absl::StatusOr<ai::Document>> documents,
                   ReadForModel(options, dataset));
  return ExtractFromDocuments(options, dataset, documents);
}

absl::StatusOr<std::vector<quality::DocumentResult>> ExtractFromDocuments(
    const ModelRunOptions& options, const quality::Dataset& dataset,
    const std::vector<absl::StatusOr<ai::Document>>& documents) {
  ai::ExtractStep kind(options.models_dir);
  std::vector<steps::ConfigError> errors;
  std::unique_ptr<steps::PreparedStep> step = kind.Prepare(
      "extract", Json{{"model", options.model}, {"document", "${{ steps.read.output }}"}}, &errors);
  if (step == nullptr) {
    std::string message = absl::StrCat("cannot use model ", options.model, ":");
    for (const steps::ConfigError& e : errors) {
      absl::StrAppend(&message, " ", e.message,
                      e.hint.empty() ? "" : absl::StrCat(" (", e.hint, ")"));
    }
    return absl::InvalidArgumentError(message);
  }

  std::vector<quality::DocumentResult> results;
  if (documents.size() != dataset.documents.size()) {
    return absl::InternalError("ExtractFromDocuments: one read document per dataset document");
  }
  for (size_t i = 0; i < dataset.documents.size(); ++i) {
    const quality::LabelledDocument& labelled = dataset.documents[i];
    quality::DocumentResult result;
    result.id = labelled.id;
    if (!documents[i].ok()) {
      result.error = absl::StrCat("document.read: ", documents[i].status().message());
      results.push_back(std::move(result));
      continue;
    }
    Json params = {{"model", options.model}, {"document", documents[i]->ToJson()}};
    if (const char* order = ai::DateOrderName(labelled.date_order); *order) {
      params["date_order"] = order;
    }
    steps::StepContext ctx;
    ctx.run_id = "eval";
    ctx.step_id = "extract";
    ctx.params = &params;
    steps::StepOutcome outcome = step->Execute(ctx);
    if (outcome.kind != steps::StepOutcome::Kind::kCompleted) {
      result.error = absl::StrCat("extract: ", outcome.error);
    } else {
      for (const auto& [name, field] : outcome.output["fields"].items()) {
        quality::FieldResult value;
        if (field["normalized"].is_string()) {
          value.normalized = field["normalized"].get<std::string>();
        }
        value.confidence = field.value("confidence", 0.0);
        result.fields[name] = value;
      }
      result.line_items = quality::LineItemRowsOf(outcome.output);
    }
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace flowline::cli
