#include "ai/llm/provider_config.h"

#include <cstdlib>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kEveryProtocol = R"(currency: USD
providers:
  openai:
    protocol: openai
    base_url: https://api.openai.com/v1/
    api_key_env: OPENAI_API_KEY
    default_model: gpt-4o-mini
    models:
      gpt-4o-mini: { input_per_million_tokens: 0.15, output_per_million_tokens: 0.60 }
    logprobs: true
    timeout: 20s
    limits: { concurrency: 8, requests_per_minute: 500, tokens_per_minute: 200000 }
    breaker: { failures: 3, open_for: 1m }
  azure:
    protocol: openai
    base_url: https://acme.openai.azure.com/openai/deployments/gpt4o
    api_key_env: AZURE_OPENAI_API_KEY
    auth: api-key
    query: { api-version: 2024-10-21 }
    models: { gpt-4o: {} }
  claude:
    protocol: anthropic
    base_url: "https://api.anthropic.com"
    api_key_env: ANTHROPIC_API_KEY
    default_model: claude-3-5-haiku-20241022
    models: { claude-3-5-haiku-20241022: { input_per_million_tokens: 0.80, output_per_million_tokens: 4.00 } }
  local: { protocol: ollama, base_url: "http://127.0.0.1:11434", models: { "llama3.1:8b": {} } }
  llamacpp:
    protocol: openai
    base_url: http://127.0.0.1:8080/v1
    auth: none
    structured_output: json_object_schema
    models: { local: }
)";

TEST(ProviderConfigTest, ParsesEveryProtocol) {
  absl::StatusOr<ProvidersFile> file = ParseProviders(kEveryProtocol, "providers.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_EQ(file->currency, "USD");
  ASSERT_EQ(file->providers.size(), 5u);

  const ProviderConfig& openai = file->providers[0];
  EXPECT_EQ(openai.name, "openai");
  EXPECT_EQ(openai.protocol, ProviderConfig::Protocol::kOpenAi);
  EXPECT_EQ(openai.base_url, "https://api.openai.com/v1");  // trailing '/' dropped
  EXPECT_EQ(openai.api_key_env, "OPENAI_API_KEY");
  EXPECT_EQ(openai.auth, ProviderConfig::Auth::kBearer);
  EXPECT_EQ(openai.structured, ProviderConfig::Structured::kJsonSchema);
  EXPECT_EQ(openai.default_model, "gpt-4o-mini");
  EXPECT_DOUBLE_EQ(openai.models.at("gpt-4o-mini").input_per_million_tokens, 0.15);
  EXPECT_DOUBLE_EQ(openai.models.at("gpt-4o-mini").output_per_million_tokens, 0.60);
  EXPECT_TRUE(openai.logprobs);
  EXPECT_FALSE(openai.stream);
  EXPECT_EQ(openai.timeout, absl::Seconds(20));
  EXPECT_EQ(openai.limits.concurrency, 8);
  EXPECT_EQ(openai.limits.requests_per_minute, 500);
  EXPECT_EQ(openai.limits.tokens_per_minute, 200000);
  EXPECT_EQ(openai.breaker.failures, 3);
  EXPECT_EQ(openai.breaker.open_for, absl::Minutes(1));

  const ProviderConfig& azure = file->providers[1];
  EXPECT_EQ(azure.auth, ProviderConfig::Auth::kApiKeyHeader);
  ASSERT_EQ(azure.query.size(), 1u);
  EXPECT_EQ(azure.query[0], (std::pair<std::string, std::string>{"api-version", "2024-10-21"}));
  EXPECT_EQ(azure.default_model, "gpt-4o");  // the only listed model
  EXPECT_EQ(azure.timeout, absl::Seconds(60));

  const ProviderConfig& claude = file->providers[2];
  EXPECT_EQ(claude.protocol, ProviderConfig::Protocol::kAnthropic);
  EXPECT_EQ(claude.anthropic_version, "2023-06-01");
  EXPECT_EQ(claude.api_key_env, "ANTHROPIC_API_KEY");

  const ProviderConfig& local = file->providers[3];
  EXPECT_EQ(local.protocol, ProviderConfig::Protocol::kOllama);
  EXPECT_EQ(local.auth, ProviderConfig::Auth::kNone);
  EXPECT_EQ(local.default_model, "llama3.1:8b");
  EXPECT_EQ(local.breaker.failures, 5);
  EXPECT_EQ(local.breaker.open_for, absl::Seconds(30));

  const ProviderConfig& llamacpp = file->providers[4];
  EXPECT_EQ(llamacpp.auth, ProviderConfig::Auth::kNone);
  EXPECT_EQ(llamacpp.api_key_env, "");
  EXPECT_EQ(llamacpp.structured, ProviderConfig::Structured::kJsonObjectSchema);
  EXPECT_EQ(llamacpp.models.count("local"), 1u);
}

TEST(ProviderConfigTest, UnknownKeyNamesFileLineColumn) {
  constexpr std::string_view kYaml = R"(currency: USD
providers:
  openai:
    protocol: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    api_key: sk-should-not-be-here
    models: { gpt-4o-mini: {} }
)";
  absl::StatusOr<ProvidersFile> file = ParseProviders(kYaml, "providers.yaml");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(file.status().message(),
              HasSubstr("providers.yaml:7:5: error: unknown key 'api_key'"));
  EXPECT_THAT(file.status().message(), HasSubstr("api_key_env"));  // the keys it may have
}

