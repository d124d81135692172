#include "samples/formats.h"

#include "gtest/gtest.h"
#include "samples/sample_document.h"

namespace flowline::samples {
namespace {

TEST(FormatsTest, AmountsInEveryNumberStyle) {
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kCommaGroupDotDecimal), "1,234,567.89");
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kDotGroupCommaDecimal), "1.234.567,89");
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kSpaceGroupCommaDecimal), "1 234 567,89");
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kApostropheGroupDot), "1'234'567.89");
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kIndianGroupDotDecimal), "12,34,567.89");
  EXPECT_EQ(FormatAmount(123456789, NumberStyle::kPlainDotDecimal), "1234567.89");
  EXPECT_EQ(FormatAmount(99, NumberStyle::kDotGroupCommaDecimal), "0,99");
  EXPECT_EQ(FormatAmount(100000, NumberStyle::kCommaGroupDotDecimal), "1,000.00");
  EXPECT_EQ(FormatAmount(-123456, NumberStyle::kIndianGroupDotDecimal), "-1,234.56");
}

TEST(FormatsTest, NormalisedAmountsAndQuantities) {
  EXPECT_EQ(NormaliseAmount(146906), "1469.06");
  EXPECT_EQ(NormaliseAmount(-1200), "-12.00");
  EXPECT_EQ(NormaliseAmount(5), "0.05");
  EXPECT_EQ(NormaliseQuantity(200), "2");
  EXPECT_EQ(NormaliseQuantity(250), "2.5");
  EXPECT_EQ(NormaliseQuantity(75), "0.75");
  EXPECT_EQ(FormatQuantity(750, NumberStyle::kDotGroupCommaDecimal), "7,5");
  EXPECT_EQ(FormatQuantity(1125, NumberStyle::kCommaGroupDotDecimal), "11.25");
}

TEST(FormatsTest, DatesInEveryStyleAndTheirOrder) {
  absl::CivilDay day(2026, 3, 4);
  EXPECT_EQ(FormatDate(day, DateStyle::kIso, Language::kEnglish), "2026-03-04");
  EXPECT_EQ(FormatDate(day, DateStyle::kDotDmy, Language::kGerman), "04.03.2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kSlashDmy, Language::kFrench), "04/03/2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kSlashMdy, Language::kEnglish), "03/04/2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kLongDmy, Language::kEnglish), "4 March 2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kLongDmy, Language::kGerman), "4. März 2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kLongDmy, Language::kFrench), "4 mars 2026");
  EXPECT_EQ(FormatDate(day, DateStyle::kLongMdy, Language::kGerman), "Mar 4, 2026");
  EXPECT_EQ(DateOrder(DateStyle::kIso), "ymd");
  EXPECT_EQ(DateOrder(DateStyle::kSlashMdy), "mdy");
  EXPECT_EQ(DateOrder(DateStyle::kLongMdy), "mdy");
  EXPECT_EQ(DateOrder(DateStyle::kDotDmy), "dmy");
}

TEST(FormatsTest, MoneyPlacesTheCurrencyPerStyle) {
  EXPECT_EQ(
      FormatMoney(123456, "EUR", NumberStyle::kCommaGroupDotDecimal, CurrencyStyle::kSymbolBefore),
      "€1,234.56");
  EXPECT_EQ(
      FormatMoney(123456, "EUR", NumberStyle::kDotGroupCommaDecimal, CurrencyStyle::kSymbolAfter),
      "1.234,56 €");
  EXPECT_EQ(
      FormatMoney(123456, "CHF", NumberStyle::kApostropheGroupDot, CurrencyStyle::kSymbolBefore),
      "CHF 1'234.56");  // no symbol: the code, with a space
  EXPECT_EQ(
      FormatMoney(123456, "GBP", NumberStyle::kCommaGroupDotDecimal, CurrencyStyle::kCodeBefore),
      "GBP 1,234.56");
  EXPECT_EQ(
      FormatMoney(123456, "INR", NumberStyle::kIndianGroupDotDecimal, CurrencyStyle::kCodeAfter),
      "1,234.56 INR");
  EXPECT_EQ(FormatMoney(123456, "USD", NumberStyle::kPlainDotDecimal, CurrencyStyle::kNone),
            "1234.56");
  EXPECT_EQ(FormatPercent(1900, NumberStyle::kDotGroupCommaDecimal, true), "19 %");
  EXPECT_EQ(FormatPercent(810, NumberStyle::kApostropheGroupDot, false), "8.1%");
}

TEST(FormatsTest, RoundedProductRoundsHalfAwayFromZero) {
  EXPECT_EQ(RoundedProduct(250, 999, 100), 2498);       // 2.5 x 9.99 = 24.975 -> 24.98
  EXPECT_EQ(RoundedProduct(12345, 1900, 10000), 2346);  // 123.45 x 19% = 23.4555 -> 23.46
  EXPECT_EQ(RoundedProduct(-250, 999, 100), -2498);
  EXPECT_EQ(RoundedProduct(100, 1, 100), 1);
}

}  // namespace
}  // namespace flowline::samples
