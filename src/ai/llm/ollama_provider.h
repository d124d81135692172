// Ollama's native chat API (POST {base_url}/api/chat, no auth unless configured): structured
// output by `format` = the schema (WireSchema'd), sampling in `options` (temperature, seed,
// num_predict), never streamed. Ollama's OpenAI-compatible /v1 API is OpenAiProvider's.
// Immutable; thread-safe.
#pragma once

#include "ai/llm/model_provider.h"

namespace flowline::ai::llm {

class OllamaProvider : public ModelProvider {
 public:
  explicit OllamaProvider(ProviderConfig config) : config_(std::move(config)) {}
  const ProviderConfig& config() const override { return config_; }
  absl::StatusOr<steps::HttpRequest> BuildRequest(const ModelRequest& request,
                                                  std::string_view api_key) const override;
  absl::StatusOr<ModelResponse> ParseResponse(const ModelRequest& request,
                                              const steps::HttpResponse& response,
                                              absl::Time now) const override;

 private:
  ProviderConfig config_;
};

}  // namespace flowline::ai::llm
