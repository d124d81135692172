// Replay, the proof of "consistent" (docs/releases.md): a finished run is executed again on its
// pinned version, in a scratch store of its own, and every step whose result differs from the
// recorded one is reported.
//
// The replay sees what the run saw: the same input, the same time (a clock stopped at the run's
// creation), the recorded decision of every person (a human step takes the recorded resolution
// instead of opening a task) and the recorded answer of every outside system (a step with side
// effects completes with its recorded output — nothing is sent or written again; its evaluated
// parameters, the request it would make, are still compared). What can differ is what the
// version computes: a model file changed behind the version's back, a non-deterministic script.
//
// Thread-safety: ReplayRun may run concurrently with itself (each call has its own scratch
// store); the options' objects must be thread-safe (they are the program's).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "steps/artifacts.h"
#include "steps/http_client.h"
#include "steps/step_kind.h"
#include "store/store.h"

namespace flowline::lifecycle {

struct ReplayOptions {
  const steps::StepKindRegistry* registry = nullptr;  // required
  steps::ArtifactStore* artifacts = nullptr;          // may be null
  std::string personal_data_key;  // the program's (EngineOptions::personal_data_key)
  // Outbound HTTP for steps that read from outside without writing: an llm step whose answer
  // is not in its response cache (`cache: false`) asks its provider again. May be null: such a
  // step then fails its replay.
  steps::HttpClient* http = nullptr;
};

// One difference between the recorded run and its replay.
struct StepDifference {
  std::string step;  // a step id, or "run" for the run's status and outputs
  std::string what;  // "status", "params" (the evaluated `with:`), "output"
  std::string path;  // the leaf inside it ("" for the whole value)
  Json recorded;
  Json replayed;
};

struct ReplayResult {
  std::string run_id;
  std::string workflow;
  std::string version;
  std::string recorded_status;
  std::string replayed_status;
  std::vector<StepDifference> differences;
  // Steps that completed with their recorded output (side effects) or decision (people).
  std::vector<std::string> from_record;
  bool consistent() const { return differences.empty(); }
};

// Replays the finished run `run_id` of `store`. NotFound for an unknown run; FailedPrecondition
// for a run that has not finished, or whose version's spec no longer gives the same version
// hash (this flowline reads it differently); InvalidArgument without a registry.
absl::StatusOr<ReplayResult> ReplayRun(store::Store& store, const ReplayOptions& options,
                                       const std::string& run_id);

struct ReplaySampleRequest {
  int sample = 20;                  // the most recent finished runs, at most this many
  std::string workflow;             // empty: every workflow
  std::optional<absl::Time> since;  // only runs created at or after
};

struct ConsistencyReport {
  int replayed = 0;
  int consistent = 0;
  std::vector<ReplayResult> inconsistent;
  std::vector<std::pair<std::string, std::string>> failed;  // (run id, why it could not replay)
  double rate() const { return replayed > 0 ? double(consistent) / replayed : 0; }
};

// Replays the most recent finished normal runs and counts those with no difference.
absl::StatusOr<ConsistencyReport> ReplaySample(store::Store& store, const ReplayOptions& options,
                                               const ReplaySampleRequest& request);

Json ReplayResultJson(const ReplayResult& result);
Json ConsistencyReportJson(const ConsistencyReport& report);

}  // namespace flowline::lifecycle
