#include "ai/llm/provider_config.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "common/yaml_problems.h"
#include "steps/duration.h"
#include "yaml-cpp/yaml.h"

namespace flowline::ai::llm {
namespace {

using common::CheckYamlMapping;
using Problems = common::YamlProblems;

const std::set<std::string> kProviderKeys = {
    "protocol", "base_url",      "api_key_env", "auth",     "anthropic_version",
    "query",    "default_model", "models",      "logprobs", "structured_output",
    "stream",   "timeout",       "limits",      "breaker"};
// Keys that only the OpenAI-compatible protocol understands.
const std::set<std::string> kOpenAiOnly = {"structured_output", "logprobs", "stream"};

std::optional<std::string> Text(const YAML::Node& node, std::string_view name,
                                std::string_view example, Problems& problems) {
  if (!node.IsScalar() || node.Scalar().empty()) {
    problems.Add(node.Mark(),
                 absl::StrCat(Sv(name), " must be a text, e.g. ", Sv(name), ": ", Sv(example)));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<bool> Bool(const YAML::Node& node, std::string_view name, Problems& problems) {
  if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false")) {
    return node.Scalar() == "true";
  }
  problems.Add(node.Mark(), absl::StrCat(Sv(name), " must be true or false"));
  return std::nullopt;
}

std::optional<int64_t> Count(const YAML::Node& node, std::string_view name, int64_t min,
                             Problems& problems) {
  int64_t value = 0;
  if (!node.IsScalar() || !absl::SimpleAtoi(node.Scalar(), &value) || value < min) {
    problems.Add(node.Mark(), absl::StrCat(Sv(name), " must be a whole number of at least ", min));
    return std::nullopt;
  }
  return value;
}

std::optional<absl::Duration> PositiveDuration(const YAML::Node& node, std::string_view name,
                                               Problems& problems) {
  if (node.IsScalar()) {
    absl::StatusOr<absl::Duration> duration = steps::ParseDuration(node.Scalar());
    if (duration.ok() && *duration > absl::ZeroDuration()) return *duration;
  }
  problems.Add(node.Mark(),
               absl::StrCat(Sv(name), " must be a duration above zero, e.g. ", Sv(name), ": 30s"));
  return std::nullopt;
}

// One name → value choice; nullopt (and a problem) for anything else.
template <typename T>
std::optional<T> Choice(const YAML::Node& node, std::string_view name,
                        std::initializer_list<std::pair<std::string_view, T>> choices,
                        Problems& problems) {
  std::vector<std::string> names;
  for (const auto& [text, value] : choices) {
    if (node.IsScalar() && node.Scalar() == text) return value;
    names.emplace_back(text);
  }
  problems.Add(node.Mark(), absl::StrCat(Sv(name), " must be one of ", absl::StrJoin(names, ", ")));
  return std::nullopt;
}

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') return false;
  }
  return true;
}

void ParseModels(const YAML::Node& node, ProviderConfig& config, Problems& problems) {
  if (!node.IsMap() || node.size() == 0) {
    problems.Add(node.Mark(),
                 "models must map each model name the provider may be asked for to its prices, "
                 "e.g. models: { gpt-4o-mini: { input_per_million_tokens: 0.15, "
                 "output_per_million_tokens: 0.60 } } ({} for none)");
    return;
  }
  for (const auto& entry : node) {
    const std::string model = entry.first.Scalar();
    ModelPricing pricing;
    const YAML::Node prices = entry.second;
    if (prices.IsNull()) {
      config.models[model] = pricing;
      continue;
    }
    if (!CheckYamlMapping(prices, absl::StrCat("model ", model),
                          {"input_per_million_tokens", "output_per_million_tokens"}, problems)) {
      continue;
    }
    pricing.input_per_million_tokens =
        common::YamlNonNegativeNumberOr0(prices, "input_per_million_tokens", problems);
    pricing.output_per_million_tokens =
        common::YamlNonNegativeNumberOr0(prices, "output_per_million_tokens", problems);
    config.models[model] = pricing;
  }
}

void ParseLimits(const YAML::Node& node, ProviderLimits& limits, Problems& problems) {
  if (!CheckYamlMapping(node, "limits", {"concurrency", "requests_per_minute", "tokens_per_minute"},
                        problems)) {
    return;
  }
  if (node["concurrency"]) {
    limits.concurrency =
        static_cast<int>(Count(node["concurrency"], "concurrency", 0, problems).value_or(0));
  }
  if (node["requests_per_minute"]) {
    limits.requests_per_minute =
        Count(node["requests_per_minute"], "requests_per_minute", 0, problems).value_or(0);
  }
  if (node["tokens_per_minute"]) {
    limits.tokens_per_minute =
        Count(node["tokens_per_minute"], "tokens_per_minute", 0, problems).value_or(0);
  }
}

void ParseBreaker(const YAML::Node& node, BreakerOptions& breaker, Problems& problems) {
  if (!CheckYamlMapping(node, "breaker", {"failures", "open_for"}, problems)) return;
  if (node["failures"]) {
    breaker.failures = static_cast<int>(
        Count(node["failures"], "failures", 1, problems).value_or(breaker.failures));
  }
  if (node["open_for"]) {
    breaker.open_for =
        PositiveDuration(node["open_for"], "open_for", problems).value_or(breaker.open_for);
  }
}

std::optional<ProviderConfig> ParseProvider(const std::string& name, const YAML::Node& node,
                                            Problems& problems) {
  const std::string what = absl::StrCat("provider ", name);
  if (!CheckYamlMapping(node, what, kProviderKeys, problems)) return std::nullopt;
  ProviderConfig config;
  config.name = name;
  bool ok = true;

  if (const YAML::Node protocol = node["protocol"]) {
    auto value =
        Choice<ProviderConfig::Protocol>(protocol, "protocol",
                                         {{"openai", ProviderConfig::Protocol::kOpenAi},
                                          {"anthropic", ProviderConfig::Protocol::kAnthropic},
                                          {"ollama", ProviderConfig::Protocol::kOllama}},
                                         problems);
    if (!value) return std::nullopt;
    config.protocol = *value;
  } else {
    problems.Add(node.Mark(), absl::StrCat(what, " needs protocol: openai, anthropic or ollama"));
    return std::nullopt;
  }
  const bool openai = config.protocol == ProviderConfig::Protocol::kOpenAi;
  const bool anthropic = config.protocol == ProviderConfig::Protocol::kAnthropic;
  if (config.protocol == ProviderConfig::Protocol::kOllama) {
    config.auth = ProviderConfig::Auth::kNone;
  }
  if (!openai) {
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (kOpenAiOnly.contains(key)) {
        problems.Add(
            entry.first.Mark(),
            absl::StrCat(key, " applies to the openai protocol only; remove it from ", what));
        ok = false;
      }
    }
  }