TEST(ProviderConfigTest, ModelNotListedIsAnError) {
  constexpr std::string_view kYaml = R"(providers:
  openai:
    protocol: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    default_model: gpt-4o
    models: { gpt-4o-mini: {} }
)";
  absl::StatusOr<ProvidersFile> file = ParseProviders(kYaml, "providers.yaml");
  ASSERT_FALSE(file.ok());
  EXPECT_THAT(file.status().message(),
              HasSubstr("providers.yaml:6:20: error: default_model gpt-4o is not listed in "
                        "provider openai's models (gpt-4o-mini); add it to models"));
}

TEST(ProviderConfigTest, MistakesAreListedWithTheirPlaceAndAFix) {
  constexpr std::string_view kYaml = R"(providers:
  claude:
    protocol: anthropic
    base_url: api.anthropic.com
    logprobs: true
    models: { claude-3-5-haiku-20241022: { input_per_million_tokens: 0.8 } }
  bad:
    protocol: gemini
  local: { protocol: ollama, base_url: "http://127.0.0.1:11434", models: { m: { input_per_million_tokens: 1 } } }
)";
  absl::StatusOr<ProvidersFile> file = ParseProviders(kYaml, "p.yaml");
  ASSERT_FALSE(file.ok());
  const std::string message(file.status().message());
  EXPECT_THAT(message, HasSubstr("p.yaml:4:15: error: base_url must start with http:// or "
                                 "https://, e.g. base_url: https://api.anthropic.com"));
  EXPECT_THAT(message, HasSubstr("p.yaml:5:5: error: logprobs applies to the openai protocol"));
  EXPECT_THAT(message, HasSubstr("provider claude needs api_key_env"));
  EXPECT_THAT(message, HasSubstr("p.yaml:8:15: error: protocol must be one of openai, "
                                 "anthropic, ollama"));
  EXPECT_THAT(message, HasSubstr("no currency; add currency: USD"));
}

TEST(ProviderConfigTest, DescribeHasNoKey) {
  setenv("FLOWLINE_TEST_DESCRIBE_KEY", "sk-test-SECRET-0123456789", 1);
  ProviderConfig config;
  config.name = "openai";
  config.base_url = "https://api.openai.com/v1";
  config.api_key_env = "FLOWLINE_TEST_DESCRIBE_KEY";
  config.models["gpt-4o-mini"] = {0.15, 0.6};
  const Json described = config.Describe();
  EXPECT_THAT(described.dump(), Not(HasSubstr("SECRET")));
  EXPECT_EQ(described["api_key_env"], "FLOWLINE_TEST_DESCRIBE_KEY");
  EXPECT_EQ(described["key"], "set");
  EXPECT_EQ(described["protocol"], "openai");
  EXPECT_EQ(described["models"]["gpt-4o-mini"]["input_per_million_tokens"], 0.15);
  unsetenv("FLOWLINE_TEST_DESCRIBE_KEY");
  EXPECT_EQ(config.Describe()["key"], "missing");
}

TEST(ProviderConfigTest, EmptyFileHasNoProviders) {
  absl::StatusOr<ProvidersFile> file = ParseProviders("", "providers.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  EXPECT_TRUE(file->providers.empty());
  EXPECT_EQ(LoadProviders("/nonexistent/providers.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flowline::ai::llm
