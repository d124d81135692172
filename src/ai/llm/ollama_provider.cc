#include "ai/llm/ollama_provider.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_wire.h"
#include "ai/llm/strict_schema.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

constexpr std::string_view kWhat = "a chat response";

}  // namespace

absl::StatusOr<steps::HttpRequest> OllamaProvider::BuildRequest(const ModelRequest& request,
                                                                std::string_view api_key) const {
  Json options = {{"temperature", request.temperature}, {"num_predict", request.max_tokens}};
  if (request.seed) options["seed"] = *request.seed;
  const Json body = {{"model", request.model},
                     {"stream", false},
                     {"messages", ChatMessages(request, request.system)},
                     {"format", WireSchema(request.schema)},
                     {"options", std::move(options)}};
  steps::HttpRequest http = JsonPost(EndpointUrl(config_, "/api/chat"), body, request.timeout);
  if (!api_key.empty() && config_.auth == ProviderConfig::Auth::kBearer) {
    http.headers.emplace_back("Authorization", absl::StrCat("Bearer ", Sv(api_key)));
  }
  return http;
}

absl::StatusOr<ModelResponse> OllamaProvider::ParseResponse(const ModelRequest& /*request*/,
                                                            const steps::HttpResponse& response,
                                                            absl::Time now) const {
  RETURN_IF_ERROR(StatusFromHttp(config_.name, response, now));
  ASSIGN_OR_RETURN(const Json chat, ResponseJson(config_.name, kWhat, response.body));
  const auto message = chat.find("message");
  if (message == chat.end() || !message->is_object() || !message->contains("content") ||
      !(*message)["content"].is_string()) {
    return UnexpectedBody(config_.name, kWhat, "it has no message.content");
  }
  if (chat.value("done", true) != true) {
    return UnexpectedBody(config_.name, kWhat, "it is not done (a streamed part)");
  }
  ModelResponse parsed;
  parsed.text = (*message)["content"].get<std::string>();
  parsed.answer = ParseAnswer(parsed.text);
  const Json reason = chat.value("done_reason", Json("stop"));
  parsed.finish = reason == "stop"     ? FinishReason::kStop
                  : reason == "length" ? FinishReason::kLength
                                       : FinishReason::kOther;
  parsed.input_tokens = IntegerMember(chat, "prompt_eval_count");
  parsed.output_tokens = IntegerMember(chat, "eval_count");
  parsed.served_model = StringMember(chat, "model");
  return parsed;
}

}  // namespace flowline::ai::llm