  if (const YAML::Node base_url = node["base_url"]) {
    if (auto url = Text(base_url, "base_url", "https://api.openai.com/v1", problems)) {
      if (!absl::StartsWith(*url, "http://") && !absl::StartsWith(*url, "https://")) {
        problems.Add(base_url.Mark(),
                     absl::StrCat("base_url must start with http:// or https://, e.g. base_url: ",
                                  anthropic ? "https://api.anthropic.com"
                                  : openai  ? "https://api.openai.com/v1"
                                            : "http://127.0.0.1:11434"));
        ok = false;
      }
      while (absl::EndsWith(*url, "/")) url->pop_back();
      config.base_url = *url;
    } else {
      ok = false;
    }
  } else {
    problems.Add(node.Mark(), absl::StrCat(what, " needs base_url, e.g. base_url: ",
                                           anthropic ? "https://api.anthropic.com"
                                           : openai  ? "https://api.openai.com/v1"
                                                     : "http://127.0.0.1:11434"));
    ok = false;
  }

  if (const YAML::Node auth = node["auth"]) {
    if (anthropic) {
      problems.Add(auth.Mark(),
                   "auth does not apply to the anthropic protocol (it always sends x-api-key); "
                   "remove it");
      ok = false;
    } else if (auto value =
                   Choice<ProviderConfig::Auth>(auth, "auth",
                                                {{"bearer", ProviderConfig::Auth::kBearer},
                                                 {"api-key", ProviderConfig::Auth::kApiKeyHeader},
                                                 {"none", ProviderConfig::Auth::kNone}},
                                                problems)) {
      config.auth = *value;
    } else {
      ok = false;
    }
  }
  if (const YAML::Node env = node["api_key_env"]) {
    if (auto value = Text(env, "api_key_env", "OPENAI_API_KEY", problems)) {
      config.api_key_env = *value;
    } else {
      ok = false;
    }
  }
  const bool needs_key = anthropic || config.auth != ProviderConfig::Auth::kNone;
  if (needs_key && config.api_key_env.empty()) {
    problems.Add(node.Mark(),
                 absl::StrCat(what,
                              " needs api_key_env: the name of the environment variable that "
                              "holds its key (e.g. api_key_env: ",
                              anthropic ? "ANTHROPIC_API_KEY" : "OPENAI_API_KEY", ")",
                              anthropic ? "" : ", or auth: none for a local server"));
    ok = false;
  }
  if (!needs_key && !config.api_key_env.empty() &&
      config.protocol == ProviderConfig::Protocol::kOllama) {
    config.auth = ProviderConfig::Auth::kBearer;  // Ollama behind a proxy that wants a key
  }

