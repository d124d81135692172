// Normalising printed values into the dataset's canonical forms (docs/design/document-ai.md):
// dates ISO YYYY-MM-DD, amounts decimal strings with a dot and no grouping, currencies ISO 4217
// codes, ids and text as printed with whitespace collapsed. Also the comparison keys that decide
// whether a candidate equals a label (training) or a prediction is right (held-out accuracy).
//
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ai/extract/field_spec.h"

namespace flowline::ai {

// A value read from printed text: its canonical form and which printed format it had (a small
// integer per type, used as a feature).
struct Normalized {
  std::string value;
  int format = 0;
  int decimals = 0;           // amounts: digits after the decimal separator
  bool has_currency = false;  // amounts: a currency symbol or code was attached
};

// Dates: 2026-03-14, 14.03.2026, 14/03/26, 03/14/2026, 14 March 2026, Mar 14, 2026, 14-Mar-26,
// 14th March 2026, also French/German/Dutch month names. Ambiguous numeric dates (both parts
// <= 12) follow `order` (kUnknown reads day-first). Two-digit years are 20yy below 70, else 19yy.
// Formats: 1 ISO (year first), 2 numeric with 4-digit year, 3 numeric with 2-digit year,
// 4 with a month name.
std::optional<Normalized> NormalizeDate(std::string_view text, DateOrder order);

// Amounts: 1,234.56  1.234,56  1 234,56  1'234.56  $5,625.00  -12.50  (12.50)  12.50-  EUR 9.00
// RM9.00. A single separator followed by exactly three digits is grouping (1,234 -> 1234).
// Formats: 0 integer, 1 dot decimals, 2 comma decimals; +3 when grouped.
std::optional<Normalized> NormalizeAmount(std::string_view text);

// Currencies: ISO codes (EUR, usd), symbols ($ € £ ¥ ₹), RM, Rs, zł, euro. Format 1 code, 2 symbol.
std::optional<Normalized> NormalizeCurrency(std::string_view text);
// The currency attached to an amount word ("$5,625.00" -> USD, "12,50€" -> EUR), if any.
std::optional<std::string> CurrencyOfAmountWord(std::string_view word);

// Whitespace collapsed to single spaces, trimmed.
std::string CollapseWhitespace(std::string_view text);

// The normalised form of a label value as a dataset stores it, tolerating printed forms
// ("$5,625.00", "25/12/2018" with its date order); nullopt if it does not parse as `type`.
std::optional<std::string> NormalizeLabel(FieldType type, std::string_view label, DateOrder order);

// The key two normalised values of `type` are compared by: amounts numerically (5200 == 5200.00),
// ids upper-case letters and digits only, text lower-case letters and digits only.
std::string MatchKey(FieldType type, std::string_view normalized);

// Token-set F1 (0..1) of two texts over lower-case alphanumeric tokens: the fuzzy score for long
// text (addresses, names).
double TokenF1(std::string_view a, std::string_view b);

}  // namespace flowline::ai
