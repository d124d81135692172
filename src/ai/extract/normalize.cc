#include "ai/extract/normalize.h"

#include <algorithm>
#include <cstdio>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace flowline::ai {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(unsigned char c) { return absl::ascii_isalnum(c) || c >= 0x80; }

// Punctuation that surrounds values in running text ("Date: 14/03/2026,", "(INV-1)").
std::string_view TrimPunct(std::string_view s) {
  constexpr std::string_view kEdge = " \t:;,\"'()[]{}*#|";
  while (!s.empty() && kEdge.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
  while (!s.empty() && (kEdge.find(s.back()) != std::string_view::npos || s.back() == '.')) {
    s.remove_suffix(1);
  }
  return s;
}

int ToInt(std::string_view digits) {
  int v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

int DaysIn(int year, int month) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && ((year % 4 == 0 && year % 100 != 0) || year % 400 == 0)) return 29;
  return kDays[month - 1];
}

std::optional<std::string> Iso(int year, int month, int day) {
  if (year < 1950 || year > 2099 || month < 1 || month > 12 || day < 1) return std::nullopt;
  if (day > DaysIn(year, month)) return std::nullopt;
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
  return std::string(buf);
}

int ExpandYear(std::string_view digits) {
  int y = ToInt(digits);
  if (digits.size() == 2) y += y < 70 ? 2000 : 1900;
  return y;
}

// Month names and abbreviations (English, French, German, Dutch), lower case, ASCII or UTF-8.
int MonthNumber(std::string_view token) {
  struct Name {
    const char* text;
    int month;
  };
  static const Name kNames[] = {
      {"january", 1},
      {"jan", 1},
      {"janv", 1},
      {"janvier", 1},
      {"januar", 1},
      {"januari", 1},
      {"february", 2},
      {"feb", 2},
      {"febr", 2},
      {"fev", 2},
      {"fevr", 2},
      {"f\xc3\xa9v", 2},
      {"f\xc3\xa9vr", 2},
      {"f\xc3\xa9vrier", 2},
      {"februar", 2},
      {"februari", 2},
      {"march", 3},
      {"mar", 3},
      {"mars", 3},
      {"m\xc3\xa4r", 3},
      {"m\xc3\xa4rz", 3},
      {"maerz", 3},
      {"maart", 3},
      {"mrt", 3},
      {"april", 4},
      {"apr", 4},
      {"avr", 4},
      {"avril", 4},
      {"may", 5},
      {"mai", 5},
      {"mei", 5},
      {"june", 6},
      {"jun", 6},
      {"juin", 6},
      {"juni", 6},
      {"july", 7},
      {"jul", 7},
      {"juil", 7},
      {"juillet", 7},
      {"juli", 7},
      {"august", 8},
      {"aug", 8},
      {"ao\xc3\xbbt", 8},
      {"aout", 8},
      {"augustus", 8},
      {"september", 9},
      {"sep", 9},
      {"sept", 9},
      {"septembre", 9},
      {"october", 10},
      {"oct", 10},
      {"okt", 10},
      {"octobre", 10},
      {"oktober", 10},
      {"november", 11},
      {"nov", 11},
      {"novembre", 11},
      {"december", 12},
      {"dec", 12},
      {"dez", 12},
      {"d\xc3\xa9\x63", 12},
      {"d\xc3\xa9\x63\x65mbre", 12},
      {"decembre", 12},
      {"dezember", 12},
  };
  for (const Name& name : kNames) {
    if (token == name.text) return name.month;
  }
  return 0;
}

// "14th" -> "14"; other tokens unchanged.
std::string_view StripOrdinal(std::string_view token) {
  if (token.size() > 2 && IsDigit(token[0])) {
    std::string_view tail = token.substr(token.size() - 2);
    if (tail == "st" || tail == "nd" || tail == "rd" || tail == "th") {
      return token.substr(0, token.size() - 2);
    }
  }
  return token;
}

