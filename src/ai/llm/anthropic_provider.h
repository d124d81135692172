// Anthropic Messages (POST {base_url}/v1/messages, x-api-key and anthropic-version headers).
// Structured output by forced tool use: one tool named after the schema whose input_schema is
// the step's schema (WireSchema'd, no strict rewrite), tool_choice forcing it; the tool call's
// input is the answer. No seed (the API has none). Immutable; thread-safe.
#pragma once

#include "ai/llm/model_provider.h"

namespace flowline::ai::llm {

class AnthropicProvider : public ModelProvider {
 public:
  explicit AnthropicProvider(ProviderConfig config) : config_(std::move(config)) {}
  const ProviderConfig& config() const override { return config_; }
  absl::StatusOr<steps::HttpRequest> BuildRequest(const ModelRequest& request,
                                                  std::string_view api_key) const override;
  // A response without a tool_use block (the model answered in prose) → finish kOther (kLength
  // when it hit max_tokens) with a null answer: an invalid answer for the step, not an error.
  absl::StatusOr<ModelResponse> ParseResponse(const ModelRequest& request,
                                              const steps::HttpResponse& response,
                                              absl::Time now) const override;

 private:
  ProviderConfig config_;
};

}  // namespace flowline::ai::llm
