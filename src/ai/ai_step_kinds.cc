#include "ai/ai_step_kinds.h"

namespace flowline::ai {

void RegisterAiStepKinds(steps::StepKindRegistry& registry, const AiOptions& options) {
  (void)registry;
  (void)options;
}

}  // namespace flowline::ai
