// Promotion (docs/releases.md): moving a version through draft → shadow → live → retired, the
// canary share, and rollback. Going live (or taking a canary share of live cases) passes the
// workflow's release gate first: the candidate's evaluation on the gate dataset must not be worse
// than the live version's beyond the gate's margins on any gated measure. An operator may force
// a refused promotion with a reason; the decision record says so, with the failing gate result.
//
// Every change is one store transaction with its decision record ("version.promoted",
// "version.rolled_back"), so the record shows who moved which version from where to where, why,
// and what the gate said.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "lifecycle/gate_check.h"
#include "store/store.h"

namespace flowline::lifecycle {

// What a release gate said about a candidate against the live version.
struct GateVerdict {
  bool has_gate = false;  // the workflow declares a gate (a `release:` block)
  bool passed = true;
  std::vector<std::string> failures;  // one line per failed measure, with the numbers
  Json detail = Json::object();       // the gate result as the record keeps it
  std::string table;                  // the gated measures for people (may be empty)
};

// Checks `candidate` against `live` (both versions of one workflow). Errors (an evaluation that
// cannot run) stop the promotion.
using PromotionGate = std::function<absl::StatusOr<GateVerdict>(const store::VersionInfo& candidate,
                                                                const store::VersionInfo& live)>;

// The workflow's release gate: the candidate's spec declares it (`release: { gate: ... }`); the
// candidate and the live version are evaluated on its dataset by CheckReleaseGate (gate_check.h;
// the live version's stored evaluation is reused) and compared under its margins. A candidate
// whose spec declares no gate gets a verdict without a gate. `env`, `store` and `artifacts` must
// outlive the returned function.
PromotionGate ReleaseGate(const Environment& env, store::Store& store,
                          const steps::ArtifactStore* artifacts, GateCheckOptions options);

struct PromoteRequest {
  std::string workflow;
  std::string version;  // the full version hash
  store::VersionStage to = store::VersionStage::kLive;
  // Set: make the version the canary with this share of new live cases (0 ends its canary);
  // `to` is then ignored.
  std::optional<double> canary_share;
  bool force = false;  // promote even if the gate fails (needs a reason)
  std::string reason;
  std::string by;  // who asks (recorded as "human:<by>")
};

struct PromoteResult {
  store::WorkflowInfo workflow;  // after the change
  store::VersionStage from = store::VersionStage::kDraft;
  bool gate_checked = false;  // false: no gate applied (see gate_note)
  std::string gate_note;      // why no gate applied, for people
  GateVerdict gate;
  bool forced = false;  // the gate failed and --force promoted anyway
};

// Promotes. InvalidArgument for --force without a reason or a version already in that stage;
// NotFound for an unknown version; FailedPrecondition when the gate refuses (the message names
// every failed measure with its numbers) or the store refuses the change (store.h).
absl::StatusOr<PromoteResult> Promote(store::Store& store, const PromoteRequest& request,
                                      const PromotionGate& gate, absl::Time now);

// Makes the previous live version live again: the newest retired version deployed before the
// live one (or `to`, if given). No gate: a rollback goes back to what ran before.
absl::StatusOr<PromoteResult> Rollback(store::Store& store, const std::string& workflow,
                                       const std::string& to, const std::string& by,
                                       const std::string& reason, absl::Time now);

}  // namespace flowline::lifecycle
