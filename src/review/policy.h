// The exception policy: when a case leaves the automated path and goes to a person, and why.
//
// A workflow's `exceptions:` block (docs/workflows.md) becomes an ExceptionPolicy. The engine
// evaluates it at the workflow's gate (a `review` step with `gate: true`) over the run so far
// and hands the RoutingDecision to the gate: no reason → the case goes straight through; any
// reason → a task that lists them. Every rule that was evaluated is kept, with the values it
// saw, for the decision record.
//
// Conventions the policy reads from step outputs (what the AI steps produce):
//   - an ai step's output `fields: {name: {"value", "confidence", ...}}` (extract): each field's
//     confidence against its threshold; an ai step without `fields` is judged on its step
//     confidence;
//     fields marked `free_text: true` (an llm step's summary) are not judged;
//   - `failed: {"kind", "message"}` in an ai step's output (llm): it could not answer; always a
//     reason (ai_failed), whatever the policy switches off;
//   - `unusual: true` in an ai step's output (classify): the input is unlike anything trained on;
//   - a `check` step's output `results: [{"name", "passed", "message"}]`: each failed rule.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"

namespace flowline::review {

// Confidence thresholds: for every field (`confidence`) and per field name (`fields`). A value
// fires when the confidence is under it; a threshold above 1 means "always reviewed" (what
// `flowline tune` writes for a field that reaches its target accuracy at no threshold).
struct Thresholds {
  std::optional<double> confidence;
  std::map<std::string, double> fields;
};

struct ExceptionRule {
  std::string name;
  std::string when;        // a ${{ }} expression; the engine evaluates it
  bool four_eyes = false;  // cases this rule sends to a person need two of them
};

struct ExceptionPolicy {
  std::string queue;  // where the gate's tasks go; empty: the gate's own queue
  Thresholds thresholds;
  std::map<std::string, Thresholds> step_thresholds;  // a step's own `exceptions:` override
  // Per field name: a ${{ }} expression (the engine evaluates it) that, when true, confirms the
  // field's value (a check agrees with it: the amounts add up, the vendor is in the master), so
  // its confidence is not judged. Default: none.
  std::map<std::string, std::string> confirmed_by;
  bool checks = true;
  bool unusual = true;
  bool retries_exhausted = false;
  double audit_rate = 0;
  std::string notify_url;  // webhook told when a task escalates
  std::vector<ExceptionRule> rules;
};

// What the engine knows of one step of the run (in plan order).
struct StepView {
  std::string id;
  std::string kind;   // `uses:`
  std::string actor;  // "ai", "system" or "human"
};

// A business rule's verdict, evaluated by the engine.
struct RuleVerdict {
  std::string name;
  bool fired = false;
  Json value;         // what the expression gave
  std::string error;  // non-empty: it could not be evaluated (counts as fired: a person looks)
};

struct Reason {
  std::string kind;     // low_confidence | check_failed | unusual | rule | retries_exhausted |
                        // audit_sample | ai_failed
  std::string step;     // the step it is about, if any
  std::string name;     // the field, check rule or business rule, if any
  std::string message;  // for people: "total_amount: confidence 0.62 is under 0.90"
  Json values = Json::object();  // what the rule saw
  Json ToJson() const;
};

struct RoutingDecision {
  bool to_person = false;
  bool audit_sample = false;
  bool four_eyes = false;
  std::vector<Reason> reasons;
  Json evaluated = Json::array();  // every rule looked at: {"kind","step","name","fired",...}
  Json ToJson() const;
};

// The audit draw of a case: the first 8 bytes of SHA-256(workflow NUL key) as a fraction in
// [0, 1). Deterministic, and independent of anything the AI produced.
double AuditDraw(std::string_view workflow, std::string_view key);

// Evaluates `policy` over `env` (the run's expression environment: {"steps": {id: {"status",
// "output", "confidence", "skipped"}}}) for the steps before the gate. `confirmations` are the
// verdicts of the policy's `confirmed_by` expressions, by field name (fired: confirmed; an error
// confirms nothing).
RoutingDecision Route(const ExceptionPolicy& policy, const std::vector<StepView>& steps,
                      const Json& env, const std::vector<RuleVerdict>& rules,
                      std::string_view workflow, std::string_view key,
                      const std::map<std::string, RuleVerdict>& confirmations = {});

}  // namespace flowline::review
