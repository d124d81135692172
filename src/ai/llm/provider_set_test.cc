#include "ai/llm/provider_set.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "ai/llm/provider_errors.h"
#include "common/temp_dir.h"

namespace flowline::ai::llm {
namespace {

constexpr char kProviders[] = R"(currency: USD
providers:
  openai:
    protocol: openai
    base_url: https://api.openai.com/v1
    api_key_env: FLOWLINE_TEST_SET_KEY
    default_model: gpt-4o-mini
    models:
      gpt-4o-mini: { input_per_million_tokens: 0.15, output_per_million_tokens: 0.60 }
      gpt-4o: { input_per_million_tokens: 2.50, output_per_million_tokens: 10.00 }
    limits: { requests_per_minute: 1 }
    breaker: { failures: 2, open_for: 30s }
  local: { protocol: ollama, base_url: "http://127.0.0.1:11434", models: { "llama3.1:8b": {} } }
)";

std::string Write(const common::TempDir& dir, const std::string& text) {
  const std::string path = dir.File("providers.yaml");
  std::ofstream(path) << text;
  return path;
}

TEST(ProviderSetTest, LoadsEveryProviderWithItsGateAndPrices) {
  common::TempDir dir;
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  absl::StatusOr<std::shared_ptr<ProviderSet>> set =
      ProviderSet::Load(Write(dir, kProviders), clock, sleeper);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->Names(), (std::vector<std::string>{"local", "openai"}));
  EXPECT_EQ((*set)->currency(), "USD");
  EXPECT_EQ((*set)->Find("claude"), nullptr);

  const ProviderSet::Entry* openai = (*set)->Find("openai");
  ASSERT_NE(openai, nullptr);
  EXPECT_EQ(openai->config->name, "openai");
  EXPECT_EQ(&openai->provider->config(), openai->config);
  EXPECT_EQ(openai->gate->provider(), "openai");
  EXPECT_EQ((*set)->Find("openai")->gate, openai->gate);  // one gate per provider, shared
  EXPECT_EQ((*set)->Find("local")->config->protocol, ProviderConfig::Protocol::kOllama);

  const std::map<std::string, ModelPricing> prices = (*set)->Prices();
  ASSERT_EQ(prices.size(), 3u);
  EXPECT_DOUBLE_EQ(prices.at("openai/gpt-4o-mini").input_per_million_tokens, 0.15);
  EXPECT_DOUBLE_EQ(prices.at("openai/gpt-4o-mini").output_per_million_tokens, 0.60);
  EXPECT_DOUBLE_EQ(prices.at("openai/gpt-4o").output_per_million_tokens, 10.00);
  EXPECT_DOUBLE_EQ(prices.at("local/llama3.1:8b").input_per_million_tokens, 0);
}

TEST(ProviderSetTest, GatesHaveTheConfiguredLimitsAndBreaker) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  absl::StatusOr<ProvidersFile> file = ParseProviders(kProviders, "providers.yaml");
  ASSERT_TRUE(file.ok()) << file.status();
  absl::StatusOr<std::shared_ptr<ProviderSet>> set =
      ProviderSet::FromConfigs(*std::move(file), clock, sleeper);
  ASSERT_TRUE(set.ok()) << set.status();
  ProviderGate& gate = *(*set)->Find("openai")->gate;
  {
    absl::StatusOr<ProviderGate::Permit> first = gate.Admit(10, absl::InfiniteFuture());
    ASSERT_TRUE(first.ok());
    first->Finish(absl::UnavailableError("HTTP 500"), 0);
  }
  // requests_per_minute: 1
  absl::StatusOr<ProviderGate::Permit> second = gate.Admit(10, clock.Now() + absl::Seconds(5));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  // breaker failures: 2 — the second failure opens it for 30 s.
  absl::StatusOr<ProviderGate::Permit> third = gate.Admit(10, absl::InfiniteFuture());
  ASSERT_TRUE(third.ok());
  third->Finish(absl::DeadlineExceededError("timeout"), 0);
  absl::StatusOr<ProviderGate::Permit> refused = gate.Admit(10, absl::InfiniteFuture());
  EXPECT_TRUE(IsCircuitOpen(refused.status())) << refused.status();
  EXPECT_EQ(RetryAfterOf(refused.status()), absl::Seconds(30));
  // The other provider's gate is its own.
  EXPECT_TRUE((*set)->Find("local")->gate->Admit(10, absl::InfiniteFuture()).ok());
}

TEST(ProviderSetTest, KeysInTheEnvironmentAreRedacted) {
  setenv("FLOWLINE_TEST_SET_KEY", "sk-test-SECRET-0123456789", 1);
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  absl::StatusOr<std::shared_ptr<ProviderSet>> set =
      ProviderSet::FromConfigs(*ParseProviders(kProviders, "providers.yaml"), clock, sleeper);
  unsetenv("FLOWLINE_TEST_SET_KEY");
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ((*set)->secrets().Redact("Incorrect API key provided: sk-test-SECRET-0123456789."),
            "Incorrect API key provided: [redacted].");
}

TEST(ProviderSetTest, NoFileMeansNoProviders) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  absl::StatusOr<std::shared_ptr<ProviderSet>> set = ProviderSet::Load("", clock, sleeper);
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_TRUE((*set)->Names().empty());
  EXPECT_TRUE((*set)->Prices().empty());
  EXPECT_EQ((*set)->Find("openai"), nullptr);
}

TEST(ProviderSetTest, FileErrorsNameTheirPlace) {
  common::TempDir dir;
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  const std::string path =
      Write(dir, "providers:\n  openai:\n    protocol: openai\n    base_url: x\n    colour: red\n");
  absl::StatusOr<std::shared_ptr<ProviderSet>> set = ProviderSet::Load(path, clock, sleeper);
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(set.status().message().find(path + ":5:5"), absl::string_view::npos) << set.status();

  EXPECT_EQ(ProviderSet::Load(dir.File("missing.yaml"), clock, sleeper).status().code(),
            absl::StatusCode::kNotFound);

  ProvidersFile twice;
  twice.providers.resize(2);
  for (ProviderConfig& config : twice.providers) {
    config.name = "openai";
    config.base_url = "https://api.openai.com/v1";
    config.models["gpt-4o-mini"] = {};
  }
  absl::StatusOr<std::shared_ptr<ProviderSet>> duplicate =
      ProviderSet::FromConfigs(twice, clock, sleeper);
  ASSERT_FALSE(duplicate.ok());
  EXPECT_NE(duplicate.status().message().find("provider openai is configured twice"),
            absl::string_view::npos)
      << duplicate.status();
}

}  // namespace
}  // namespace flowline::ai::llm