std::optional<Normalized> NumericDate(std::string_view s, DateOrder order) {
  // Exactly three digit groups separated by one of . / - (the same one twice).
  std::vector<std::string_view> parts;
  char sep = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.' || s[i] == '/' || s[i] == '-') {
      if (i < s.size()) {
        if (sep != 0 && s[i] != sep) return std::nullopt;
        sep = s[i];
      }
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    } else if (!IsDigit(s[i])) {
      return std::nullopt;
    }
  }
  if (parts.size() != 3) return std::nullopt;
  for (std::string_view p : parts) {
    if (p.empty() || p.size() > 4) return std::nullopt;
  }
  Normalized out;
  std::optional<std::string> iso;
  if (parts[0].size() == 4 || (order == DateOrder::kYmd && parts[2].size() <= 2)) {
    if (parts[1].size() > 2 || parts[2].size() > 2) return std::nullopt;
    iso = Iso(ExpandYear(parts[0]), ToInt(parts[1]), ToInt(parts[2]));
    out.format = 1;
  } else {
    if (parts[0].size() > 2 || parts[1].size() > 2) return std::nullopt;
    if (parts[2].size() != 2 && parts[2].size() != 4) return std::nullopt;
    const int a = ToInt(parts[0]), b = ToInt(parts[1]);
    const int year = ExpandYear(parts[2]);
    bool day_first = order != DateOrder::kMdy;
    if (a > 12 && b <= 12) day_first = true;
    if (b > 12 && a <= 12) day_first = false;
    iso = day_first ? Iso(year, b, a) : Iso(year, a, b);
    out.format = parts[2].size() == 4 ? 2 : 3;
  }
  if (!iso) return std::nullopt;
  out.value = *iso;
  return out;
}

std::optional<Normalized> NamedMonthDate(std::string_view s) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : s) {
    if (c == ' ' || c == '-' || c == '.' || c == ',' || c == '/') {
      if (!current.empty()) tokens.push_back(current);
      current.clear();
    } else {
      current += absl::ascii_tolower(static_cast<unsigned char>(c));
    }
  }
  if (!current.empty()) tokens.push_back(current);
  if (tokens.size() != 3) return std::nullopt;
  int day = -1, month = 0, year = -1;
  std::string_view t0 = StripOrdinal(tokens[0]), t1 = StripOrdinal(tokens[1]);
  std::string_view t2 = tokens[2];
  if (AllDigits(t0) && t0.size() <= 2 && MonthNumber(t1) > 0) {  // 14 March 2026
    day = ToInt(t0);
    month = MonthNumber(t1);
  } else if (MonthNumber(t0) > 0 && AllDigits(t1) && t1.size() <= 2) {  // March 14, 2026
    month = MonthNumber(t0);
    day = ToInt(t1);
  } else {
    return std::nullopt;
  }
  if (!AllDigits(t2) || (t2.size() != 2 && t2.size() != 4)) return std::nullopt;
  year = ExpandYear(t2);
  std::optional<std::string> iso = Iso(year, month, day);
  if (!iso) return std::nullopt;
  return Normalized{*iso, 4, 0, false};
}

struct CurrencySign {
  const char* text;  // upper case
  const char* code;
};
const CurrencySign kSigns[] = {
    {"US$", "USD"},      {"$", "USD"},         {"\xe2\x82\xac", "EUR"},
    {"\xc2\xa3", "GBP"}, {"\xc2\xa5", "JPY"},  {"\xe2\x82\xb9", "INR"},
    {"RM", "MYR"},       {"RS.", "INR"},       {"RS", "INR"},
    {"ZL", "PLN"},       {"Z\xc5\x81", "PLN"}, {"EURO", "EUR"},
    {"EUROS", "EUR"},    {"FR.", "CHF"},
};
const std::set<std::string>& IsoCodes() {
  static const auto* codes = new std::set<std::string>{
      "EUR", "USD", "GBP", "CHF", "JPY", "CNY", "INR", "PLN", "CZK", "SEK", "NOK", "DKK",
      "HUF", "RON", "BGN", "CAD", "AUD", "NZD", "SGD", "HKD", "MYR", "IDR", "THB", "PHP",
      "ZAR", "BRL", "MXN", "TRY", "AED", "SAR", "KRW", "ILS", "RUB", "UAH", "VND"};
  return *codes;
}

// The code for a currency sign or code written alone (already upper case), or "".
std::string CodeOf(std::string_view upper, int* format) {
  if (upper.size() == 3 && IsoCodes().count(std::string(upper)) > 0) {
    *format = 1;
    return std::string(upper);
  }
  for (const CurrencySign& sign : kSigns) {
    if (upper == sign.text) {
      *format = 2;
      return sign.code;
    }
  }
  return "";
}

