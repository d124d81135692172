// The `wait` step kind: pauses a run for a while or until a moment, without holding a worker.
//
//   uses: wait
//   with: { duration: 2d }            # or  until: "2026-12-01T09:00:00Z" (RFC 3339)
//
// The first execution returns WaitUntil(wake time); the engine parks the run durably and executes
// the step again at that time with ctx.resume set, which completes it with {"waited": true}. A
// wake time that has already passed completes at once with {"waited": false}.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::steps {

class WaitStep final : public StepKind {
 public:
  WaitStep();
  const StepKindInfo& Info() const override { return info_; }
  // Exactly one of `duration` and `until`; literal values must parse.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
};

}  // namespace flowline::steps
