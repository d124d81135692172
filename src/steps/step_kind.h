// The step-kind interface: what a kind of step (script, http, review, document.read, llm…) is to
// the engine.
//
// A StepKind describes itself (name, allowed actors, parameters) and validates a step's
// configuration once per workflow version in Prepare(), returning a PreparedStep. The engine
// calls PreparedStep::Execute() for each attempt with a StepContext and gets a StepOutcome back.
// A step kind never touches the store or the scheduler: it returns what happened, and the engine
// decides what that means (commit, retry, wait, fail).
//
// Thread-safety: StepKind and PreparedStep are shared by all workers; Execute() must be safe to
// call from many threads at once (keep per-call state in locals or in the context).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_util.h"

namespace flowline::expr {
class Evaluator;
}

namespace flowline::steps {

class HttpClient;
class ArtifactStore;

enum class Actor { kAi, kSystem, kHuman };
const char* ActorName(Actor actor);
std::optional<Actor> ParseActor(std::string_view name);

enum class ParamType { kAny, kString, kNumber, kInteger, kBoolean, kObject, kArray, kDuration };
const char* ParamTypeName(ParamType type);

struct ParamSpec {
  std::string name;
  ParamType type = ParamType::kAny;
  bool required = false;
  // The value must be written in the spec and is used as written, never evaluated per run
  // (e.g. a script's code, compiled once per version).
  bool literal = false;
  std::string description;
};

struct StepKindInfo {
  std::string name;  // what `uses:` says
  std::string description;
  std::vector<Actor> actors;  // the actors this kind may be declared with
  std::vector<ParamSpec> params;
  bool side_effects = false;  // writes to systems outside flowline
  // A kind with side effects that honours StepContext::suppress_side_effects. The engine never
  // executes a side-effect kind without it in a suppressed run: such a step completes with
  // {"suppressed": true} and no request.
  bool suppressible = false;
};

// A problem with a step's configuration. `param` is the path of the parameter within `with:`
// ("code", "headers.Authorization"), empty for the step as a whole.
struct ConfigError {
  std::string param;
  std::string message;
  std::string hint;  // how to fix it
};

// How an attempt failed, which decides whether the retry policy retries it.
enum class ErrorClass {
  kPermanent,    // bad input, 4xx, script error: retrying will not help
  kTransient,    // network error, 5xx
  kRateLimited,  // 429
  kTimeout,      // the step's timeout passed
};
const char* ErrorClassName(ErrorClass error_class);
std::optional<ErrorClass> ParseErrorClass(std::string_view name);

// A person's piece of work, opened by a human step.
struct TaskRequest {
  std::string queue = "default";
  std::string title;
  int priority = 0;
  std::optional<absl::Duration> sla;
  Json payload = Json::object();
  std::string escalate_to;  // after the SLA, the task moves to this queue
  bool four_eyes = false;   // two different people must decide
};

// The model (or reference data) an AI step decided with: the decision record names it as the
// step's actor, so every decision can be traced to the exact artifact.
struct ModelRef {
  std::string name;    // e.g. "invoice-fields", or "reference:vendors" for a reference table
  std::string sha256;  // content hash of the artifact as loaded
};

struct StepOutcome {
  enum class Kind {
    kCompleted,    // output (and confidence) are the step's result
    kFailed,       // error + error_class; the retry policy decides what happens next
    kWaitForTask,  // open `task`; Execute is called again with ctx.resume = the resolution
    kWaitUntil,    // Execute is called again at wake_at with ctx.resume = {"timer": true}
    kRejected,     // a person rejected the case: the run ends as rejected with `error`
  };
  Kind kind = Kind::kCompleted;
  Json output = Json::object();
  std::optional<double> confidence;
  std::string error;
  ErrorClass error_class = ErrorClass::kPermanent;
  std::optional<absl::Duration> retry_after;  // a server's Retry-After, honoured by the backoff
  TaskRequest task;
  absl::Time wake_at;
  std::optional<ModelRef> model;  // set by AI steps that use a model or reference data
  // What the attempt consumed from a paid model service, for the measures (docs/measures.md):
  // {"model": "<provider>/<model>", "input_tokens", "output_tokens", "calls", "cached", "cost"}.
  // Recorded on the step.completed or step.retry record of the attempt (a failed attempt's
  // calls were paid for too). Unset: nothing to count beyond the step itself.
  std::optional<Json> usage;