  if (const YAML::Node version = node["anthropic_version"]) {
    if (!anthropic) {
      problems.Add(version.Mark(), "anthropic_version applies to the anthropic protocol only");
      ok = false;
    } else if (auto value = Text(version, "anthropic_version", "2023-06-01", problems)) {
      config.anthropic_version = *value;
    } else {
      ok = false;
    }
  }
  if (const YAML::Node query = node["query"]) {
    if (!query.IsMap()) {
      problems.Add(query.Mark(),
                   "query must be a mapping of URL parameters, e.g. query: { api-version: "
                   "2024-10-21 }");
      ok = false;
    } else {
      for (const auto& entry : query) {
        if (!entry.second.IsScalar()) {
          problems.Add(entry.second.Mark(), "a query parameter's value must be a text");
          ok = false;
          continue;
        }
        config.query.emplace_back(entry.first.Scalar(), entry.second.Scalar());
      }
    }
  }
  if (const YAML::Node models = node["models"]) {
    ParseModels(models, config, problems);
  } else {
    problems.Add(node.Mark(),
                 absl::StrCat(what,
                              " needs models: the model names it may be asked for, with their "
                              "prices, e.g. models: { gpt-4o-mini: { input_per_million_tokens: "
                              "0.15, output_per_million_tokens: 0.60 } }"));
    ok = false;
  }
  if (const YAML::Node model = node["default_model"]) {
    if (auto value = Text(model, "default_model", "gpt-4o-mini", problems)) {
      config.default_model = *value;
      if (!config.models.empty() && !config.models.contains(*value)) {
        std::vector<std::string> names;
        for (const auto& [listed, pricing] : config.models) names.push_back(listed);
        problems.Add(model.Mark(), absl::StrCat("default_model ", *value, " is not listed in ",
                                                what, "'s models (", absl::StrJoin(names, ", "),
                                                "); add it to models"));
        ok = false;
      }
    } else {
      ok = false;
    }
  } else if (config.models.size() == 1) {
    config.default_model = config.models.begin()->first;
  }

  if (const YAML::Node structured = node["structured_output"]; structured && openai) {
    if (auto value = Choice<ProviderConfig::Structured>(
            structured, "structured_output",
            {{"json_schema", ProviderConfig::Structured::kJsonSchema},
             {"json_object_schema", ProviderConfig::Structured::kJsonObjectSchema},
             {"none", ProviderConfig::Structured::kNone}},
            problems)) {
      config.structured = *value;
    } else {
      ok = false;
    }
  }
  if (const YAML::Node logprobs = node["logprobs"]; logprobs && openai) {
    config.logprobs = Bool(logprobs, "logprobs", problems).value_or(false);
  }
  if (const YAML::Node stream = node["stream"]; stream && openai) {
    config.stream = Bool(stream, "stream", problems).value_or(false);
  }
  if (const YAML::Node timeout = node["timeout"]) {
    config.timeout = PositiveDuration(timeout, "timeout", problems).value_or(config.timeout);
  }
  if (const YAML::Node limits = node["limits"]) ParseLimits(limits, config.limits, problems);
  if (const YAML::Node breaker = node["breaker"]) ParseBreaker(breaker, config.breaker, problems);
  if (!ok) return std::nullopt;
  return config;
}

std::string_view AuthName(ProviderConfig::Auth auth) {
  switch (auth) {
    case ProviderConfig::Auth::kBearer:
      return "bearer";
    case ProviderConfig::Auth::kApiKeyHeader:
      return "api-key";
    case ProviderConfig::Auth::kNone:
      return "none";
  }
  return "none";
}

}  // namespace

