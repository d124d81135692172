#include "steps/http_client.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/strings.h"

namespace flowline::steps {

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, Sv(name))) return value;
  }
  return "";
}

std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now) {
  const std::string text(absl::StripAsciiWhitespace(Sv(value)));
  if (text.empty()) return std::nullopt;
  if (text.size() <= 9 &&
      std::all_of(text.begin(), text.end(), [](char c) { return std::isdigit(c) != 0; })) {
    return absl::Seconds(std::stoll(text));
  }
  // RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms.
  for (const char* format :
       {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
    absl::Time when;
    std::string error;
    if (absl::ParseTime(format, text, absl::UTCTimeZone(), &when, &error)) {
      return std::max(absl::ZeroDuration(), when - now);
    }
  }
  return std::nullopt;
}

}  // namespace flowline::steps
