#include "lifecycle/version_evaluation.h"

#include <set>
#include <utility>

#include "common/status_macros.h"

namespace flowline::lifecycle {

ScoredEvaluation ScoreResults(quality::Dataset dataset,
                              const std::vector<quality::DocumentResult>& results,
                              const quality::EvaluationOptions& options) {
  ScoredEvaluation scored;
  std::set<std::string> extracted;
  for (const quality::DocumentResult& result : results) {
    for (const auto& [name, value] : result.fields) extracted.insert(name);
  }
  if (!extracted.empty()) {
    std::vector<ai::FieldSpec> kept;
    for (ai::FieldSpec& field : dataset.fields) {
      if (extracted.count(field.name) > 0) {
        kept.push_back(std::move(field));
      } else {
        scored.not_extracted.push_back(field.name);
      }
    }
    dataset.fields = std::move(kept);
  }
  scored.report = quality::Evaluate(dataset, results, options);
  scored.summary = quality::SummarizeReport(scored.report);
  scored.json = scored.report.ToJson();
  scored.json["warnings"] = dataset.warnings;
  scored.json["labels_not_extracted"] = scored.not_extracted;
  return scored;
}

absl::StatusOr<VersionEvaluation> EvaluateVersion(const Environment& environment,
                                                  const std::string& spec_text,
                                                  const std::string& source_name,
                                                  const quality::Dataset& dataset,
                                                  const WorkflowEvaluationOptions& options,
                                                  double target_accuracy) {
  VersionEvaluation out;
  ASSIGN_OR_RETURN(out.runs,
                   EvaluateWorkflow(environment, spec_text, source_name, dataset, options));
  quality::EvaluationOptions scoring;
  scoring.target_accuracy = target_accuracy;
  out.scored = ScoreResults(dataset, out.runs.results, scoring);
  Json reasons = Json::object();
  for (const quality::DocumentResult& result : out.runs.results) {
    for (const std::string& reason : result.reasons) {
      reasons[reason] = reasons.value(reason, 0) + 1;
    }
  }
  out.scored.json["workflow"] = {
      {"spec", source_name},
      {"workflow", out.runs.workflow},
      {"version", out.runs.version},
      {"step", out.runs.step},
      {"classify_step", out.runs.classify_step},
      {"mode", "evaluation"},  // side effects suppressed (store::RunMode)
      {"straight_through", out.runs.straight_through},
      {"waiting_for_a_person", out.runs.waiting},
      {"failed", out.runs.failed},
      {"currency", out.runs.currency},
      {"reasons", std::move(reasons)}};
  out.scored.summary.currency = out.runs.currency;
  return out;
}

}  // namespace flowline::lifecycle
