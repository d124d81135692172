#include "ai/ai_step_kinds.h"

#include <memory>

#include "ai/classify/classify_step.h"
#include "ai/document/read_step.h"
#include "ai/extract/extract_step.h"
#include "ai/match/match_step.h"

namespace flowline::ai {

void RegisterAiStepKinds(steps::StepKindRegistry& registry, const AiOptions& options) {
  (void)registry;
  (void)options;
  registry.Register(std::make_unique<DocumentReadStep>());
  registry.Register(std::make_unique<ClassifyStep>(options.models_dir));
  registry.Register(std::make_unique<ExtractStep>(options.models_dir));
  registry.Register(std::make_unique<MatchStep>(options.reference_db));
}

}  // namespace flowline::ai
