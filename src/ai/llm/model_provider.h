// Model providers: one interface over the wire protocols of LLM services (OpenAI-compatible
// Chat Completions, Anthropic Messages, Ollama's native API). A provider only translates: it
// builds the HTTP request, sends it with the caller's HttpClient, and parses the answer.
// Limits, retries, the breaker and the cache are the caller's (ProviderGate, ResponseCache,
// LlmStep). Thread-safe: providers are immutable after construction.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ai/llm/provider_config.h"
#include "ai/llm/secrets.h"
#include "common/json_util.h"
#include "steps/http_client.h"

namespace flowline::ai::llm {

struct ChatMessage {
  enum class Role { kUser, kAssistant };
  Role role = Role::kUser;
  std::string content;
};

struct ModelRequest {
  std::string model;                   // as the provider names it: "gpt-4o-mini"
  std::string system;                  // rendered system prompt ("" = none)
  std::vector<ChatMessage> messages;   // rendered prompt; a schema retry appends 2 turns
  Json schema;                         // the step's output JSON Schema as written (object root)
  std::string schema_name = "answer";  // [a-zA-Z0-9_-]{1,64}: the step id, sanitised
  double temperature = 0;              // default 0
  std::optional<int64_t> seed = 42;    // not sent to Anthropic (no such parameter)
  int max_tokens = 1024;
  bool logprobs = false;                       // OpenAI protocol only
  absl::Duration timeout = absl::Seconds(60);  // this call; the caller caps it at the deadline
};

enum class FinishReason { kStop, kLength, kRefused, kOther };

struct TokenLogprob {
  std::string token;
  double logprob = 0;
};

struct ModelResponse {
  std::string text;  // the answer's JSON text as produced (tool input dumped for Anthropic)
  Json answer;       // parsed text; null if it did not parse. For OpenAI strict: the nulls added
                     // for optional properties already removed (strict_schema.h)
  FinishReason finish = FinishReason::kStop;
  std::string refusal;                 // OpenAI message.refusal
  int64_t input_tokens = 0;            // OpenAI prompt_tokens | Anthropic input_tokens |
                                       // Ollama prompt_eval_count
  int64_t output_tokens = 0;           // completion_tokens | output_tokens | eval_count
  std::vector<TokenLogprob> logprobs;  // empty unless requested and returned
  std::string served_model;            // the response's "model"
  Json ToJson() const;                 // the cache's form; FromJson is its inverse
  static absl::StatusOr<ModelResponse> FromJson(const Json& json);
};

class ModelProvider {
 public:
  virtual ~ModelProvider() = default;
  virtual const ProviderConfig& config() const = 0;
  // The HTTP request for `request` (no I/O). `api_key` may be empty (local servers).
  virtual absl::StatusOr<steps::HttpRequest> BuildRequest(const ModelRequest& request,
                                                          std::string_view api_key) const = 0;
  // A response of any status → the answer, or an error classified as provider_errors.h says.
  virtual absl::StatusOr<ModelResponse> ParseResponse(const ModelRequest& request,
                                                      const steps::HttpResponse& response,
                                                      absl::Time now) const = 0;
  // BuildRequest + http.Send + ParseResponse; the key is read from config().api_key_env at
  // call time; every error message is redacted with `secrets` (payloads such as retry-after are
  // copied onto the redacted status). Transport errors: Unavailable / DeadlineExceeded as
  // HttpClient returns them.
  absl::StatusOr<ModelResponse> Complete(const ModelRequest& request, steps::HttpClient& http,
                                         const SecretSet& secrets, absl::Time now) const;
};

// The one place protocols map to implementations (no static registration). Validates the
// config once (protocol known, base_url http(s), structured_output allowed for the protocol).
absl::StatusOr<std::unique_ptr<ModelProvider>> NewModelProvider(const ProviderConfig& config);

}  // namespace flowline::ai::llm
