#include "ai/ai_step_kinds.h"

#include <memory>
#include <utility>

#include "ai/classify/classify_step.h"
#include "ai/document/read_step.h"
#include "ai/extract/extract_step.h"
#include "ai/llm/llm_step.h"
#include "ai/llm/provider_set.h"
#include "ai/llm/response_cache.h"
#include "ai/match/match_step.h"
#include "ai/score/score_step.h"

namespace flowline::ai {
namespace {

absl::StatusOr<std::shared_ptr<llm::ProviderSet>> LoadProviders(const AiOptions& options) {
  const common::Clock& clock =
      options.clock != nullptr ? *options.clock : common::SystemClock::Get();
  llm::Sleeper& sleeper = options.sleeper != nullptr ? *options.sleeper : llm::SystemSleeper();
  return llm::ProviderSet::Load(options.providers_file, clock, sleeper);
}

}  // namespace

void RegisterAiStepKinds(steps::StepKindRegistry& registry, const AiOptions& options) {
  registry.Register(std::make_unique<DocumentReadStep>());
  registry.Register(std::make_unique<ClassifyStep>(options.models_dir));
  registry.Register(std::make_unique<ExtractStep>(options.models_dir));
  registry.Register(std::make_unique<MatchStep>(options.reference_db));
  registry.Register(std::make_unique<ScoreStep>(options.models_dir));

  llm::LlmStepOptions llm_options;
  absl::StatusOr<std::shared_ptr<llm::ProviderSet>> providers = LoadProviders(options);
  if (providers.ok()) {
    llm_options.providers = *std::move(providers);
  } else {
    llm_options.providers_error = providers.status();
  }
  if (!options.llm_cache.empty()) {
    llm_options.open_cache =
        [path = options.llm_cache]() -> absl::StatusOr<std::shared_ptr<llm::ResponseCache>> {
      return llm::OpenSqliteResponseCache(path);
    };
  }
  registry.Register(std::make_unique<llm::LlmStep>(std::move(llm_options)));
}

absl::Status CheckAiOptions(const AiOptions& options) { return LoadProviders(options).status(); }

}  // namespace flowline::ai
