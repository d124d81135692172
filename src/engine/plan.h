// A Plan is a workflow version made ready to execute: every step kind prepared, every expression
// compiled, the dependency graph resolved, the input schema loaded. It is built once per version
// (when deployed or first needed) and then shared, immutable, by every run of that version.
//
// Thread-safety: a Plan is immutable after Build(); all methods are const and thread-safe.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/personal_data.h"
#include "common/json_util.h"
#include "engine/spec.h"
#include "expr/expr.h"
#include "steps/step_kind.h"
#include "store/store.h"

namespace flowline::engine {

class InputSchema;

// A `with:` value with its expressions compiled: evaluating it yields plain JSON.
class CompiledValue {
 public:
  // Compiles every string holding `${{ }}` inside `value`; `name` prefixes error messages.
  static absl::StatusOr<CompiledValue> Compile(const Json& value, const std::string& name);
  // A value used exactly as given.
  static CompiledValue Literal(Json value);
  // An object of already compiled members.
  static CompiledValue Object(std::vector<std::pair<std::string, CompiledValue>> members);
  absl::StatusOr<Json> Evaluate(expr::Evaluator& evaluator) const;

 private:
  enum class Shape { kLiteral, kTemplate, kObject, kArray };
  Shape shape_ = Shape::kLiteral;
  Json literal_;
  std::shared_ptr<const expr::Template> template_;
  std::vector<std::pair<std::string, CompiledValue>> members_;  // object members, array items
};

struct PlannedStep {
  const StepSpec* spec = nullptr;
  const steps::StepKind* kind = nullptr;
  std::unique_ptr<steps::PreparedStep> prepared;
  CompiledValue params;
  std::shared_ptr<const expr::Template> when;  // null: always
  std::vector<std::string> dependents;         // includes store::kEndStepId for sinks
  std::string actor_label;                     // "ai:extract", "system:http", "human:review"
};

class Plan {
 public:
  ~Plan();
  // Prepares every step kind and compiles every expression of a parsed spec. Errors:
  // InvalidArgument (a kind refused its configuration, an expression does not compile).
  static absl::StatusOr<std::shared_ptr<const Plan>> Build(WorkflowSpec spec,
                                                           const steps::StepKindRegistry& registry);

  const WorkflowSpec& spec() const { return spec_; }
  const std::string& workflow() const { return spec_.name; }
  const std::string& version() const { return spec_.version; }

  // Steps in the order written. Find() returns null for an unknown id (and for kEndStepId).
  const std::vector<PlannedStep>& steps() const { return steps_; }
  const PlannedStep* Find(const std::string& step_id) const;

  // The rows CreateRun needs: every step with its dependency count, then kEndStepId.
  const std::vector<store::NewStep>& new_steps() const { return new_steps_; }

  // InvalidArgument listing every way `input` breaks the input schema ("/lines/0/qty: ...").
  absl::Status ValidateInput(const Json& input) const;

  // The business key for `input` (the evaluator's environment must hold it), or "" without a
  // `key:`. FailedPrecondition if it does not evaluate to a non-empty string or number.
  absl::StatusOr<std::string> EvaluateKey(expr::Evaluator& evaluator) const;

  // The run's outputs, evaluated over the finished run's data.
  absl::StatusOr<Json> EvaluateOutputs(expr::Evaluator& evaluator) const;

  // Where the spec says personal data appears (`personal:`): digested in records and exports.
  const audit::PersonalFields& personal() const { return personal_; }

  // True if the step is the workflow's gate (a review step with `gate: true`).
  bool IsGate(const PlannedStep& step) const;
  // The exception policy's decision at the gate: the business rules evaluated with the
  // evaluator's environment (the run so far), the rest read from `env`. `key` picks the audit
  // sample (the business key, or the run id without one).
  review::RoutingDecision Route(expr::Evaluator& evaluator, const Json& env,
                                std::string_view key) const;

 private:
  Plan() = default;
  WorkflowSpec spec_;
  std::vector<PlannedStep> steps_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<store::NewStep> new_steps_;
  std::optional<expr::Template> key_;
  std::vector<std::pair<std::string, expr::Template>> outputs_;
  std::vector<std::pair<std::string, expr::Template>> exception_rules_;
  std::vector<std::pair<std::string, expr::Template>> confirmed_by_;  // field, expression
  std::vector<review::StepView> step_views_;
  std::unique_ptr<InputSchema> input_schema_;
  audit::PersonalFields personal_;
};

}  // namespace flowline::engine
