#include "steps/duration.h"

#include <cctype>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

absl::Status BadDuration(std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("invalid duration \"", Sv(text), "\": ", Sv(why),
                   "; write a number and a unit (ms, s, m, h, d), e.g. 250ms, 30s, 5m, 1h30m"));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// The unit at the start of `s` (longest match first, so "ms" is not read as "m"), or zero.
absl::Duration UnitAt(std::string_view s, size_t* length) {
  if (s.substr(0, 2) == "ms") {
    *length = 2;
    return absl::Milliseconds(1);
  }
  *length = 1;
  switch (s.empty() ? '\0' : s.front()) {
    case 's':
      return absl::Seconds(1);
    case 'm':
      return absl::Minutes(1);
    case 'h':
      return absl::Hours(1);
    case 'd':
      return absl::Hours(24);
    default:
      *length = 0;
      return absl::ZeroDuration();
  }
}

}  // namespace

absl::StatusOr<absl::Duration> ParseDuration(std::string_view text) {
  const std::string_view s = Trim(text);
  if (s.empty()) return BadDuration(text, "it is empty");
  if (s == "0") return absl::ZeroDuration();

  absl::Duration total = absl::ZeroDuration();
  size_t i = 0;
  while (i < s.size()) {
    // The number: digits with an optional fraction. Parsed by hand (not strtod) so that signs,
    // exponents, "inf" and locale-specific separators are all rejected.
    int64_t whole = 0;
    double fraction = 0;
    double scale = 0.1;
    bool digits = false;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (whole > (INT64_MAX - 9) / 10) return BadDuration(text, "the number is too large");
      whole = whole * 10 + (s[i] - '0');
      digits = true;
      ++i;
    }
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
        fraction += (s[i] - '0') * scale;
        scale /= 10;
        digits = true;
        ++i;
      }
    }
    if (!digits) {
      return BadDuration(
          text, i < s.size() && s[i] == '-' ? "it must not be negative" : "expected a number");
    }
    size_t unit_length = 0;
    const absl::Duration unit = UnitAt(s.substr(i), &unit_length);
    if (unit_length == 0) {
      return BadDuration(text, i == s.size() ? "the number has no unit" : "unknown unit");
    }
    i += unit_length;
    total += unit * whole + unit * fraction;
    if (total == absl::InfiniteDuration()) return BadDuration(text, "it is too long");
  }
  return total;
}

}  // namespace flowline::steps
