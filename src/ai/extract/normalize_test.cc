#include "ai/extract/normalize.h"

#include <gtest/gtest.h>

#include <string>

namespace flowline::ai {
namespace {

struct DateCase {
  const char* text;
  DateOrder order;
  const char* expected;  // nullptr: not a date
};

TEST(NormalizeTest, Dates) {
  const DateCase cases[] = {
      {"2026-03-14", DateOrder::kUnknown, "2026-03-14"},
      {"2026/03/14", DateOrder::kDmy, "2026-03-14"},
      {"14.03.2026", DateOrder::kUnknown, "2026-03-14"},
      {"14/03/2026", DateOrder::kMdy, "2026-03-14"},  // 14 cannot be a month
      {"03/14/2026", DateOrder::kDmy, "2026-03-14"},  // 14 cannot be a month
      {"03/04/2026", DateOrder::kDmy, "2026-04-03"},  // ambiguous: the hint decides
      {"03/04/2026", DateOrder::kMdy, "2026-03-04"},
      {"03/04/2026", DateOrder::kUnknown, "2026-04-03"},  // day-first by default
      {"25/12/18", DateOrder::kDmy, "2018-12-25"},
      {"3/7/20", DateOrder::kMdy, "2020-03-07"},
      {"01-02-99", DateOrder::kDmy, "1999-02-01"},
      {"14 March 2026", DateOrder::kUnknown, "2026-03-14"},
      {"14 Mar 26", DateOrder::kUnknown, "2026-03-14"},
      {"Mar 14, 2026", DateOrder::kUnknown, "2026-03-14"},
      {"March 14th, 2026", DateOrder::kUnknown, "2026-03-14"},
      {"14-Mar-2026", DateOrder::kUnknown, "2026-03-14"},
      {"14th March 2026", DateOrder::kUnknown, "2026-03-14"},
      {"1 mars 2026", DateOrder::kUnknown, "2026-03-01"},
      {"5. Dezember 2025", DateOrder::kUnknown, "2025-12-05"},
      {"12 maart 2025", DateOrder::kUnknown, "2025-03-12"},
      {"Date:", DateOrder::kUnknown, nullptr},
      {"(14.03.2026)", DateOrder::kUnknown, "2026-03-14"},
      {"29.02.2024", DateOrder::kUnknown, "2024-02-29"},
      {"29.02.2025", DateOrder::kUnknown, nullptr},  // not a leap year
      {"32.01.2026", DateOrder::kUnknown, nullptr},
      {"14.03-2026", DateOrder::kUnknown, nullptr},  // mixed separators
      {"1,234.56", DateOrder::kUnknown, nullptr},
      {"12.50", DateOrder::kUnknown, nullptr},
      {"March 2026", DateOrder::kUnknown, nullptr},
      {"INV-2026-0412", DateOrder::kUnknown, nullptr},
  };
  for (const DateCase& c : cases) {
    std::optional<Normalized> got = NormalizeDate(c.text, c.order);
    if (c.expected == nullptr) {
      EXPECT_FALSE(got.has_value()) << c.text << " -> " << got->value;
    } else {
      ASSERT_TRUE(got.has_value()) << c.text;
      EXPECT_EQ(got->value, c.expected) << c.text;
    }
  }
}

struct AmountCase {
  const char* text;
  const char* expected;
};

TEST(NormalizeTest, Amounts) {
  const AmountCase cases[] = {
      {"1,234.56", "1234.56"},
      {"1.234,56", "1234.56"},
      {"1'234.56", "1234.56"},
      {"1 234,56", "1234.56"},
      {"$5,625.00", "5625.00"},
      {"$5,200", "5200"},
      {"5625", "5625"},
      {"-12.50", "-12.50"},
      {"(12.50)", "-12.50"},
      {"12.50-", "-12.50"},
      {"EUR9.00", "9.00"},
      {"RM9.00", "9.00"},
      {"9,00\xe2\x82\xac", "9.00"},
      {"1,234", "1234"},
      {"1.234", "1234"},
      {"0.125", "0.125"},
      {"1,234,567.89", "1234567.89"},
      {"12.3", "12.3"},
      {"007.50", "7.50"},
      {"12.34.56", nullptr},
      {"14/03/2026", nullptr},
      {"1,23,4", nullptr},
      {"abc", nullptr},
      {"12a", nullptr},
      {"1.234.567,8", "1234567.8"},
      {"Total:", nullptr},
  };
  for (const AmountCase& c : cases) {
    std::optional<Normalized> got = NormalizeAmount(c.text);
    if (c.expected == nullptr) {
      EXPECT_FALSE(got.has_value()) << c.text << " -> " << got->value;
    } else {
      ASSERT_TRUE(got.has_value()) << c.text;
      EXPECT_EQ(got->value, c.expected) << c.text;
    }
  }
  EXPECT_TRUE(NormalizeAmount("$5,625.00")->has_currency);
  EXPECT_FALSE(NormalizeAmount("5,625.00")->has_currency);
  EXPECT_EQ(NormalizeAmount("5,625.00")->decimals, 2);
}

TEST(NormalizeTest, Currencies) {
  const std::pair<const char*, const char*> cases[] = {
      {"EUR", "EUR"},      {"usd", "USD"},   {"$", "USD"},       {"\xe2\x82\xac", "EUR"},
      {"\xc2\xa3", "GBP"}, {"RM", "MYR"},    {"Rs.", "INR"},     {"CHF:", "CHF"},
      {"Euro", "EUR"},     {"ABC", nullptr}, {"Total", nullptr},
  };
  for (const auto& [text, expected] : cases) {
    std::optional<Normalized> got = NormalizeCurrency(text);
    if (expected == nullptr) {
      EXPECT_FALSE(got.has_value()) << text;
    } else {
      ASSERT_TRUE(got.has_value()) << text;
      EXPECT_EQ(got->value, expected) << text;
    }
  }
  EXPECT_EQ(CurrencyOfAmountWord("$5,625.00").value_or(""), "USD");
  EXPECT_EQ(CurrencyOfAmountWord("12,50\xe2\x82\xac").value_or(""), "EUR");
  EXPECT_FALSE(CurrencyOfAmountWord("12.50").has_value());
}

TEST(NormalizeTest, LabelsAndKeys) {
  EXPECT_EQ(NormalizeLabel(FieldType::kDate, "25/12/2018", DateOrder::kDmy).value_or(""),
            "2018-12-25");
  EXPECT_EQ(NormalizeLabel(FieldType::kAmount, "$5,625.00", DateOrder::kUnknown).value_or(""),
            "5625.00");
  EXPECT_EQ(NormalizeLabel(FieldType::kText, "  BOOK  TA .K ", DateOrder::kUnknown).value_or(""),
            "BOOK TA .K");
  EXPECT_EQ(MatchKey(FieldType::kAmount, "5200.00"), MatchKey(FieldType::kAmount, "5200"));
  EXPECT_NE(MatchKey(FieldType::kAmount, "5200.01"), MatchKey(FieldType::kAmount, "5200"));
  EXPECT_EQ(MatchKey(FieldType::kId, "270818 / 5"), MatchKey(FieldType::kId, "270818/5"));
  EXPECT_EQ(MatchKey(FieldType::kAddress, "NO.53, JALAN SAGU 18"),
            MatchKey(FieldType::kAddress, "no.53 jalan sagu 18"));
  EXPECT_DOUBLE_EQ(TokenF1("a b c d", "a b c d"), 1.0);
  EXPECT_DOUBLE_EQ(TokenF1("a b", "c d"), 0.0);
  EXPECT_NEAR(TokenF1("a b c d", "a b c"), 2 * 1.0 * 0.75 / 1.75, 1e-9);
}

}  // namespace
}  // namespace flowline::ai
