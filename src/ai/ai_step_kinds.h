// The AI step kinds by name: document.read, classify, extract, match.
//
// Like RegisterSystemStepKinds, the one place they are registered: a process calls this once at
// start-up, before the registry is shared.
#pragma once

#include <string>

#include "steps/step_kind.h"

namespace flowline::ai {

struct AiOptions {
  // Where `model:` names resolve ("invoice-fields" -> <models_dir>/invoice-fields). A `model:`
  // holding a '/' is a path, relative to the working directory.
  std::string models_dir = "models";
  // The reference database `match` searches when a step names no `reference:` (tables loaded
  // with `flowline reference load`).
  std::string reference_db = "reference.db";
};

void RegisterAiStepKinds(steps::StepKindRegistry& registry, const AiOptions& options);

}  // namespace flowline::ai
