// The phases of ParseSpec() (private to engine/): reading the YAML into a WorkflowSpec with the
// YAML nodes kept for locating later problems, then independent checks that each add their
// diagnostics to one sink. Every phase keeps going after a problem, so a spec's author sees all
// of them at once.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/internal/spec_diagnostics.h"
#include "engine/internal/spec_yaml.h"
#include "engine/spec.h"
#include "steps/step_kind.h"
#include "yaml-cpp/yaml.h"

namespace flowline::engine::internal {

// Where the parts of one step are written. Nodes are undefined (!IsDefined()) when absent.
struct StepSource {
  YAML::Node node;  // the step's mapping
  YAML::Node with;
  YAML::Node when;
  Location uses_location;
  Location actor_location;
  Location with_location;  // the `with:` key, else the step
  bool actor_written = false;
  bool needs_written = false;
  std::vector<Location> need_locations;  // parallel to StepSpec::needs when written
};

// A spec as read from YAML. Steps without an id or kind are kept (with that field empty) so
// that their other fields are still checked.
struct ParsedSpec {
  WorkflowSpec spec;
  std::vector<StepSource> sources;  // parallel to spec.steps
  YAML::Node key;
  std::vector<std::pair<std::string, YAML::Node>> outputs;  // as written, parallel to spec.outputs
  YAML::Node input_schema;
  Location input_schema_location;
  std::vector<std::pair<std::string, YAML::Node>> exception_rules;  // name, `when:` as written
  std::vector<std::pair<std::string, YAML::Node>> confirmed_by;     // field, expression as written
  std::vector<std::pair<std::string, Location>> personal;           // `personal:` as written
};

// spec_parser.cc: the top level, triggers, outputs and input; the steps via ReadSteps().
ParsedSpec ReadSpec(const YAML::Node& root, DiagnosticSink& sink);
// spec_step_parser.cc: the `steps:` list. Resolves default `needs:` (the step before).
void ReadSteps(const YAML::Node& steps, ParsedSpec& parsed, DiagnosticSink& sink);

// spec_exceptions.cc: the workflow's `exceptions:` and a step's own.
void ReadExceptions(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink);
void ReadStepExceptions(const Field& field, const std::string& step, const std::string& step_id,
                        ParsedSpec& parsed, DiagnosticSink& sink);

// spec_monitor.cc: the workflow's `monitor:` (after the steps, outputs and exceptions, which its
// features may name).
void ReadMonitor(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink);
// spec_release.cc: the `release:` block (the release gate).
void ReadRelease(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink);

// spec_kinds.cc: kinds, actors (filling in the default actor) and parameters, including the
// kinds' own Prepare() checks. `source` is the spec's text, to place syntax errors in scripts.
void CheckStepKinds(const steps::StepKindRegistry& registry, std::string_view source,
                    ParsedSpec& parsed, DiagnosticSink& sink);

// spec_dependencies.cc: unknown steps in `needs:`, duplicate ids, self-dependencies, cycles.
void CheckDependencies(const ParsedSpec& parsed, DiagnosticSink& sink);
// Every step each step depends on, directly or through others (unknown ids are ignored; cycles
// are tolerated). Keyed by step id.
std::map<std::string, std::set<std::string>> TransitiveNeeds(const WorkflowSpec& spec);

// spec_expressions.cc: compiles every `${{ }}` and checks its `steps.<id>` references.
void CheckExpressions(const steps::StepKindRegistry& registry, std::string_view source,
                      const ParsedSpec& parsed, DiagnosticSink& sink);

// spec_schema.cc: the input JSON Schema.
void CheckInputSchema(const ParsedSpec& parsed, DiagnosticSink& sink);

// spec_personal.cc: the `personal:` paths (audit/personal_data.h); fills spec.personal.
void CheckPersonal(ParsedSpec& parsed, DiagnosticSink& sink);

}  // namespace flowline::engine::internal
