// The `check` step kind: named business rules evaluated against the run, with a verdict.
//
//   uses: check
//   with:
//     fail_on_error: false                  # default: report failures, do not fail the step
//     rules:
//       - name: total_matches_lines
//         assert: ${{ math.abs(steps.validate.output.sum - input.total) <= 0.01 }}
//         message: "lines add up to ${{ steps.validate.output.sum }}, not ${{ input.total }}"
//       - name: supplier_known
//         assert: ${{ steps.lookup.output.found }}
//
// The engine evaluates each `assert` and `message` before Execute; the step reads the verdicts.
// Output: {"passed": all rules passed, "failed": [names of failed rules], "results": [{"name",
// "passed", "message"}]}, where "message" is the rule's message for a failed rule (by default
// "<name> failed: <assert as written>") and null for a passed one. With fail_on_error: true, any
// failed rule fails the step (permanent) with the rules' names and messages.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::steps {

class CheckStep final : public StepKind {
 public:
  CheckStep();
  const StepKindInfo& Info() const override { return info_; }
  // A literal `rules` must be a non-empty list of {name, assert, message?} with distinct
  // non-empty literal names, and each `assert` a ${{ }} expression or true/false.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
};

}  // namespace flowline::steps
