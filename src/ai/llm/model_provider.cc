#include "ai/llm/model_provider.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ai/llm/anthropic_provider.h"
#include "ai/llm/ollama_provider.h"
#include "ai/llm/openai_provider.h"
#include "common/status_macros.h"

namespace flowline::ai::llm {
namespace {

constexpr std::pair<FinishReason, std::string_view> kFinishNames[] = {
    {FinishReason::kStop, "stop"},
    {FinishReason::kLength, "length"},
    {FinishReason::kRefused, "refused"},
    {FinishReason::kOther, "other"},
};

std::string_view FinishName(FinishReason finish) {
  for (const auto& [value, name] : kFinishNames) {
    if (value == finish) return name;
  }
  return "other";
}

// The same status with its message redacted; payloads (retry-after, circuit-open) are kept.
absl::Status Redacted(const absl::Status& status, const SecretSet& secrets) {
  absl::Status redacted(status.code(), secrets.Redact(std::string(status.message())));
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    redacted.SetPayload(type_url, payload);
  });
  return redacted;
}

}  // namespace

Json ModelResponse::ToJson() const {
  Json tokens = Json::array();
  for (const TokenLogprob& t : logprobs) tokens.push_back(Json::array({t.token, t.logprob}));
  return Json{{"text", text},
              {"answer", answer},
              {"finish", FinishName(finish)},
              {"refusal", refusal},
              {"input_tokens", input_tokens},
              {"output_tokens", output_tokens},
              {"logprobs", std::move(tokens)},
              {"served_model", served_model}};
}

absl::StatusOr<ModelResponse> ModelResponse::FromJson(const Json& json) {
  try {
    ModelResponse response;
    response.text = json.at("text").get<std::string>();
    response.answer = json.at("answer");
    const std::string finish = json.at("finish").get<std::string>();
    response.finish = FinishReason::kOther;
    for (const auto& [value, name] : kFinishNames) {
      if (name == finish) response.finish = value;
    }
    response.refusal = json.at("refusal").get<std::string>();
    response.input_tokens = json.at("input_tokens").get<int64_t>();
    response.output_tokens = json.at("output_tokens").get<int64_t>();
    for (const Json& token : json.at("logprobs")) {
      response.logprobs.push_back({token.at(0).get<std::string>(), token.at(1).get<double>()});
    }
    response.served_model = json.at("served_model").get<std::string>();
    return response;
  } catch (const Json::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("cached model response is not in ModelResponse::ToJson's form: ", e.what()));
  }
}

absl::StatusOr<ModelResponse> ModelProvider::Complete(const ModelRequest& request,
                                                      steps::HttpClient& http,
                                                      const SecretSet& secrets,
                                                      absl::Time now) const {
  const ProviderConfig& provider = config();
  const std::string key = secrets.Key(provider);
  if (!provider.api_key_env.empty() && key.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(provider.name, ": environment variable ", provider.api_key_env,
                     " is not set; export it with the provider's API key"));
  }
  // The key read now may be newer than the set's (rotated after start-up): redact it too.
  SecretSet redact = secrets;
  redact.Add(key);
  absl::StatusOr<steps::HttpRequest> http_request = BuildRequest(request, key);
  if (!http_request.ok()) return Redacted(http_request.status(), redact);
  absl::StatusOr<steps::HttpResponse> response = http.Send(*http_request);
  if (!response.ok()) {
    return Redacted(absl::Status(response.status().code(),
                                 absl::StrCat(provider.name, ": ", response.status().message())),
                    redact);
  }
  absl::StatusOr<ModelResponse> parsed = ParseResponse(request, *response, now);
  if (!parsed.ok()) return Redacted(parsed.status(), redact);
  return parsed;
}

absl::StatusOr<std::unique_ptr<ModelProvider>> NewModelProvider(const ProviderConfig& config) {
  const std::string what = absl::StrCat("provider ", config.name);
  if (!absl::StartsWith(config.base_url, "http://") &&
      !absl::StartsWith(config.base_url, "https://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": base_url must start with http:// or https:// (got '", config.base_url, "')"));
  }
  if (config.protocol != ProviderConfig::Protocol::kOpenAi &&
      (config.structured != ProviderConfig::Structured::kJsonSchema || config.logprobs ||
       config.stream)) {
    return absl::InvalidArgumentError(
        absl::StrCat(what,
                     ": structured_output, logprobs and stream apply to the openai "
                     "protocol only"));
  }
  if (config.protocol == ProviderConfig::Protocol::kAnthropic &&
      config.auth != ProviderConfig::Auth::kBearer) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": auth does not apply to the anthropic protocol (always x-api-key)"));
  }
  switch (config.protocol) {
    case ProviderConfig::Protocol::kOpenAi:
      return std::make_unique<OpenAiProvider>(config);
    case ProviderConfig::Protocol::kAnthropic:
      return std::make_unique<AnthropicProvider>(config);
    case ProviderConfig::Protocol::kOllama:
      return std::make_unique<OllamaProvider>(config);
  }
  return absl::InvalidArgumentError(absl::StrCat(what, ": unknown protocol"));
}

}  // namespace flowline::ai::llm
