// OpenAI-compatible Chat Completions (POST {base_url}/chat/completions): OpenAI, Azure OpenAI
// (auth: api-key, query: {api-version}), vLLM, llama.cpp's server, LM Studio, Ollama's /v1.
// Structured output per config().structured: json_schema (OpenAI strict, the schema rewritten
// by StrictSchema), json_object_schema (llama.cpp builds that take a schema beside json_object)
// or none (the schema goes into the system prompt). Optional token logprobs and SSE streaming
// (buffered, sse.h). Immutable; thread-safe.
#pragma once

#include "ai/llm/model_provider.h"

namespace flowline::ai::llm {

class OpenAiProvider : public ModelProvider {
 public:
  explicit OpenAiProvider(ProviderConfig config) : config_(std::move(config)) {}
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
