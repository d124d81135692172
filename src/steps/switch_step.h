// The `switch` step kind: picks a route by the first case whose condition holds.
//
//   uses: switch
//   with:
//     cases:
//       - when: ${{ input.total > 10000 }}
//         route: manager
//       - when: ${{ steps.classify.output.label == 'credit_note' }}
//         route: credit
//     default: standard
//
// The engine evaluates each case's `when` (and `route`) before Execute. Output: {"route": the
// first matching case's route, else the default; "case": that case's 0-based index, or null when
// the default was taken}. Later steps route on it (`when: ${{ steps.route.output.route ==
// 'manager' }}`), and the decision record says which case fired. No match and no default fails
// the step (permanent).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::steps {

class SwitchStep final : public StepKind {
 public:
  SwitchStep();
  const StepKindInfo& Info() const override { return info_; }
  // A literal `cases` must be a non-empty list of {when, route}, each `when` a ${{ }} expression
  // or true/false and each route a non-empty string.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
};

}  // namespace flowline::steps
