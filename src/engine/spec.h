// Workflow specs: the YAML a business writes, parsed and validated.
//
// ParseSpec() turns YAML text into a WorkflowSpec and reports EVERY problem it finds (not just
// the first) as a Diagnostic with file:line:column and a hint: YAML syntax, unknown or missing
// fields, unknown step kinds, unknown or missing parameters, unknown steps in `needs:` and in
// expressions (`steps.<id>`), dependency cycles, expression syntax errors, an invalid input
// JSON Schema. A spec with no diagnostics is valid.
//
// The version of a spec is the SHA-256 of its text with trailing white space normalised: the
// same text deploys as the same version.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "monitor/monitor_spec.h"
#include "quality/gate.h"
#include "review/policy.h"
#include "steps/step_kind.h"

namespace flowline::engine {

struct Diagnostic {
  std::string file;
  int line = 0;  // 1-based; 0 when unknown
  int column = 0;
  std::string message;
  std::string hint;
  // "file:line:column: error: message (hint: ...)"
  std::string ToString() const;
};

struct Location {
  int line = 0;
  int column = 0;
};

struct RetryPolicy {
  int attempts = 3;  // total attempts including the first; 1 = no retry
  absl::Duration initial_backoff = absl::Seconds(1);
  double multiplier = 2.0;
  absl::Duration max_backoff = absl::Minutes(5);
  bool jitter = true;  // "full jitter": a uniform delay in [0, backoff]
  std::vector<steps::ErrorClass> on = {
      steps::ErrorClass::kTransient, steps::ErrorClass::kRateLimited, steps::ErrorClass::kTimeout};
};

struct StepSpec {
  std::string id;
  std::string uses;
  steps::Actor actor = steps::Actor::kSystem;
  Json with = Json::object();      // as written: strings may hold ${{ }} expressions
  std::vector<std::string> needs;  // resolved: explicit, or the step before
  std::string when;                // a ${{ }} expression or empty (always)
  RetryPolicy retry;
  absl::Duration timeout = absl::Minutes(5);
  std::optional<int> concurrency;  // at most this many attempts of this step at once
  Location location;               // of the step's `- id:` entry
  std::map<std::string, Location> param_locations;  // "with.code" -> where it is written
  Location when_location;
};

// One entry of `triggers:` (docs/triggers.md). The block is kept as written in `with`; its
// type's checker (spec_triggers.cc) has validated it, so the trigger sources (src/triggers/)
// read it without re-checking shapes.
struct TriggerSpec {
  std::string type;  // webhook | folder | schedule | email | database | queue
  // `id:` in the block; default the type, then "<type>-2", "<type>-3" for repeats of a type.
  // Unique in the spec: the trigger's state in the store is kept under it.
  std::string id;
  Json with = Json::object();  // the block as written, as JSON (without `id`)
  Location location;           // of the `- <type>:` entry
  // webhook: read by the server's routes.
  std::string path;        // /hooks/...
  std::string secret_env;  // env var holding the HMAC key; empty = unsigned
  std::string signature_header = "X-Flowline-Signature";  // value: "sha256=<hex>"
};

struct WorkflowSpec {
  std::string name;
  std::string description;
  double manual_minutes = 0;
  std::string key;  // business key template, may be empty
  Json input_schema = Json::object();
  std::vector<TriggerSpec> triggers;
  std::vector<StepSpec> steps;                 // in the order written
  std::map<std::string, std::string> outputs;  // name -> template
  std::optional<int> concurrency;              // runs' steps in flight at once
  // The exception policy (`exceptions:`), with each step's own thresholds in step_thresholds.
  bool has_exceptions = false;
  review::ExceptionPolicy exceptions;
  // Paths of personal data (`personal:`, audit/personal_data.h): kept as digests in the
  // decision record and in exports.
  std::vector<std::string> personal;
  // Drift monitoring (`monitor:`): the block as written, defaults where absent. The features
  // derived from the spec are added by engine/monitoring.h.
  monitor::MonitorSpec monitor;
  // The release gate (`release: { gate: ... }`, quality/gate.h); unset when the spec has none.
  std::optional<quality::ReleaseGate> release_gate;
  std::string source;  // the YAML text
  std::string file;
  std::string version;  // content hash
};

// Parses and validates. On success returns the spec; on any problem returns InvalidArgument
// whose message lists every diagnostic, one per line; `diagnostics` (if given) receives them.
absl::StatusOr<WorkflowSpec> ParseSpec(std::string_view text, std::string_view file,
                                       const steps::StepKindRegistry& registry,
                                       std::vector<Diagnostic>* diagnostics = nullptr);

// The content hash ParseSpec() puts in WorkflowSpec::version.
std::string SpecVersion(std::string_view text);

}  // namespace flowline::engine
