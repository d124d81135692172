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
  steps::HttpRequest http = JsonPost(EndpointUrl(config_, "/v1/messages"), body, request.timeout);
  if (!api_key.empty()) http.headers.emplace_back("x-api-key", std::string(api_key));
  http.headers.emplace_back("anthropic-version", config_.anthropic_version);
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
  const std::string stop = StringMember(message, "stop_reason");
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
  parsed.input_tokens = IntegerMember(usage, "input_tokens");
  parsed.output_tokens = IntegerMember(usage, "output_tokens");
  parsed.served_model = StringMember(message, "model");
  return parsed;
}

}  // namespace flowline::ai::llm
