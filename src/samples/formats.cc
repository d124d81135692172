#include "samples/formats.h"

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowline::samples {
namespace {

const char* MonthName(int month, Language language, bool abbreviated) {
  static const char* const kEn[] = {"January",   "February", "March",    "April",
                                    "May",       "June",     "July",     "August",
                                    "September", "October",  "November", "December"};
  static const char* const kEnShort[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  static const char* const kDe[] = {"Januar",    "Februar", "März",     "April",
                                    "Mai",       "Juni",    "Juli",     "August",
                                    "September", "Oktober", "November", "Dezember"};
  static const char* const kFr[] = {"janvier",   "février", "mars",     "avril",
                                    "mai",       "juin",    "juillet",  "août",
                                    "septembre", "octobre", "novembre", "décembre"};
  static const char* const kNl[] = {"januari",   "februari", "maart",    "april",
                                    "mei",       "juni",     "juli",     "augustus",
                                    "september", "oktober",  "november", "december"};
  int i = month - 1;
  if (abbreviated) return kEnShort[i];
  switch (language) {
    case Language::kGerman:
      return kDe[i];
    case Language::kFrench:
      return kFr[i];
    case Language::kDutch:
      return kNl[i];
    case Language::kEnglish:
      break;
  }
  return kEn[i];
}

// Groups the integer digits: every three from the right, or the Indian 3-2-2 pattern.
std::string GroupDigits(const std::string& digits, const std::string& separator, bool indian) {
  std::string out;
  int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    int remaining = n - i;
    bool boundary = false;
    if (i > 0) {
      if (!indian) {
        boundary = remaining % 3 == 0;
      } else {
        boundary = remaining == 3 || (remaining > 3 && (remaining - 3) % 2 == 0);
      }
    }
    if (boundary) out += separator;
    out.push_back(digits[static_cast<size_t>(i)]);
  }
  return out;
}

}  // namespace

std::string IsoDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string FormatDate(absl::CivilDay day, DateStyle style, Language language) {
  int y = static_cast<int>(day.year());
  int m = day.month();
  int d = day.day();
  switch (style) {
    case DateStyle::kIso:
      return IsoDate(day);
    case DateStyle::kDotDmy:
      return absl::StrFormat("%02d.%02d.%04d", d, m, y);
    case DateStyle::kSlashDmy:
      return absl::StrFormat("%02d/%02d/%04d", d, m, y);
    case DateStyle::kSlashMdy:
      return absl::StrFormat("%02d/%02d/%04d", m, d, y);
    case DateStyle::kLongDmy:
      if (language == Language::kGerman) {
        return absl::StrFormat("%d. %s %d", d, MonthName(m, language, false), y);
      }
      return absl::StrFormat("%d %s %d", d, MonthName(m, language, false), y);
    case DateStyle::kLongMdy:
      return absl::StrFormat("%s %d, %d", MonthName(m, Language::kEnglish, true), d, y);
  }
  return IsoDate(day);
}

std::string DateOrder(DateStyle style) {
  switch (style) {
    case DateStyle::kIso:
      return "ymd";
    case DateStyle::kSlashMdy:
    case DateStyle::kLongMdy:
      return "mdy";
    default:
      return "dmy";
  }
}

std::string NormaliseAmount(int64_t cents) {
  const char* sign = cents < 0 ? "-" : "";
  int64_t a = std::llabs(cents);
  return absl::StrFormat("%s%d.%02d", sign, a / 100, a % 100);
}

std::string NormaliseQuantity(int64_t hundredths) {
  std::string out = NormaliseAmount(hundredths);
  if (out.ends_with("00")) return out.substr(0, out.size() - 3);
  if (out.ends_with("0")) return out.substr(0, out.size() - 1);
  return out;
}

std::string FormatAmount(int64_t cents, NumberStyle style) {
  int64_t a = std::llabs(cents);
  std::string digits = absl::StrCat(a / 100);
  std::string fraction = absl::StrFormat("%02d", a % 100);
  std::string sign = cents < 0 ? "-" : "";
  switch (style) {
    case NumberStyle::kCommaGroupDotDecimal:
      return absl::StrCat(sign, GroupDigits(digits, ",", false), ".", fraction);
    case NumberStyle::kDotGroupCommaDecimal:
      return absl::StrCat(sign, GroupDigits(digits, ".", false), ",", fraction);
    case NumberStyle::kSpaceGroupCommaDecimal:
      return absl::StrCat(sign, GroupDigits(digits, " ", false), ",", fraction);
    case NumberStyle::kApostropheGroupDot:
      return absl::StrCat(sign, GroupDigits(digits, "'", false), ".", fraction);
    case NumberStyle::kIndianGroupDotDecimal:
      return absl::StrCat(sign, GroupDigits(digits, ",", true), ".", fraction);
    case NumberStyle::kPlainDotDecimal:
      return absl::StrCat(sign, digits, ".", fraction);
  }
  return NormaliseAmount(cents);
}

namespace {
bool CommaDecimal(NumberStyle style) {
  return style == NumberStyle::kDotGroupCommaDecimal ||
         style == NumberStyle::kSpaceGroupCommaDecimal;
}
}  // namespace

std::string FormatQuantity(int64_t hundredths, NumberStyle style) {
  std::string plain = NormaliseQuantity(hundredths);
  if (CommaDecimal(style)) {
    for (char& c : plain) {
      if (c == '.') c = ',';
    }
  }
  return plain;
}

std::string FormatPercent(int64_t basis_points, NumberStyle style, bool space_before_sign) {
  std::string number = FormatQuantity(basis_points, style);
  return absl::StrCat(number, space_before_sign ? " %" : "%");
}

std::string CurrencySymbol(const std::string& code) {
  if (code == "EUR") return "€";
  if (code == "USD") return "$";
  if (code == "GBP") return "£";
  if (code == "INR") return "₹";
  return code;
}

std::string CurrencyMarker(const std::string& currency, CurrencyStyle style) {
  switch (style) {
    case CurrencyStyle::kSymbolBefore:
    case CurrencyStyle::kSymbolAfter:
      return CurrencySymbol(currency);
    case CurrencyStyle::kCodeBefore:
    case CurrencyStyle::kCodeAfter:
      return currency;
    case CurrencyStyle::kNone:
      break;
  }
  return "";
}

std::string FormatMoney(int64_t cents, const std::string& currency, NumberStyle number,
                        CurrencyStyle style) {
  std::string amount = FormatAmount(cents, number);
  std::string marker = CurrencyMarker(currency, style);
  switch (style) {
    case CurrencyStyle::kSymbolBefore:
      // A symbol hugs the number ("€1,234.56"); a code-like symbol ("CHF") keeps a space.
      return marker == currency ? absl::StrCat(marker, " ", amount) : marker + amount;
    case CurrencyStyle::kCodeBefore:
      return absl::StrCat(marker, " ", amount);
    case CurrencyStyle::kSymbolAfter:
    case CurrencyStyle::kCodeAfter:
      return absl::StrCat(amount, " ", marker);
    case CurrencyStyle::kNone:
      break;
  }
  return amount;
}

}  // namespace flowline::samples
