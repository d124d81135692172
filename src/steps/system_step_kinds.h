// The system step kinds by name: script, check, switch, http, wait, review, sql, file,
// webhook.out, email.
//
// The one place they are registered (no static initialisers): a process calls this once at
// start-up, before the registry is shared.
#pragma once

#include <memory>

#include "steps/connections.h"
#include "steps/step_kind.h"

namespace flowline::steps {

struct SystemStepOptions {
  // The business's systems by name (connections.yaml, docs/connectors.md), which steps name with
  // `connection:`. Null: none (a step naming a connection fails to prepare).
  std::shared_ptr<const Connections> connections;
};

// Registers ScriptStep, CheckStep, SwitchStep, HttpStep, WaitStep, ReviewStep, SqlStep, FileStep,
// WebhookOutStep and EmailStep.
void RegisterSystemStepKinds(StepKindRegistry& registry, const SystemStepOptions& options = {});

}  // namespace flowline::steps