// Upper-cases ASCII letters and the two-byte Latin letters we use (ł -> Ł).
std::string Upper(std::string_view s) {
  std::string out(s);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = absl::ascii_toupper(static_cast<unsigned char>(out[i]));
    if (static_cast<unsigned char>(out[i]) == 0xc5 && i + 1 < out.size() &&
        static_cast<unsigned char>(out[i + 1]) == 0x82) {
      out[i + 1] = static_cast<char>(0x81);
    }
  }
  return out;
}

// Splits a currency sign or code off either end of `s`; returns its code or "".
std::string SplitCurrency(std::string_view* s) {
  const std::string upper = Upper(*s);
  // Longest prefix/suffix that is a sign or code (up to 5 bytes).
  for (size_t len = std::min<size_t>(5, s->size() - 1); len >= 1; --len) {
    int format = 0;
    std::string code = CodeOf(std::string_view(upper).substr(0, len), &format);
    if (!code.empty() && !absl::ascii_isalpha(static_cast<unsigned char>(upper[len]))) {
      s->remove_prefix(len);
      while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
      return code;
    }
    code = CodeOf(std::string_view(upper).substr(upper.size() - len), &format);
    if (!code.empty() &&
        !absl::ascii_isalpha(static_cast<unsigned char>(upper[upper.size() - len - 1]))) {
      s->remove_suffix(len);
      while (!s->empty() && s->back() == ' ') s->remove_suffix(1);
      return code;
    }
  }
  return "";
}

}  // namespace

std::optional<Normalized> NormalizeDate(std::string_view text, DateOrder order) {
  std::string_view s = TrimPunct(text);
  if (s.size() < 6 || s.size() > 30) return std::nullopt;
  if (IsDigit(s.front()) && IsDigit(s.back())) {
    if (auto numeric = NumericDate(s, order)) return numeric;
  }
  return NamedMonthDate(s);
}

std::optional<Normalized> NormalizeAmount(std::string_view text) {
  std::string_view raw = text;
  while (!raw.empty() && raw.front() == ' ') raw.remove_prefix(1);
  while (!raw.empty() && raw.back() == ' ') raw.remove_suffix(1);
  // "(12.50)" is negative in accounting notation; TrimPunct drops the parentheses.
  bool negative = raw.size() > 2 && raw.front() == '(' && raw.back() == ')';
  std::string_view s = TrimPunct(raw);
  if (s.empty()) return std::nullopt;
  if (s.front() == '-' || s.front() == '+') {
    negative = negative || s.front() == '-';
    s.remove_prefix(1);
  }
  Normalized out;
  if (!s.empty()) {
    std::string code = SplitCurrency(&s);
    out.has_currency = !code.empty();
  }
  if (!s.empty() && (s.front() == '-' || s.back() == '-')) {
    negative = true;
    if (s.front() == '-') s.remove_prefix(1);
    if (!s.empty() && s.back() == '-') s.remove_suffix(1);
  }
  if (s.empty() || !IsDigit(s.front()) || !IsDigit(s.back()) || s.size() > 18) {
    return std::nullopt;
  }
  for (char c : s) {
    if (!IsDigit(c) && c != '.' && c != ',' && c != ' ' && c != '\'') return std::nullopt;
  }
  // The decimal separator: the last '.' or ',' followed by 1, 2 or (with the other separator
  // before it, or a zero integer part) more digits.
  const size_t last = s.find_last_of(".,");
  std::string_view integer = s, fraction;
  if (last != std::string_view::npos) {
    const char sep = s[last];
    const size_t after = s.size() - last - 1;
    const bool repeated = s.substr(0, last).find(sep) != std::string_view::npos;
    const bool other_before =
        s.substr(0, last).find(sep == '.' ? ',' : '.') != std::string_view::npos;
    const bool zero_integer = last == 1 && s[0] == '0';
    const bool decimal = !repeated && (after != 3 || other_before || zero_integer);
    if (decimal) {
      integer = s.substr(0, last);
      fraction = s.substr(last + 1);
      out.format = sep == '.' ? 1 : 2;
      if (fraction.size() > 4) return std::nullopt;
    }
  }
  // Grouping: the integer part's separators must cut it into groups of three after the first.
  std::string digits;
  size_t group = 0;
  bool grouped = false;
  char group_sep = 0;
  for (size_t i = 0; i < integer.size(); ++i) {
    const char c = integer[i];
    if (IsDigit(c)) {
      digits += c;
      ++group;
      continue;
    }
    if ((group_sep != 0 && c != group_sep) || (grouped && group != 3) || group == 0 ||
        (!grouped && group > 3)) {
      return std::nullopt;
    }
    group_sep = c;
    grouped = true;
    group = 0;
  }
  if (grouped && group != 3) return std::nullopt;
  if (digits.size() > 12) return std::nullopt;
  if (grouped) out.format += 3;
  size_t nonzero = digits.find_first_not_of('0');
  digits = nonzero == std::string::npos ? "0" : digits.substr(nonzero);
  out.value = negative ? "-" + digits : digits;
  if (!fraction.empty()) {
    out.value += ".";
    out.value += fraction;
  }
  out.decimals = static_cast<int>(fraction.size());
  return out;
}

