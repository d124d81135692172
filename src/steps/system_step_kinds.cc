#include "steps/system_step_kinds.h"

#include <memory>

#include "steps/check_step.h"
#include "steps/http_step.h"
#include "steps/review_step.h"
#include "steps/script_step.h"
#include "steps/sql_step.h"
#include "steps/switch_step.h"
#include "steps/wait_step.h"

namespace flowline::steps {

void RegisterSystemStepKinds(StepKindRegistry& registry) {
  registry.Register(std::make_unique<ScriptStep>());
  registry.Register(std::make_unique<CheckStep>());
  registry.Register(std::make_unique<SwitchStep>());
  registry.Register(std::make_unique<HttpStep>());
  registry.Register(std::make_unique<WaitStep>());
  registry.Register(std::make_unique<ReviewStep>());
  registry.Register(std::make_unique<SqlStep>());
}

}  // namespace flowline::steps
