// The engine: deploys workflow versions, starts runs, and executes their steps durably.
//
// A run is a state machine over its version's step graph (see docs/design/engine.md). A worker
// holding a step's lease evaluates the step's condition and parameters, calls its step kind, and
// commits the result, the run's state change and the decision record in ONE store transaction
// before anything depends on them. Steps that the commit makes ready are leased to the same
// worker in that transaction and run next without another round trip; steps due later (retries,
// timers, resolved tasks) and steps whose lease expired are claimed by the poller.
//
// Crash safety follows from that order: a step whose result is committed is never executed
// again; a step that was in flight when the process died is claimed again (attempt + 1) with the
// same idempotency key.
//
// Thread-safety: all public methods are thread-safe. With `workers == 0` no threads are started
// and RunUntilIdle() drives execution from the calling thread (deterministic tests).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "engine/plan.h"
#include "steps/step_kind.h"
#include "store/store.h"

namespace flowline::engine {

struct EngineOptions {
  // Threads executing steps. 0: none; call RunUntilIdle(). Default 4.
  int workers = 4;
  // This engine's identity in leases. Default: "<hostname>:<pid>:<random>".
  std::string worker_id;
  // How long a claimed step stays leased without renewal. Default 60 s; renewed every third.
  absl::Duration lease = absl::Seconds(60);
  // The longest the poller sleeps between looks for due steps. Default 100 ms.
  absl::Duration poll_interval = absl::Milliseconds(100);
  // At most this many attempts of a step kind at once ("http" -> 32). Absent: no limit beyond
  // the worker count.
  std::map<std::string, int> kind_limits;
  // Expire every lease at Start(): only for an engine that is the sole one on its store (the
  // embedded SQLite store, guarded by a lock file), so steps in flight at a crash resume at once.
  bool recover_leases_on_start = false;
  // Where steps keep and find artifacts (page images, uploaded files). Must outlive the engine;
  // may be null (kinds that need artifacts then fail their steps with a clear error).
  steps::ArtifactStore* artifacts = nullptr;
  // A replaying engine (lifecycle/replay.h): the recorded output of a step with side effects of
  // the run being replayed. In a replay run such a step completes with it, since the outside
  // system's answer cannot be asked for again (its evaluated parameters, the request, are still
  // compared). Unset, or nullopt for a step: it completes suppressed. Default unset.
  std::function<std::optional<Json>(const std::string& step_id)> recorded_output;
  // The key of personal data digests in decision records (audit/personal_data.h; the command
  // line reads it from the audit key directory). Default empty: digests are then unkeyed, which
  // hides values from a casual reader but not from someone testing guesses.
  std::string personal_data_key;
};

struct StartRunRequest {
  std::string workflow;
  Json input;
  // Empty: the live version, or the canary for its share of business keys; a normal run on
  // the live version also starts a shadow copy when the workflow has a shadow version.
  std::string version;
  // Anything but normal suppresses side effects: http/sql steps complete with the request they
  // would have made ({"suppressed": true, "request": ...}) and write nothing; a shadow run never
  // opens a task (its review steps complete as straight through, saying where the case would
  // have gone). Non-normal runs are not de-duplicated and not counted in measures or drift.
  store::RunMode mode = store::RunMode::kNormal;
  // The business key when the spec declares no `key:` (a trigger's own key: a file's SHA-256,
  // a schedule tick, a message id), so a repeated delivery is the same run. The spec's `key:`
  // wins when it has one. Default empty: no key, every request is a new run.
  std::string default_key{};
};

struct StartRunResult {
  std::string run_id;
  std::string version;
  bool created = false;  // false: a run with the same business key already existed
  store::RunStatus status = store::RunStatus::kRunning;
  bool canary = false;        // the version is the workflow's canary, chosen by the key's draw
  std::string shadow_run_id;  // the shadow copy started beside it, if any
};

struct DeployResult {
  std::string workflow;
  std::string version;
  bool created = false;  // false: this exact spec was already deployed (its stage is unchanged)
  store::VersionStage stage = store::VersionStage::kLive;  // the version's stage now
};

// Which share of new live cases goes to the canary: a case goes there when its draw is below
// the share. Deterministic in (workflow, business key), so a case always lands on the same
// version; independent of the audit sample's draw (review::AuditDraw).
double CanaryDraw(std::string_view workflow, std::string_view key);

struct TaskDecision {
  std::string task_id;
  std::string user;
  std::string decision;  // one of the review step's decisions, e.g. "approve" or "reject"
  std::string comment;
  Json data = Json::object();  // corrected values, if any
};

class Engine {
 public:
  // `store`, `registry`, `clock`, `random` and `http` must outlive the engine. `http` may be
  // null when no step kind needs outbound HTTP.
  Engine(EngineOptions options, store::Store& store, const steps::StepKindRegistry& registry,
         const common::Clock& clock, common::Random& random, steps::HttpClient* http);
  ~Engine();  // Stop()s.
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Validates and stores a spec as a new version in `stage`. Default: live (the previous live
  // version retired), except a draft when the spec declares a release gate and the workflow has
  // a live version already (it must pass the gate: lifecycle/promote.h). Any stage but draft is
  // a stage change recorded as "version.deployed" by `by`. InvalidArgument lists every problem
  // (file:line:column).
  absl::StatusOr<DeployResult> Deploy(std::string_view spec_text, std::string_view source_name,
                                      std::optional<store::VersionStage> stage = std::nullopt,
                                      const std::string& by = "system");

  // The plan of a version (built once, then cached). NotFound for an unknown version.
  absl::StatusOr<std::shared_ptr<const Plan>> GetPlan(const std::string& workflow,
                                                      const std::string& version);

  // Starts a run on the live version (or the one requested). Errors: NotFound (workflow or
  // version), InvalidArgument (the input breaks the input schema), FailedPrecondition (the
  // business key does not evaluate). A duplicate business key returns the existing run.
  absl::StatusOr<StartRunResult> StartRun(const StartRunRequest& request);

  // Resolves a human task (review/resolution.h: the decisions, four-eyes, corrections); its
  // run continues. On a four-eyes task the first decision is kept and the task goes back to its
  // queue. Errors: InvalidArgument (a decision the task does not offer, a correction without
  // values), FailedPrecondition (four-eyes by the same person, a claim held by someone else,
  // already resolved), NotFound.
  absl::StatusOr<store::Task> ResolveTask(const TaskDecision& decision);

  // Moves tasks past their SLA to their escalation queue and delivers due webhook
  // notifications (the poller does this every second). Returns how many tasks it escalated.
  absl::StatusOr<int> SweepTasks();

  // Starts the worker and poller threads, and registers with the store's work listener
  // (Store::SetWorkListener) to wake the poller when another process makes work. Only started
  // engines register: one per process, since a store keeps one listener. FailedPrecondition if
  // already started.
  absl::Status Start();
  // Stops claiming, lets in-flight steps commit, joins the threads. Idempotent.
  void Stop();

  // With workers == 0: executes every step that is due at clock.Now(), including the ones that
  // become due as a result, until none is. Returns the number of attempts executed.
  absl::StatusOr<int> RunUntilIdle();

  // Blocks until the run is finished (or `timeout` passes: DeadlineExceeded), and returns it.
  absl::StatusOr<store::Run> WaitForRun(const std::string& run_id, absl::Duration timeout);

  // Called on a worker thread whenever this engine finishes a run. Set before Start().
  void SetRunFinishedCallback(std::function<void(const std::string&, store::RunStatus)> callback);

  const std::string& worker_id() const;
  // How many steps this engine holds leases on now (queued or executing).
  int StepsHeld();
  store::Store& store();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flowline::engine
