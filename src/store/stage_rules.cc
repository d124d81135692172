#include "store/stage_rules.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::store {
namespace {

absl::Status ApplyCanary(const StageChange& change, double share, WorkflowInfo& w) {
  if (!(share >= 0 && share < 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("a canary share must be at least 0 and below 1 (0.1 is 10%), not ", share));
  }
  if (share == 0) {
    if (w.canary_version != change.version) {
      return absl::FailedPreconditionError(
          absl::StrCat("version ", change.version, " of ", change.workflow, " is not the canary"));
    }
    w.canary_version.clear();
    w.canary_share = 0;
    return absl::OkStatus();
  }
  if (w.live_version == change.version) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", change.version, " of ", change.workflow,
                     " is live already: it takes every case, it cannot be a canary"));
  }
  w.canary_version = change.version;
  w.canary_share = share;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StagePlan> PlanStageChange(const StageChange& change, const VersionInfo& version,
                                          WorkflowInfo w) {
  if (change.expected_from.has_value() && version.stage != *change.expected_from) {
    return absl::FailedPreconditionError(absl::StrCat(
        "version ", change.version, " of ", change.workflow, " is ",
        VersionStageName(version.stage), ", not ", VersionStageName(*change.expected_from),
        " any more (changed meanwhile): look at it again"));
  }
  StagePlan plan;
  const bool is_live = w.live_version == change.version;
  if (change.canary_share.has_value()) {
    RETURN_IF_ERROR(ApplyCanary(change, *change.canary_share, w));
  } else if (change.to == VersionStage::kLive) {
    if (!w.live_version.empty() && !is_live) {
      plan.stages.emplace_back(w.live_version, VersionStage::kRetired);
    }
    w.live_version = change.version;
    if (w.shadow_version == change.version) w.shadow_version.clear();
    if (w.canary_version == change.version) {
      w.canary_version.clear();
      w.canary_share = 0;
    }
  } else {
    if (is_live) {
      return absl::FailedPreconditionError(absl::StrCat(
          "version ", change.version, " is the live version of ", change.workflow,
          ": promote another version to live instead (flowline promote, or rollback)"));
    }
    if (change.to == VersionStage::kShadow) {
      if (!w.shadow_version.empty() && w.shadow_version != change.version) {
        plan.stages.emplace_back(w.shadow_version, VersionStage::kDraft);
      }
      w.shadow_version = change.version;
    } else if (w.shadow_version == change.version) {
      w.shadow_version.clear();
    }
    if (change.to == VersionStage::kRetired && w.canary_version == change.version) {
      w.canary_version.clear();
      w.canary_share = 0;
    }
  }
  if (!change.canary_share.has_value()) plan.stages.emplace_back(change.version, change.to);
  plan.workflow = std::move(w);
  return plan;
}

}  // namespace flowline::store
