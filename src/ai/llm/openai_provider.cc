#include "ai/llm/openai_provider.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_wire.h"
#include "ai/llm/sse.h"
#include "ai/llm/strict_schema.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

constexpr std::string_view kWhat = "a chat completion";

FinishReason Finish(const Json& reason) {
  if (!reason.is_string()) return FinishReason::kOther;
  const std::string text = reason.get<std::string>();
  if (text == "stop") return FinishReason::kStop;
  if (text == "length") return FinishReason::kLength;
  if (text == "content_filter") return FinishReason::kRefused;
  return FinishReason::kOther;  // tool_calls, function_call, a server's own
}

}  // namespace

absl::StatusOr<steps::HttpRequest> OpenAiProvider::BuildRequest(const ModelRequest& request,
                                                                std::string_view api_key) const {
  std::string system = request.system;
  Json body = {{"model", request.model},
               {"temperature", request.temperature},
               {"max_tokens", request.max_tokens}};
  if (request.seed) body["seed"] = *request.seed;
  const Json wire_schema = WireSchema(request.schema);
  switch (config_.structured) {
    case ProviderConfig::Structured::kJsonSchema:
      body["response_format"] = {{"type", "json_schema"},
                                 {"json_schema",
                                  {{"name", request.schema_name},
                                   {"strict", true},
                                   {"schema", StrictSchema(wire_schema)}}}};
      break;
    case ProviderConfig::Structured::kJsonObjectSchema:
      body["response_format"] = {{"type", "json_object"}, {"schema", wire_schema}};
      break;
    case ProviderConfig::Structured::kNone:
      absl::StrAppend(&system, system.empty() ? "" : "\n\n",
                      "Answer with one JSON object matching this JSON Schema: ",
                      common::CanonicalJson(wire_schema));
      break;
  }
  body["messages"] = ChatMessages(request, system);
  if (request.logprobs && config_.logprobs) body["logprobs"] = true;
  if (config_.stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  steps::HttpRequest http =
      JsonPost(EndpointUrl(config_, "/chat/completions"), body, request.timeout);
  if (!api_key.empty()) {
    if (config_.auth == ProviderConfig::Auth::kBearer) {
      http.headers.emplace_back("Authorization", absl::StrCat("Bearer ", Sv(api_key)));
    } else if (config_.auth == ProviderConfig::Auth::kApiKeyHeader) {
      http.headers.emplace_back("api-key", std::string(api_key));
    }
  }
  if (config_.stream) http.headers.emplace_back("Accept", "text/event-stream");
  return http;
}

absl::StatusOr<ModelResponse> OpenAiProvider::ParseResponse(const ModelRequest& request,
                                                            const steps::HttpResponse& response,
                                                            absl::Time now) const {
  RETURN_IF_ERROR(StatusFromHttp(config_.name, response, now));
  Json completion;
  if (config_.stream) {
    ASSIGN_OR_RETURN(completion, AssembleChatStream(response.body, config_.name));
  } else {
    ASSIGN_OR_RETURN(completion, ResponseJson(config_.name, kWhat, response.body));
  }
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object() || !(*choices)[0].contains("message") ||
      !(*choices)[0]["message"].is_object()) {
    return UnexpectedBody(config_.name, kWhat, "it has no choices[0].message");
  }
  const Json& choice = (*choices)[0];
  const Json& message = choice["message"];
  ModelResponse parsed;
  if (const auto content = message.find("content");
      content != message.end() && content->is_string()) {
    parsed.text = content->get<std::string>();
  }
  parsed.finish = Finish(choice.value("finish_reason", Json()));
  if (const auto refusal = message.find("refusal");
      refusal != message.end() && refusal->is_string()) {
    parsed.refusal = refusal->get<std::string>();
    parsed.finish = FinishReason::kRefused;
  }
  parsed.answer = ParseAnswer(parsed.text);
  if (config_.structured == ProviderConfig::Structured::kJsonSchema && !parsed.answer.is_null()) {
    parsed.answer = StripAddedNulls(request.schema, std::move(parsed.answer));
  }
  const Json usage = completion.value("usage", Json());
  parsed.input_tokens = IntegerMember(usage, "prompt_tokens");
  parsed.output_tokens = IntegerMember(usage, "completion_tokens");
  if (const auto logprobs = choice.find("logprobs");
      logprobs != choice.end() && logprobs->is_object() && logprobs->contains("content") &&
      (*logprobs)["content"].is_array()) {
    for (const Json& token : (*logprobs)["content"]) {
      if (!token.is_object() || !token.contains("token") || !token["token"].is_string() ||
          !token.contains("logprob") || !token["logprob"].is_number()) {
        return UnexpectedBody(config_.name, kWhat, "a logprobs entry lacks token or logprob");
      }
      parsed.logprobs.push_back(
          {token["token"].get<std::string>(), token["logprob"].get<double>()});
    }
  }
  parsed.served_model = StringMember(completion, "model");
  return parsed;
}

}  // namespace flowline::ai::llm
