// The `script` step kind: deterministic code written in the spec, in the Lua sandbox.
//
//   uses: script
//   with:
//     code: |
//       local sum = 0
//       for _, l in ipairs(input.lines) do sum = sum + l.qty * l.price end
//       return { ok = math.abs(sum - input.total) <= 0.01, sum = sum }
//
// `code` is a Lua function body, compiled once per version in Prepare (so a syntax error is a
// deploy-time error, with its line). Each execution runs it on the worker's sandbox, whose
// globals are the run data (input, steps, run). Output: the returned value when it is a table
// with keys (a JSON object), otherwise {"value": returned value}. A runtime error, running out
// of the instruction budget or memory, or a result that is not JSON fails the step (permanent:
// the same input would fail the same way).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::steps {

class ScriptStep final : public StepKind {
 public:
  ScriptStep();
  const StepKindInfo& Info() const override { return info_; }
  // Compiles `code`; a syntax error is reported on "code" with Lua's message (line included).
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
};

}  // namespace flowline::steps
