// How values are printed on a sample document, and how they are written in the labels.
//
// Printing (dates in six styles and four label languages, amounts in five number styles,
// currencies as symbol or code) is what makes extraction non-trivial; normalising is the
// dataset format of docs/design/document-ai.md (ISO dates, dot-decimal amounts without
// grouping). Amounts are integer minor units (cents) and quantities integer hundredths, so the
// labels' arithmetic is exact.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "samples/catalog.h"

namespace flowline::samples {

enum class DateStyle {
  kIso,       // 2026-03-14
  kDotDmy,    // 14.03.2026
  kSlashDmy,  // 14/03/2026
  kSlashMdy,  // 03/14/2026
  kLongDmy,   // 14 March 2026 / 14. März 2026 / 14 mars 2026 / 14 maart 2026
  kLongMdy,   // Mar 14, 2026 (English month names only)
};
inline constexpr int kDateStyleCount = 6;

enum class NumberStyle {
  kCommaGroupDotDecimal,    // 1,234.56
  kDotGroupCommaDecimal,    // 1.234,56
  kSpaceGroupCommaDecimal,  // 1 234,56
  kApostropheGroupDot,      // 1'234.56
  kIndianGroupDotDecimal,   // 1,23,456.78
  kPlainDotDecimal,         // 1234.56
};
inline constexpr int kNumberStyleCount = 6;

enum class CurrencyStyle {
  kSymbolBefore,  // €1,234.56
  kSymbolAfter,   // 1.234,56 €
  kCodeBefore,    // EUR 1,234.56
  kCodeAfter,     // 1.234,56 EUR
  kNone,          // 1,234.56 (the currency is stated once, e.g. "Amounts in EUR")
};
inline constexpr int kCurrencyStyleCount = 5;

// "2026-03-14".
std::string IsoDate(absl::CivilDay day);

// The date as printed in `style`; month names follow `language`.
std::string FormatDate(absl::CivilDay day, DateStyle style, Language language);

// The dataset's date_order hint for a style: "ymd", "dmy" or "mdy".
std::string DateOrder(DateStyle style);

// "1469.06", "-12.00": the dataset's normalised amount.
std::string NormaliseAmount(int64_t cents);

// "2", "2.5", "0.75": the dataset's normalised quantity (hundredths, trailing zeros dropped).
std::string NormaliseQuantity(int64_t hundredths);

// The amount as printed, without currency: "1.234,56".
std::string FormatAmount(int64_t cents, NumberStyle style);

// A quantity as printed: integers without decimals ("3"), others with the style's separator.
std::string FormatQuantity(int64_t hundredths, NumberStyle style);

// A tax rate in basis points as printed: "19%", "7,7 %", "8.1%".
std::string FormatPercent(int64_t basis_points, NumberStyle style, bool space_before_sign);

// "€", "$", "£", "₹"; the ISO code where the currency has no common symbol (CHF, SEK).
std::string CurrencySymbol(const std::string& code);

// The amount with its currency in `style`.
std::string FormatMoney(int64_t cents, const std::string& currency, NumberStyle number,
                        CurrencyStyle style);

// The printed currency marker of `style` ("€" or "EUR"); empty for kNone.
std::string CurrencyMarker(const std::string& currency, CurrencyStyle style);

}  // namespace flowline::samples
