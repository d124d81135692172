// The `review` step kind: a person decides. The human actor's one step kind.
//
//   uses: review
//   actor: human
//   with:
//     queue: accounts-payable           # default "default"
//     title: "Invoice ${{ input.id }}"  # default "Review <step id>"
//     priority: 5                       # default 0; higher first
//     sla: 4h                           # optional
//     data: ${{ steps.extract.output }} # what the reviewer sees
//     instructions: Check the totals.
//     decisions: [approve, reject, escalate]   # default [approve, reject]
//
// The first execution returns WaitForTask (the engine opens the task and parks the run). When the
// task is resolved the engine executes the step again with ctx.resume = the resolution
// {"decision", "by", "comment", "data"}: "reject" ends the run as rejected (reason: the comment,
// or "rejected by <by>"); any other listed decision completes the step with the resolution as its
// output; a decision that is not listed fails the step (permanent).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::steps {

class ReviewStep final : public StepKind {
 public:
  ReviewStep();
  const StepKindInfo& Info() const override { return info_; }
  // Checks literal values: queue a non-empty string, priority an integer, sla a duration,
  // decisions a non-empty list of distinct non-empty strings.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
};

}  // namespace flowline::steps
