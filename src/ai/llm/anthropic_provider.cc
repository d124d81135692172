#include "ai/llm/anthropic_provider.h"

#include <string>
#include <utility>

#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_wire.h"
#include "ai/llm/strict_schema.h"
#include "common/status_macros.h"

namespace flowline::ai::llm {
namespace {

constexpr std::string_view kWhat = "a message";
constexpr std::string_view kToolDescription =
    "Record your answer. The input must match the schema.";

int64_t Tokens(const Json& usage, const char* name) {
  if (!usage.is_object()) return 0;
  const auto value = usage.find(name);
  return value != usage.end() && value->is_number_integer() ? value->get<int64_t>() : 0;
}

}  // namespace

absl::StatusOr<steps::HttpRequest> AnthropicProvider::BuildRequest(const ModelRequest& request,
                                                                   std::string_view api_key) const {
  Json body = {{"model", request.model},
               {"max_tokens", request.max_tokens},
               {"temperature", request.temperature},
               // System prompts are a top-level field here, not a message.
               {"messages", ChatMessages(request, "")},
               {"tools", Json::array({{{"name", request.schema_name},
                                       {"description", kToolDescription},
                                       {"input_schema", WireSchema(request.schema)}}})},
               {"tool_choice", {{"type", "tool"}, {"name", request.schema_name}}}};
  if (!request.system.empty()) body["system"] = request.system;
  steps::HttpRequest http;
  http.method = "POST";
  http.url = EndpointUrl(config_, "/v1/messages");
  if (!api_key.empty()) http.headers.emplace_back("x-api-key", std::string(api_key));
  http.headers.emplace_back("anthropic-version", config_.anthropic_version);
  http.headers.emplace_back("content-type", "application/json");
  http.body = common::CanonicalJson(body);
  http.timeout = request.timeout;
  return http;
}

absl::StatusOr<ModelResponse> AnthropicProvider::ParseResponse(const ModelRequest& request,
                                                               const steps::HttpResponse& response,
                                                               absl::Time now) const {
  RETURN_IF_ERROR(StatusFromHttp(config_.name, response, now));
  ASSIGN_OR_RETURN(const Json message, ResponseJson(config_.name, kWhat, response.body));
  const auto content = message.find("content");
  if (content == message.end() || !content->is_array()) {
    return UnexpectedBody(config_.name, kWhat, "it has no content array");
  }
  ModelResponse parsed;
  const Json* tool_input = nullptr;
  std::string prose;
  for (const Json& block : *content) {
    if (!block.is_object()) continue;
    const std::string type = block.value("type", "");
    if (type == "tool_use" && tool_input == nullptr && block.contains("input") &&
        block.value("name", "") == request.schema_name) {
      tool_input = &block["input"];
    } else if (type == "text" && block.contains("text") && block["text"].is_string()) {
      prose += block["text"].get<std::string>();
    }
  }
  const std::string stop = message.value("stop_reason", Json()).is_string()
                               ? message["stop_reason"].get<std::string>()
                               : "";
  if (tool_input != nullptr) {
    parsed.text = common::CanonicalJson(*tool_input);
    parsed.answer = ParseAnswer(parsed.text);  // invalid UTF-8 repaired
    parsed.finish = FinishReason::kStop;
  } else {
    parsed.text = prose;  // what the model said instead; the step shows it the schema again
    parsed.finish = FinishReason::kOther;
  }
  if (stop == "max_tokens") parsed.finish = FinishReason::kLength;
  if (stop == "refusal") {
    parsed.finish = FinishReason::kRefused;
    parsed.refusal = prose;
  }
  const Json usage = message.value("usage", Json());
  parsed.input_tokens = Tokens(usage, "input_tokens");
  parsed.output_tokens = Tokens(usage, "output_tokens");
  if (message.contains("model") && message["model"].is_string()) {
    parsed.served_model = message["model"].get<std::string>();
  }
  return parsed;
}

}  // namespace flowline::ai::llm
