// The CLI's wiring of llm steps: the providers file, the response cache path and the model
// providers' prices in the measures' price table.
#include <gtest/gtest.h>

#include <fstream>

#include "cli/commands.h"
#include "common/temp_dir.h"

namespace flowline::cli {
namespace {

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

constexpr char kProviders[] = R"(currency: USD
providers:
  claims-llm:
    protocol: openai
    base_url: https://api.openai.com/v1
    api_key_env: OPENAI_API_KEY
    models:
      gpt-4o-mini: { input_per_million_tokens: 0.15, output_per_million_tokens: 0.60 }
      gpt-4o: { input_per_million_tokens: 2.50, output_per_million_tokens: 10.00 }
)";

TEST(LlmCommandsTest, ProviderPricesFillThePriceTable) {
  common::TempDir dir;
  GlobalOptions global;
  global.providers_file = Write(dir.path() + "/providers.yaml", kProviders);
  auto table = LoadPriceTable("", global);
  ASSERT_TRUE(table.ok()) << table.status();
  ASSERT_TRUE(table->has_value());
  EXPECT_EQ((*table)->currency(), "USD");
  const monitor::ModelPrice* price = (*table)->Model("claims-llm/gpt-4o-mini", absl::Now());
  ASSERT_NE(price, nullptr);
  EXPECT_DOUBLE_EQ(price->input_per_million_tokens, 0.15);
  EXPECT_DOUBLE_EQ(price->output_per_million_tokens, 0.60);
  EXPECT_EQ((*table)->Model("gpt-4o-mini", absl::Now()), nullptr);
}

TEST(LlmCommandsTest, PriceFileWinsAndMustShareTheCurrency) {
  common::TempDir dir;
  GlobalOptions global;
  global.providers_file = Write(dir.path() + "/providers.yaml", kProviders);
  const std::string prices = Write(dir.path() + "/prices.yaml", R"(currency: USD
models:
  - model: claims-llm/gpt-4o-mini
    from: 2024-01-01
    input_per_million_tokens: 0.10
    output_per_million_tokens: 0.40
)");
  auto table = LoadPriceTable(prices, global);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_DOUBLE_EQ((*table)->Model("claims-llm/gpt-4o-mini", absl::Now())->input_per_million_tokens,
                   0.10);
  EXPECT_DOUBLE_EQ((*table)->Model("claims-llm/gpt-4o", absl::Now())->input_per_million_tokens,
                   2.50);

  const std::string euros = Write(dir.path() + "/eur.yaml", "currency: EUR\n");
  auto mismatch = LoadPriceTable(euros, global);
  EXPECT_EQ(mismatch.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(mismatch.status().message().find("same currency"), absl::string_view::npos)
      << mismatch.status();
}

TEST(LlmCommandsTest, NoProvidersFileLeavesThePricesAlone) {
  GlobalOptions global;  // no --providers, and no providers.yaml in the test's directory
  auto table = LoadPriceTable("", global);
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_FALSE(table->has_value());
  global.store_path = "x/flowline.db";
  EXPECT_EQ(LlmCachePath(global), "x/flowline.db.llm-cache");
  global.llm_cache = "cache.db";
  EXPECT_EQ(LlmCachePath(global), "cache.db");
}

TEST(LlmCommandsTest, MissingProvidersFileIsAnError) {
  GlobalOptions global;
  global.providers_file = "/nonexistent/providers.yaml";
  auto table = LoadPriceTable("", global);
  EXPECT_FALSE(table.ok());
  EXPECT_NE(table.status().message().find("/nonexistent/providers.yaml"), absl::string_view::npos)
      << table.status();
}

}  // namespace
}  // namespace flowline::cli
