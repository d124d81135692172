// Test helpers for the providers (no network): an HttpClient that records requests and answers
// with canned responses, and the documented response bodies of docs/llm.md §"Wire formats"
// (the examples of the OpenAI, Anthropic and Ollama API references).
#pragma once

#include <deque>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "steps/http_client.h"

namespace flowline::ai::llm::testing {

class RecordingHttpClient : public steps::HttpClient {
 public:
  // Queues what the next Send returns (FIFO); with none queued Send returns Unavailable.
  void Reply(absl::StatusOr<steps::HttpResponse> response) {
    std::lock_guard lock(mu_);
    replies_.push_back(std::move(response));
  }
  void Reply(int status, std::string body,
             std::vector<std::pair<std::string, std::string>> headers = {}) {
    steps::HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    Reply(std::move(response));
  }
  absl::StatusOr<steps::HttpResponse> Send(const steps::HttpRequest& request) override {
    std::lock_guard lock(mu_);
    requests_.push_back(request);
    if (replies_.empty()) return absl::UnavailableError("RecordingHttpClient: no reply queued");
    absl::StatusOr<steps::HttpResponse> reply = std::move(replies_.front());
    replies_.pop_front();
    return reply;
  }
  std::vector<steps::HttpRequest> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<absl::StatusOr<steps::HttpResponse>> replies_;
  std::vector<steps::HttpRequest> requests_;
};

// The value of header `name` in `request` (exact name), or "".
inline std::string RequestHeader(const steps::HttpRequest& request, std::string_view name) {
  for (const auto& [key, value] : request.headers) {
    if (key == name) return value;
  }
  return "";
}

inline constexpr std::string_view kOpenAiAnswer =
    R"({"id":"chatcmpl-AB12cd","object":"chat.completion","created":1732460000,"model":"gpt-4o-mini-2024-07-18",
 "choices":[{"index":0,
   "message":{"role":"assistant","content":"{\"policy_number\":\"PN-448812\",\"amount\":1250.5}","refusal":null},
   "logprobs":{"content":[{"token":"{\"","logprob":-0.00002,"bytes":[123,34],"top_logprobs":[]},
                          {"token":"policy","logprob":0.0,"bytes":[112,111,108,105,99,121],"top_logprobs":[]}]},
   "finish_reason":"stop"}],
 "usage":{"prompt_tokens":412,"completion_tokens":61,"total_tokens":473,
          "prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}},
 "system_fingerprint":"fp_0ba0d124f1"})";

inline constexpr std::string_view kOpenAiStream =
    "data: "
    "{\"id\":\"chatcmpl-AB12cd\",\"object\":\"chat.completion.chunk\",\"created\":1732460000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
    "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
    "\n"
    "data: "
    "{\"id\":\"chatcmpl-AB12cd\",\"object\":\"chat.completion.chunk\",\"created\":1732460000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{\\\"policy_"
    "number\\\":\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
    "\n"
    "data: "
    "{\"id\":\"chatcmpl-AB12cd\",\"object\":\"chat.completion.chunk\",\"created\":1732460000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\\"PN-"
    "448812\\\"}\"},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}\n"
    "\n"
    "data: "
    "{\"id\":\"chatcmpl-AB12cd\",\"object\":\"chat.completion.chunk\",\"created\":1732460000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_"
    "reason\":\"stop\"}],\"usage\":null}\n"
    "\n"
    "data: "
    "{\"id\":\"chatcmpl-AB12cd\",\"object\":\"chat.completion.chunk\",\"created\":1732460000,"
    "\"model\":\"gpt-4o-mini\",\"choices\":[],\"usage\":{\"prompt_tokens\":412,\"completion_"
    "tokens\":61,\"total_tokens\":473}}\n"
    "\n"
    "data: [DONE]\n"
    "\n";

inline constexpr std::string_view kOpenAi429 =
    R"({"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.","type":"requests","param":null,"code":"rate_limit_exceeded"}})";
inline constexpr std::string_view kOpenAiQuota =
    R"({"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}})";
inline constexpr std::string_view kOpenAi401 =
    R"({"error":{"message":"Incorrect API key provided: sk-test-SECRET-0123456789. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})";
inline constexpr std::string_view kOpenAi500 =
    R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})";

inline constexpr std::string_view kAnthropicAnswer =
    R"({"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-3-5-haiku-20241022",
 "content":[{"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"claim",
             "input":{"policy_number":"PN-448812","amount":1250.5}}],
 "stop_reason":"tool_use","stop_sequence":null,
 "usage":{"input_tokens":523,"output_tokens":88,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}})";
inline constexpr std::string_view kAnthropic429 =
    R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}})";
inline constexpr std::string_view kAnthropic529 =
    R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})";
inline constexpr std::string_view kAnthropic401 =
    R"({"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}})";

inline constexpr std::string_view kOllamaAnswer =
    R"({"model":"llama3.1:8b","created_at":"2024-12-09T16:45:04.380923Z",
 "message":{"role":"assistant","content":"{ \"policy_number\": \"PN-448812\" }"},
 "done_reason":"stop","done":true,"total_duration":4648158584,"load_duration":4071084,
 "prompt_eval_count":36,"prompt_eval_duration":439038000,"eval_count":180,"eval_duration":4196918000})";
inline constexpr std::string_view kOllama404 =
    R"({"error":"model \"llama3.1:8b\" not found, try pulling it first"})";

}  // namespace flowline::ai::llm::testing
