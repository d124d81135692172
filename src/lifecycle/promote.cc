#include "lifecycle/promote.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/spec.h"

namespace flowline::lifecycle {
namespace {

Json GateJson(const PromoteResult& result) {
  if (!result.gate_checked) return Json{{"checked", false}, {"note", result.gate_note}};
  return Json{{"checked", true},
              {"passed", result.gate.passed},
              {"failures", result.gate.failures},
              {"detail", result.gate.detail}};
}

std::string Short(const std::string& version) { return version.substr(0, 12); }

// One failed measure with its numbers, e.g. "field_accuracy: candidate 81.2% < live 95.0% - 1.0
// points".
std::string FailureLine(const quality::GateMeasure& m) {
  if (!m.candidate.has_value() || !m.live.has_value()) {
    return absl::StrCat(m.name, ": failed", m.note.empty() ? "" : absl::StrCat(" (", m.note, ")"));
  }
  if (m.name == "cost") {
    return absl::StrFormat("cost per case: candidate %.4f > live %.4f + %.0f%%", *m.candidate,
                           *m.live, 100 * m.margin);
  }
  return absl::StrFormat("%s: candidate %.1f%% < live %.1f%% - %.1f points", m.name,
                         100 * *m.candidate, 100 * *m.live, 100 * m.margin);
}

}  // namespace

PromotionGate ReleaseGate(const Environment& env, store::Store& store,
                          const steps::ArtifactStore* artifacts, GateCheckOptions options) {
  return [&env, &store, artifacts, options = std::move(options)](
             const store::VersionInfo& candidate,
             const store::VersionInfo& /*live: the store's, which CheckReleaseGate reads*/)
             -> absl::StatusOr<GateVerdict> {
    ASSIGN_OR_RETURN(
        engine::WorkflowSpec spec,
        engine::ParseSpec(candidate.spec_source, candidate.source_name, *env.registry));
    GateVerdict verdict;
    if (!spec.release_gate.has_value()) return verdict;
    ASSIGN_OR_RETURN(GateCheck check, CheckReleaseGate(env, store, artifacts, candidate.spec_source,
                                                       candidate.source_name, options));
    verdict.has_gate = true;
    verdict.passed = check.result.passed;
    for (const quality::GateMeasure& m : check.result.measures) {
      if (!m.passed) verdict.failures.push_back(FailureLine(m));
    }
    verdict.detail = check.ToJson();
    verdict.table = check.ToTable();
    return verdict;
  };
}

absl::StatusOr<PromoteResult> Promote(store::Store& store, const PromoteRequest& request,
                                      const PromotionGate& gate, absl::Time now) {
  if (request.force && request.reason.empty()) {
    return absl::InvalidArgumentError(
        "--force needs --reason: say why the gate is overruled (it goes into the record)");
  }
  ASSIGN_OR_RETURN(store::VersionInfo candidate,
                   store.GetVersion(request.workflow, request.version));
  ASSIGN_OR_RETURN(store::WorkflowInfo workflow, store.GetWorkflow(request.workflow));
  PromoteResult result;
  result.from = candidate.stage;
  const bool canary = request.canary_share.has_value();
  if (!canary && candidate.stage == request.to) {
    return absl::InvalidArgumentError(absl::StrCat("version ", Short(request.version), " of ",
                                                   request.workflow, " is already ",
                                                   store::VersionStageName(request.to)));
  }
  // Real cases meet the version when it goes live or takes a canary share: that is what the
  // gate guards.
  const bool guarded =
      canary ? *request.canary_share > 0 : request.to == store::VersionStage::kLive;
  if (guarded && workflow.live_version.empty()) {
    result.gate_note = "no live version to compare with";
  } else if (guarded) {
    ASSIGN_OR_RETURN(store::VersionInfo live,
                     store.GetVersion(request.workflow, workflow.live_version));
    ASSIGN_OR_RETURN(result.gate, gate(candidate, live));
    if (!result.gate.has_gate) {
      result.gate_note = "the workflow declares no release gate";
    } else {
      result.gate_checked = true;
      if (!result.gate.passed && !request.force) {
        return absl::FailedPreconditionError(
            absl::StrCat("the release gate refuses version ", Short(request.version), " of ",
                         request.workflow, " (compared with live ", Short(workflow.live_version),
                         "):\n  ", absl::StrJoin(result.gate.failures, "\n  "),
                         "\nfix the version, or overrule the gate with --force --reason TEXT"));
      }
      result.forced = !result.gate.passed;
    }
  } else {
    result.gate_note = "no gate before this stage";
  }

  store::StageChange change;
  change.workflow = request.workflow;
  change.version = request.version;
  change.to = request.to;
  change.canary_share = request.canary_share;
  change.expected_from = candidate.stage;
  change.now = now;
  Json payload = {{"workflow", request.workflow},
                  {"version", request.version},
                  {"from", store::VersionStageName(candidate.stage)},
                  {"to", canary ? "canary" : store::VersionStageName(request.to)},
                  {"by", request.by},
                  {"forced", result.forced},
                  {"gate", GateJson(result)}};
  if (canary) payload["canary_share"] = *request.canary_share;
  if (!request.reason.empty()) payload["reason"] = request.reason;
  if (!workflow.live_version.empty()) payload["live_before"] = workflow.live_version;
  change.records.push_back(
      {"", "version.promoted", absl::StrCat("human:", request.by), common::CanonicalJson(payload)});
  ASSIGN_OR_RETURN(result.workflow, store.SetVersionStage(change));
  return result;
}

absl::StatusOr<PromoteResult> Rollback(store::Store& store, const std::string& workflow,
                                       const std::string& to, const std::string& by,
                                       const std::string& reason, absl::Time now) {
  ASSIGN_OR_RETURN(store::WorkflowInfo info, store.GetWorkflow(workflow));
  ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, store.ListVersions(workflow));
  std::optional<store::VersionInfo> target;
  if (!to.empty()) {
    ASSIGN_OR_RETURN(target, store.GetVersion(workflow, to));
  } else {
    // Newest deployment first: the first retired version deployed before the live one.
    bool past_live = info.live_version.empty();
    for (const store::VersionInfo& v : versions) {
      if (v.version == info.live_version) {
        past_live = true;
        continue;
      }
      if (past_live && v.stage == store::VersionStage::kRetired) {
        target = v;
        break;
      }
    }
    if (!target.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(workflow,
                       " has no retired version deployed before its live one to roll back to; "
                       "name one with --to VERSION"));
    }
  }
  if (target->version == info.live_version) {
    return absl::InvalidArgumentError(
        absl::StrCat("version ", Short(target->version), " of ", workflow, " is already live"));
  }
  PromoteResult result;
  result.from = target->stage;
  result.gate_note = "a rollback passes no gate";
  store::StageChange change;
  change.workflow = workflow;
  change.version = target->version;
  change.to = store::VersionStage::kLive;
  change.expected_from = target->stage;
  change.now = now;
  Json payload = {{"workflow", workflow},
                  {"version", target->version},
                  {"from", store::VersionStageName(target->stage)},
                  {"to", "live"},
                  {"by", by},
                  {"live_before", info.live_version}};
  if (!reason.empty()) payload["reason"] = reason;
  change.records.push_back(
      {"", "version.rolled_back", absl::StrCat("human:", by), common::CanonicalJson(payload)});
  ASSIGN_OR_RETURN(result.workflow, store.SetVersionStage(change));
  return result;
}

}  // namespace flowline::lifecycle
