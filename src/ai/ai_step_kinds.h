// The AI step kinds by name: document.read, classify, extract, match, score, llm.
//
// Like RegisterSystemStepKinds, the one place they are registered: a process calls this once at
// start-up, before the registry is shared.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "common/clock.h"
#include "steps/step_kind.h"

namespace flowline::ai {

namespace llm {
class Sleeper;
}

struct AiOptions {
  // Where `model:` names resolve ("invoice-fields" -> <models_dir>/invoice-fields). A `model:`
  // holding a '/' is a path, relative to the working directory.
  std::string models_dir = "models";
  // The reference database `match` searches when a step names no `reference:` (tables loaded
  // with `flowline reference load`).
  std::string reference_db = "reference.db";
  // The model providers `llm` steps call (providers.yaml, docs/llm.md); "" = none configured.
  std::string providers_file;
  // The `llm` steps' response cache file (created on the first call); "" = a cache in memory.
  std::string llm_cache;
  // The clock of the providers' limits and circuit breakers; null: the system clock. Tests pass
  // a FakeClock (with a FakeSleeper). Must outlive the registry.
  const common::Clock* clock = nullptr;
  // How the rate limits wait; null: real sleeping (llm::SystemSleeper()).
  llm::Sleeper* sleeper = nullptr;
};

// Registers every AI kind. A providers file that cannot be loaded does not stop the others: each
// `llm` step that needs a provider then fails to deploy with the file's error (CheckAiOptions
// reports it up front).
void RegisterAiStepKinds(steps::StepKindRegistry& registry, const AiOptions& options);

// Loads the providers file so that a command can fail fast with its file:line:column errors.
absl::Status CheckAiOptions(const AiOptions& options);

}  // namespace flowline::ai
