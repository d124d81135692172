// Provider configuration: providers.yaml (one per workspace, given by --providers) → the
// ProviderConfig of each model provider. Keys are never in the file, only the name of the
// environment variable that holds one (api_key_env). See docs/llm.md §"Providers".
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

// 0 = no limit.
struct ProviderLimits {
  int concurrency = 0;
  int64_t requests_per_minute = 0;
  int64_t tokens_per_minute = 0;
};

struct BreakerOptions {
  int failures = 5;                             // consecutive failures that open the circuit
  absl::Duration open_for = absl::Seconds(30);  // before one trial request is let through
};

// Price per million tokens, in the providers file's currency (0 when absent).
struct ModelPricing {
  double input_per_million_tokens = 0;
  double output_per_million_tokens = 0;
};

struct ProviderConfig {
  enum class Protocol { kOpenAi, kAnthropic, kOllama };
  enum class Auth { kBearer, kApiKeyHeader, kNone };  // anthropic: always x-api-key
  enum class Structured { kJsonSchema, kJsonObjectSchema, kNone };

  std::string name;         // the key under `providers:`
  std::string base_url;     // no trailing '/'
  std::string api_key_env;  // the NAME of the variable; "" = no key
  std::string anthropic_version = "2023-06-01";
  std::string default_model;  // "" = the only listed model, if just one
  Protocol protocol = Protocol::kOpenAi;
  Auth auth = Auth::kBearer;                               // openai protocol only
  Structured structured = Structured::kJsonSchema;         // openai protocol only
  std::vector<std::pair<std::string, std::string>> query;  // added to the URL (Azure api-version)
  std::map<std::string, ModelPricing> models;              // only listed models may be used
  bool logprobs = false;                                   // openai only: ask for token logprobs
  bool stream = false;                                     // openai only: stream and parse SSE
  absl::Duration timeout = absl::Seconds(60);              // per call
  ProviderLimits limits;
  BreakerOptions breaker;

  // For logs and the CLI: everything but secrets (the api_key_env name and "key": "set" or
  // "missing", read from the environment now).
  Json Describe() const;
};

struct ProvidersFile {
  std::string currency;  // of the prices; "" when the file names none
  std::vector<ProviderConfig> providers;
};

// Parses providers.yaml text; `file` names it in errors, which carry file:line:column, say what
// is wrong and how to fix it (InvalidArgument).
absl::StatusOr<ProvidersFile> ParseProviders(std::string_view yaml, std::string_view file);
// Reads and parses the file at `path` (NotFound if it does not exist).
absl::StatusOr<ProvidersFile> LoadProviders(const std::string& path);

// The names providers.yaml uses: "openai", "anthropic", "ollama"; "json_schema",
// "json_object_schema", "none".
std::string_view ProtocolName(ProviderConfig::Protocol protocol);
std::string_view StructuredOutputName(ProviderConfig::Structured structured);

}  // namespace flowline::ai::llm
