#include "monitor/prices.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::monitor {
namespace {

using ::testing::HasSubstr;

absl::Time Day(const char* text) {
  absl::Time t;
  std::string error;
  EXPECT_TRUE(absl::ParseTime("%Y-%m-%d", text, &t, &error)) << error;
  return t;
}

constexpr char kTable[] = R"yaml(
currency: EUR
models:
  - model: gpt-4o-mini
    from: 2024-07-18
    input_per_million_tokens: 0.15
    output_per_million_tokens: 0.60
  - model: gpt-4o-mini
    from: 2025-01-01
    input_per_million_tokens: 0.10
    output_per_million_tokens: 0.40
  - model: ai:extract
    per_call: 0.0004
people:
  - from: 2024-01-01
    hourly_rate: 40
  - from: 2025-01-01
    hourly_rate: 42.5
)yaml";

TEST(PriceTableTest, EachPriceHoldsFromItsDateUntilTheNextOne) {
  absl::StatusOr<PriceTable> table = PriceTable::Parse(kTable, "prices.yaml");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->currency(), "EUR");

  EXPECT_EQ(table->Model("gpt-4o-mini", Day("2024-07-17")), nullptr);  // not yet priced
  const ModelPrice* summer = table->Model("gpt-4o-mini", Day("2024-07-18"));
  ASSERT_NE(summer, nullptr);
  EXPECT_DOUBLE_EQ(summer->input_per_million_tokens, 0.15);
  const ModelPrice* winter = table->Model("gpt-4o-mini", Day("2025-03-01"));
  ASSERT_NE(winter, nullptr);
  EXPECT_DOUBLE_EQ(winter->output_per_million_tokens, 0.40);
  const ModelPrice* extract = table->Model("ai:extract", Day("2000-01-01"));  // no from: always
  ASSERT_NE(extract, nullptr);
  EXPECT_DOUBLE_EQ(extract->per_call, 0.0004);
  EXPECT_EQ(table->Model("ai:classify", Day("2025-01-01")), nullptr);

  EXPECT_FALSE(table->HourlyRate(Day("2023-12-31")).has_value());
  EXPECT_DOUBLE_EQ(*table->HourlyRate(Day("2024-06-01")), 40);
  EXPECT_DOUBLE_EQ(*table->HourlyRate(Day("2025-01-01")), 42.5);
}

TEST(PriceTableTest, MistakesAreReportedWithTheirPlaceAndAFix) {
  absl::StatusOr<PriceTable> table = PriceTable::Parse(R"yaml(models:
  - model: m
    from: last tuesday
    per_call: -1
    per_token: 3
people:
  - from: 2024-01-01
)yaml",
                                                       "p.yaml");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(table.status().message());
  EXPECT_THAT(message, HasSubstr("p.yaml:1:1: error: the price table needs a currency"));
  EXPECT_THAT(message, HasSubstr("p.yaml:3:11: error: from must be a date"));
  EXPECT_THAT(message, HasSubstr("p.yaml:4:15: error: per_call must be a number of at least 0"));
  EXPECT_THAT(message, HasSubstr("p.yaml:5:5: error: unknown key 'per_token'"));
  EXPECT_THAT(message, HasSubstr("needs hourly_rate"));

  absl::StatusOr<PriceTable> broken = PriceTable::Parse("currency: [EUR", "q.yaml");
  ASSERT_FALSE(broken.ok());
  EXPECT_THAT(std::string(broken.status().message()), HasSubstr("q.yaml:"));

  EXPECT_EQ(PriceTable::Load("/nonexistent/prices.yaml").status().code(),
            absl::StatusCode::kNotFound);
}

ModelPrice Price(absl::Time from, double input, double output) {
  ModelPrice price;
  price.from = from;
  price.input_per_million_tokens = input;
  price.output_per_million_tokens = output;
  return price;
}

TEST(PriceTableTest, DefaultModelPriceDoesNotOverrideFile) {
  absl::StatusOr<PriceTable> table = PriceTable::Parse(kTable, "prices.yaml");
  ASSERT_TRUE(table.ok()) << table.status();
  // The file's gpt-4o-mini keeps its dated prices; a model the file lacks gets the default for
  // all time, whatever `from` the caller passed.
  table->AddDefaultModelPrice("gpt-4o-mini", Price(Day("2000-01-01"), 9, 9));
  table->AddDefaultModelPrice("openai/gpt-4o-mini", Price(Day("2030-01-01"), 0.15, 0.6));
  EXPECT_EQ(table->Model("gpt-4o-mini", Day("2024-07-17")), nullptr);
  EXPECT_DOUBLE_EQ(table->Model("gpt-4o-mini", Day("2025-03-01"))->input_per_million_tokens, 0.10);
  const ModelPrice* provider = table->Model("openai/gpt-4o-mini", Day("1999-01-01"));
  ASSERT_NE(provider, nullptr);
  EXPECT_DOUBLE_EQ(provider->input_per_million_tokens, 0.15);
  EXPECT_DOUBLE_EQ(provider->output_per_million_tokens, 0.6);
  // A second default for the same model does not replace the first.
  table->AddDefaultModelPrice("openai/gpt-4o-mini", Price(absl::UnixEpoch(), 1, 1));
  EXPECT_DOUBLE_EQ(table->Model("openai/gpt-4o-mini", Day("2025-01-01"))->input_per_million_tokens,
                   0.15);
  EXPECT_EQ(table->currency(), "EUR");

  PriceTable providers_only = PriceTable::WithCurrency("USD");
  EXPECT_EQ(providers_only.currency(), "USD");
  EXPECT_EQ(providers_only.Model("openai/gpt-4o-mini", Day("2025-01-01")), nullptr);
  EXPECT_FALSE(providers_only.HourlyRate(Day("2025-01-01")).has_value());
  providers_only.AddDefaultModelPrice("openai/gpt-4o-mini", Price(absl::UnixEpoch(), 0, 0.6));
  ASSERT_NE(providers_only.Model("openai/gpt-4o-mini", Day("2025-01-01")), nullptr);
}

}  // namespace
}  // namespace flowline::monitor
