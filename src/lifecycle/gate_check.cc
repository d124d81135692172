#include "lifecycle/gate_check.h"

#include <filesystem>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/spec.h"
#include "lifecycle/version_evaluation.h"
#include "quality/dataset_store.h"

namespace flowline::lifecycle {
namespace {

// The gate's cases: a stored dataset by name, else a folder of that path.
absl::StatusOr<quality::Dataset> GateDataset(store::Store& store,
                                             const steps::ArtifactStore* artifacts,
                                             const quality::ReleaseGate& gate) {
  std::optional<quality::Split> split = quality::ParseSplit(gate.split);
  if (!split) return absl::InvalidArgumentError(absl::StrCat("unknown split ", gate.split));
  absl::StatusOr<quality::DatasetRef> ref = quality::ParseDatasetRef(gate.dataset);
  if (ref.ok()) {
    absl::StatusOr<quality::Dataset> stored =
        quality::LoadStoredDataset(store, artifacts, ref->name, ref->version, *split);
    if (!absl::IsNotFound(stored.status())) return stored;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(gate.dataset, ec)) {
    return absl::NotFoundError(absl::StrCat(
        "the release gate's dataset '", gate.dataset,
        "' is neither a stored dataset nor a folder: import it with `flowline dataset import`"));
  }
  ASSIGN_OR_RETURN(quality::Dataset dataset, quality::LoadDataset(gate.dataset));
  const double validation_share = gate.split == "validation" ? 0.2 : 0.0;
  return quality::SelectSplit(std::move(dataset), *split, validation_share, 0.5, 1);
}

// Evaluates a version on the gate's cases and saves the evaluation when they are stored.
absl::StatusOr<store::EvaluationRow> Evaluate(
    const Environment& env, store::Store& store, const std::string& spec_text,
    const std::string& source_name, const quality::Dataset& dataset,
    const quality::ReleaseGate& gate, const GateCheckOptions& options, EvaluationSubject& subject) {
  WorkflowEvaluationOptions run;
  run.workers = options.workers;
  run.step = options.step;
  run.prices = options.prices;
  ASSIGN_OR_RETURN(
      VersionEvaluation evaluated,
      EvaluateVersion(env, spec_text, source_name, dataset, run, gate.target_accuracy));
  subject.workflow = evaluated.runs.workflow;
  subject.version = evaluated.runs.version;
  SetDatasetOf(dataset, gate.split, subject);
  if (subject.dataset_version > 0) {
    return SaveEvaluation(store, subject, evaluated.scored.json, evaluated.scored.summary,
                          options.created_by, *env.clock, *env.random);
  }
  store::EvaluationRow row;  // a folder's evaluation is not kept: the folder may change
  row.workflow = subject.workflow;
  row.version = subject.version;
  row.dataset = subject.dataset;
  row.split = subject.split;
  row.created_at = env.clock->Now();
  row.created_by = options.created_by;
  row.summary_json = evaluated.scored.summary.ToJson().dump();
  row.report_json = evaluated.scored.json.dump();
  return row;
}

}  // namespace

absl::StatusOr<GateCheck> CheckReleaseGate(const Environment& env, store::Store& store,
                                           const steps::ArtifactStore* artifacts,
                                           const std::string& spec_text,
                                           const std::string& source_name,
                                           const GateCheckOptions& options) {
  ASSIGN_OR_RETURN(engine::WorkflowSpec spec,
                   engine::ParseSpec(spec_text, source_name, *env.registry));
  if (!spec.release_gate) {
    return absl::FailedPreconditionError(
        absl::StrCat(source_name,
                     " has no release gate: add `release: { gate: { dataset: NAME } }` "
                     "(docs/workflows.md)"));
  }
  GateCheck check;
  check.gate = *spec.release_gate;
  check.workflow = spec.name;
  check.candidate_version = spec.version;
  ASSIGN_OR_RETURN(quality::Dataset dataset, GateDataset(store, artifacts, check.gate));
  if (dataset.documents.empty()) {
    return absl::FailedPreconditionError(absl::StrCat("the release gate's dataset ",
                                                      check.gate.dataset, " has no cases in its ",
                                                      check.gate.split, " part"));
  }
  if (options.progress) options.progress(absl::StrCat("evaluating the candidate ", source_name));
  ASSIGN_OR_RETURN(check.candidate, Evaluate(env, store, spec_text, source_name, dataset,
                                             check.gate, options, check.candidate_subject));
  ASSIGN_OR_RETURN(quality::EvaluationSummary candidate, SummaryOf(check.candidate));

  std::optional<quality::EvaluationSummary> live;
  absl::StatusOr<store::WorkflowInfo> workflow = store.GetWorkflow(spec.name);
  if (!workflow.ok() && !absl::IsNotFound(workflow.status())) return workflow.status();
  if (workflow.ok() && !workflow->live_version.empty()) {
    check.live_version = workflow->live_version;
    EvaluationSubject subject = check.candidate_subject;
    subject.version = check.live_version;
    std::optional<store::EvaluationRow> stored;
    if (options.reuse_live) {
      ASSIGN_OR_RETURN(stored, FindEvaluation(store, subject, check.gate.target_accuracy));
    }
    if (stored) {
      check.live = std::move(stored);
      check.live_reused = true;
    } else {
      ASSIGN_OR_RETURN(store::VersionInfo version, store.GetVersion(spec.name, check.live_version));
      const std::string live_source =
          absl::StrCat(spec.name, "@", check.live_version.substr(0, 12));
      if (options.progress) options.progress(absl::StrCat("evaluating the live ", live_source));
      ASSIGN_OR_RETURN(check.live, Evaluate(env, store, version.spec_source, live_source, dataset,
                                            check.gate, options, subject));
    }
    ASSIGN_OR_RETURN(live, SummaryOf(*check.live));
  }
  check.result = quality::CheckGate(check.gate, candidate, live);
  return check;
}

Json GateCheck::ToJson() const {
  return Json{
      {"workflow", workflow},
      {"candidate", {{"version", candidate_version}, {"evaluation", candidate.evaluation_id}}},
      {"live",
       {{"version", live_version},
        {"evaluation", live ? Json(live->evaluation_id) : Json(nullptr)},
        {"reused", live_reused}}},
      {"gate",
       {{"dataset", gate.dataset},
        {"split", gate.split},
        {"target_accuracy", gate.target_accuracy},
        {"margins",
         {{"field_accuracy", gate.margins.field_accuracy},
          {"straight_through", gate.margins.straight_through},
          {"cost", gate.margins.cost}}}}},
      {"result", result.ToJson()}};
}

std::string GateCheck::ToTable() const {
  std::string out = absl::StrCat(
      "release gate of ", workflow, ": candidate ", candidate_version.substr(0, 12),
      live_version.empty() ? ", nothing live"
                           : absl::StrCat(" vs live ", live_version.substr(0, 12),
                                          live_reused ? " (stored evaluation " : " (evaluation ",
                                          live ? live->evaluation_id : "", ")"),
      "\non ", gate.dataset, " (", gate.split, "), target accuracy ", gate.target_accuracy, "\n\n");
  return out + result.ToTable();
}

}  // namespace flowline::lifecycle
