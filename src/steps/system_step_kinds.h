// The system step kinds by name: script, check, switch, http, wait, review, sql.
//
// The one place they are registered (no static initialisers): a process calls this once at
// start-up, before the registry is shared.
#pragma once

#include "steps/step_kind.h"

namespace flowline::steps {

// Registers ScriptStep, CheckStep, SwitchStep, HttpStep, WaitStep, ReviewStep and SqlStep.
void RegisterSystemStepKinds(StepKindRegistry& registry);

}  // namespace flowline::steps
