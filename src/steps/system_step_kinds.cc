#include "steps/system_step_kinds.h"

#include <memory>

#include "steps/check_step.h"
#include "steps/email_step.h"
#include "steps/file_step.h"
#include "steps/http_step.h"
#include "steps/review_step.h"
#include "steps/script_step.h"
#include "steps/sql_step.h"
#include "steps/switch_step.h"
#include "steps/wait_step.h"
#include "steps/webhook_out_step.h"

namespace flowline::steps {

void RegisterSystemStepKinds(StepKindRegistry& registry, const SystemStepOptions& options) {
  std::shared_ptr<const Connections> connections =
      options.connections != nullptr ? options.connections : std::make_shared<const Connections>();
  registry.Register(std::make_unique<ScriptStep>());
  registry.Register(std::make_unique<CheckStep>());
  registry.Register(std::make_unique<SwitchStep>());
  registry.Register(std::make_unique<HttpStep>(connections));
  registry.Register(std::make_unique<WaitStep>());
  registry.Register(std::make_unique<ReviewStep>());
  registry.Register(std::make_unique<SqlStep>(connections));
  registry.Register(std::make_unique<FileStep>(connections));
  registry.Register(std::make_unique<WebhookOutStep>(connections));
  registry.Register(std::make_unique<EmailStep>(connections));
}

}  // namespace flowline::steps