  static StepOutcome Completed(Json output, std::optional<double> confidence = std::nullopt);
  static StepOutcome Failed(std::string error, ErrorClass error_class = ErrorClass::kPermanent,
                            std::optional<absl::Duration> retry_after = std::nullopt);
  static StepOutcome WaitForTask(TaskRequest task);
  static StepOutcome WaitUntil(absl::Time wake_at);
  static StepOutcome Rejected(std::string reason, Json output = Json::object());
};

// What an attempt sees. Everything is owned by the engine and valid for the duration of Execute.
struct StepContext {
  std::string run_id;
  std::string step_id;
  std::string workflow;
  std::string version;
  std::string business_key;
  // Stable across attempts and restarts: external systems use it to apply a write once.
  std::string idempotency_key;
  int attempt = 1;
  // The evaluated `with:` parameters (literal parameters as written).
  const Json* params = nullptr;
  // {"input": run input, "steps": {id: {"output", "status", "confidence"}}, "run": {...}}.
  const Json* run = nullptr;
  // Null on a first execution; the task resolution or {"timer": true} when resumed.
  const Json* resume = nullptr;
  // The attempt must finish by then (the step's timeout).
  absl::Time deadline = absl::InfiniteFuture();
  const common::Clock* clock = nullptr;
  HttpClient* http = nullptr;
  // Content-addressed files (page images, uploaded documents); null if the process has none.
  ArtifactStore* artifacts = nullptr;
  // The calling thread's sandbox, for kinds that run Lua. Its environment is the run data.
  expr::Evaluator* evaluator = nullptr;
  // Shadow, replay and evaluation runs (docs/releases.md): a kind with side effects must not
  // write anything outside flowline; it completes with {"suppressed": true, "request": {...}},
  // the request it would have made (no secrets). Reads that change nothing may still run.
  bool suppress_side_effects = false;
  // With suppress_side_effects, reads are suppressed too (evaluation runs: a dataset's cases are
  // mostly in the business's systems already, so their lookups would find the cases themselves,
  // e.g. as duplicates). A suppressed read completes like a suppressed write.
  bool suppress_reads = false;
  // For a workflow's gate (a review step with `gate: true`) on its first execution: the
  // engine's routing decision under the exception policy (review::RoutingDecision::ToJson(),
  // plus "queue" when the policy names one). Null otherwise.
  const Json* routing = nullptr;
};

// A value in a step's output worth watching for drift (docs/drift.md): a classifier's label, an
// extracted amount or currency. The engine makes each a monitored feature "<step>.<name>".
struct MonitoredOutput {
  enum class Kind { kNumeric, kCategorical };
  std::string name;               // "label", "total_amount"
  std::vector<std::string> path;  // inside the output: {"values", "total_amount"}
  Kind kind = Kind::kNumeric;
};

class PreparedStep {
 public:
  virtual ~PreparedStep() = default;
  virtual StepOutcome Execute(const StepContext& ctx) const = 0;
  // The outputs of this prepared step that drift detection watches by default. None unless a
  // kind says so.
  virtual std::vector<MonitoredOutput> MonitoredOutputs() const { return {}; }
};

class StepKind {
 public:
  virtual ~StepKind() = default;
  virtual const StepKindInfo& Info() const = 0;
  // Validates `with` (as written in the spec: values may be "${{ … }}" strings, which a kind
  // must accept wherever the parameter is not literal) once per version. On problems, appends
  // them to `errors` and returns null.
  virtual std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                                std::vector<ConfigError>* errors) const = 0;
};

// The kinds a process knows, by name. Filled once at start-up (see RegisterSystemStepKinds), then
// read-only and thread-safe.
class StepKindRegistry {
 public:
  void Register(std::unique_ptr<StepKind> kind);
  const StepKind* Find(std::string_view name) const;
  std::vector<const StepKind*> List() const;

 private:
  std::vector<std::unique_ptr<StepKind>> kinds_;
};

}  // namespace flowline::steps