std::string_view ProtocolName(ProviderConfig::Protocol protocol) {
  switch (protocol) {
    case ProviderConfig::Protocol::kOpenAi:
      return "openai";
    case ProviderConfig::Protocol::kAnthropic:
      return "anthropic";
    case ProviderConfig::Protocol::kOllama:
      return "ollama";
  }
  return "openai";
}

std::string_view StructuredOutputName(ProviderConfig::Structured structured) {
  switch (structured) {
    case ProviderConfig::Structured::kJsonSchema:
      return "json_schema";
    case ProviderConfig::Structured::kJsonObjectSchema:
      return "json_object_schema";
    case ProviderConfig::Structured::kNone:
      return "none";
  }
  return "none";
}

Json ProviderConfig::Describe() const {
  Json described = {
      {"name", name},
      {"protocol", ProtocolName(protocol)},
      {"base_url", base_url},
      {"default_model", default_model},
      {"timeout", absl::FormatDuration(timeout)},
      {"limits",
       {{"concurrency", limits.concurrency},
        {"requests_per_minute", limits.requests_per_minute},
        {"tokens_per_minute", limits.tokens_per_minute}}},
      {"breaker",
       {{"failures", breaker.failures}, {"open_for", absl::FormatDuration(breaker.open_for)}}}};
  if (protocol == Protocol::kAnthropic) {
    described["anthropic_version"] = anthropic_version;
  } else {
    described["auth"] = AuthName(auth);
  }
  if (protocol == Protocol::kOpenAi) {
    described["structured_output"] = StructuredOutputName(structured);
    described["logprobs"] = logprobs;
    described["stream"] = stream;
  }
  if (!api_key_env.empty()) {
    described["api_key_env"] = api_key_env;
    const char* key = std::getenv(api_key_env.c_str());
    described["key"] = key != nullptr && *key != '\0' ? "set" : "missing";
  }
  Json query_json = Json::object();
  for (const auto& [param, value] : query) query_json[param] = value;
  described["query"] = std::move(query_json);
  Json models_json = Json::object();
  for (const auto& [model, pricing] : models) {
    models_json[model] = {{"input_per_million_tokens", pricing.input_per_million_tokens},
                          {"output_per_million_tokens", pricing.output_per_million_tokens}};
  }
  described["models"] = std::move(models_json);
  return described;
}

absl::StatusOr<ProvidersFile> ParseProviders(std::string_view yaml, std::string_view file) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return common::YamlSyntaxError(file, e);
  }
  Problems problems(file);
  ProvidersFile parsed;
  if (root.IsNull()) return parsed;  // an empty file: no providers
  if (!CheckYamlMapping(root, "the providers file", {"currency", "providers"}, problems)) {
    return problems.ToStatus();
  }
  if (const YAML::Node currency = root["currency"]) {
    parsed.currency = Text(currency, "currency", "USD", problems).value_or("");
  }
  const YAML::Node providers = root["providers"];
  if (!providers || !providers.IsMap()) {
    problems.Add(providers ? providers.Mark() : root.Mark(),
                 "the providers file needs providers: a mapping of provider names to their "
                 "settings (docs/llm.md §Providers shows examples)");
    return problems.ToStatus();
  }
  bool priced = false;
  for (const auto& entry : providers) {
    const std::string name = entry.first.Scalar();
    if (!ValidName(name)) {
      problems.Add(entry.first.Mark(),
                   absl::StrCat("provider name '", name,
                                "' may only use letters, digits, '_' and '-' (up to 64)"));
      continue;
    }
    if (auto config = ParseProvider(name, entry.second, problems)) {
      for (const auto& [model, pricing] : config->models) {
        priced =
            priced || pricing.input_per_million_tokens > 0 || pricing.output_per_million_tokens > 0;
      }
      parsed.providers.push_back(std::move(*config));
    }
  }
  if (priced && parsed.currency.empty() && !root["currency"]) {
    problems.Add(root.Mark(),
                 "the providers file gives model prices but no currency; add currency: USD (the "
                 "currency of the prices)");
  }
  if (!problems.empty()) return problems.ToStatus();
  return parsed;
}

absl::StatusOr<ProvidersFile> LoadProviders(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read the providers file ", path,
                                            " (docs/llm.md §Providers shows the format)"));
  }
  std::stringstream text;
  text << in.rdbuf();
  return ParseProviders(text.str(), path);
}

}  // namespace flowline::ai::llm
