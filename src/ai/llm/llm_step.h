// The `llm` step kind (actor ai): asks a large language model, through one of the workspace's
// providers (providers.yaml), for a JSON answer to a prompt over the run's data; validates it
// against the step's output schema, retries an invalid answer once with the violations, and
// gives the fields with a confidence, in the shape of `extract`'s output (llm_output.h).
//
//   uses: llm
//   with:
//     provider: openai        # a name in providers.yaml (required unless mode: off)
//     model: gpt-4o-mini      # default: the provider's default_model; must be one of its models
//     system: ...             # mustache (steps/text_template.h), optional
//     prompt: ...             # mustache, required unless mode: off
//     output: {type: object, properties: ...}   # JSON Schema, root an object
//     samples: 1              # 1..10: n > 1 gives confidence by self-consistency
//     temperature: 0          # default 0; 0.7 when samples > 1
//     seed: 42                # sample i uses seed + i
//     max_tokens: 1024
//     cache: true             # answers from the response cache cost nothing
//     confidence: auto        # auto | samples | logprobs | none
//     on_failure: route       # route: complete with "failed" (a person decides) | fail
//     mode: replace           # replace | fallback | off (with `prior`)
//     prior: ${{ steps.fields_model.output }}   # an extract-shaped output, for fallback/off
//     below: 0.9              # fallback: ask the model when a prior field is under this
//     timeout: 60s            # per call (default: the provider's), never past the deadline
//     free_text: [summary]    # fields without vote or confidence
// Every parameter but `prior` is literal (checked once, at deploy). docs/llm.md §"The llm
// step" has the details; docs/design/llm.md the reasons.
//
// Provider errors fail the attempt with their retry class and Retry-After (the engine's retry
// policy backs off); an open circuit (no request sent), or answers still invalid after the one
// retry, complete the step with "failed" unless on_failure: fail. Keys never appear in an
// outcome: every error and failure message is redacted with the providers' SecretSet.
//
// Thread-safety: the kind and its prepared steps are shared by all workers; Execute is safe
// from many threads (the providers, gates and cache are).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "steps/step_kind.h"

namespace flowline::ai::llm {

class ProviderSet;
class ResponseCache;

struct LlmStepOptions {
  // The workspace's providers; null: none configured (a step naming a provider fails to
  // deploy, saying to add it to providers.yaml).
  std::shared_ptr<const ProviderSet> providers;
  // Why the providers file could not be loaded, if it could not: every step that needs a
  // provider reports it at deploy. OK otherwise.
  absl::Status providers_error;
  // Opens the response cache, on the first call that needs it (so a command that runs no llm
  // step creates no cache file). Null: a cache in memory, for the life of the process. If it
  // fails, the error is logged once and steps call their providers uncached.
  std::function<absl::StatusOr<std::shared_ptr<ResponseCache>>()> open_cache;
};

class LlmStep final : public steps::StepKind {
 public:
  explicit LlmStep(LlmStepOptions options);
  ~LlmStep() override;
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

  struct Shared;  // providers and the lazily opened cache, shared with the prepared steps

 private:
  std::shared_ptr<Shared> shared_;
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai::llm