std::optional<Normalized> NormalizeCurrency(std::string_view text) {
  std::string_view s = TrimPunct(text);
  if (s.empty() || s.size() > 6) return std::nullopt;
  Normalized out;
  out.value = CodeOf(Upper(s), &out.format);
  if (out.value.empty()) return std::nullopt;
  return out;
}

std::optional<std::string> CurrencyOfAmountWord(std::string_view word) {
  std::string_view s = TrimPunct(word);
  if (s.size() < 2 || !NormalizeAmount(s)) return std::nullopt;
  std::string code = SplitCurrency(&s);
  if (code.empty()) return std::nullopt;
  return code;
}

std::string CollapseWhitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::optional<std::string> NormalizeLabel(FieldType type, std::string_view label, DateOrder order) {
  const std::string collapsed = CollapseWhitespace(label);
  if (collapsed.empty()) return std::nullopt;
  switch (type) {
    case FieldType::kDate: {
      auto date = NormalizeDate(collapsed, order);
      if (!date) return std::nullopt;
      return date->value;
    }
    case FieldType::kAmount: {
      auto amount = NormalizeAmount(collapsed);
      if (!amount) return std::nullopt;
      return amount->value;
    }
    case FieldType::kCurrency: {
      auto currency = NormalizeCurrency(collapsed);
      if (!currency) return std::nullopt;
      return currency->value;
    }
    default:
      return collapsed;
  }
}

std::string MatchKey(FieldType type, std::string_view normalized) {
  std::string key;
  if (type == FieldType::kAmount) {
    key = std::string(normalized);
    if (key.find('.') != std::string::npos) {
      while (!key.empty() && key.back() == '0') key.pop_back();
      if (!key.empty() && key.back() == '.') key.pop_back();
    }
    if (key == "-0") key = "0";
    return key;
  }
  if (type == FieldType::kDate || type == FieldType::kCurrency) return std::string(normalized);
  for (char c : normalized) {
    if (!IsAlnum(static_cast<unsigned char>(c))) continue;
    key += type == FieldType::kId ? absl::ascii_toupper(static_cast<unsigned char>(c))
                                  : absl::ascii_tolower(static_cast<unsigned char>(c));
  }
  return key;
}

double TokenF1(std::string_view a, std::string_view b) {
  auto tokens = [](std::string_view s) {
    std::multiset<std::string> out;
    std::string current;
    for (char c : s) {
      if (IsAlnum(static_cast<unsigned char>(c))) {
        current += absl::ascii_tolower(static_cast<unsigned char>(c));
      } else if (!current.empty()) {
        out.insert(current);
        current.clear();
      }
    }
    if (!current.empty()) out.insert(current);
    return out;
  };
  const std::multiset<std::string> ta = tokens(a), tb = tokens(b);
  if (ta.empty() || tb.empty()) return ta.empty() && tb.empty() ? 1.0 : 0.0;
  std::vector<std::string> common;
  std::set_intersection(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(common));
  if (common.empty()) return 0.0;
  const double precision = static_cast<double>(common.size()) / static_cast<double>(ta.size());
  const double recall = static_cast<double>(common.size()) / static_cast<double>(tb.size());
  return 2 * precision * recall / (precision + recall);
}

}  // namespace flowline::ai
