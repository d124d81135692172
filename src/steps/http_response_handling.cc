#include "steps/http_response_handling.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr size_t kBodyInError = 200;  // bytes of a response body quoted in an error

void RedactJson(Json& value, const std::vector<std::string>& secrets) {
  if (value.is_string()) {
    value = Redact(value.get<std::string>(), secrets);
  } else if (value.is_array()) {
    for (Json& item : value) RedactJson(item, secrets);
  } else if (value.is_object()) {
    Json redacted = Json::object();
    for (auto& [key, item] : value.items()) {
      RedactJson(item, secrets);
      redacted[Redact(key, secrets)] = std::move(item);
    }
    value = std::move(redacted);
  }
}

// nlohmann's parser keeps invalid UTF-8 inside strings and its serialiser then throws; repair
// (invalid bytes become U+FFFD) before anything downstream serialises the value.
void RepairUtf8(Json& value) {
  try {
    (void)value.dump();
  } catch (const Json::type_error&) {
    value = Json::parse(value.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
}

bool IsJsonContentType(std::string_view content_type) {
  std::string media(content_type.substr(0, content_type.find(';')));
  absl::AsciiStrToLower(&media);
  media = std::string(absl::StripAsciiWhitespace(media));
  return media == "application/json" || absl::EndsWith(media, "+json");
}

}  // namespace

StepOutcome SendFailure(const absl::Status& status, std::string_view what, absl::Duration timeout,
                        const std::vector<std::string>& secrets) {
  const std::string detail = Redact(std::string(status.message()), secrets);
  switch (status.code()) {
    case absl::StatusCode::kDeadlineExceeded:
      return StepOutcome::Failed(
          absl::StrCat("no response within ", absl::FormatDuration(timeout), " from ", Sv(what)),
          ErrorClass::kTimeout);
    case absl::StatusCode::kInvalidArgument:
      return StepOutcome::Failed(absl::StrCat(Sv(what), ": ", detail));
    default:
      return StepOutcome::Failed(absl::StrCat(Sv(what), " failed: ", detail),
                                 ErrorClass::kTransient);
  }
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

std::string ValidUtf8(std::string text) {
  Json value = std::move(text);
  RepairUtf8(value);
  return value.get<std::string>();
}

Json ResponseOutput(const HttpResponse& response, const std::vector<std::string>& secrets) {
  Json headers = Json::object();
  for (const auto& [name, value] : response.headers) {
    std::string clean = ValidUtf8(Redact(value, secrets));
    auto it = headers.find(name);
    if (it == headers.end()) {
      headers[ValidUtf8(name)] = std::move(clean);
    } else {
      *it = absl::StrCat(it->get<std::string>(), ", ", clean);
    }
  }
  Json body;
  bool parsed = false;
  if (IsJsonContentType(response.Header("content-type")) && !response.body.empty()) {
    body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    parsed = !body.is_discarded();
    if (parsed) {
      RedactJson(body, secrets);
      RepairUtf8(body);
    }
  }
  if (!parsed) body = ValidUtf8(Redact(response.body, secrets));
  return Json{{"status", response.status}, {"headers", std::move(headers)}, {"body", body}};
}

StepOutcome UnexpectedStatus(const HttpResponse& response, std::string_view what,
                             const std::vector<std::string>& secrets, absl::Time now) {
  ErrorClass error_class = ErrorClass::kPermanent;
  if (response.status == 429) {
    error_class = ErrorClass::kRateLimited;
  } else if (response.status == 408 || (response.status >= 500 && response.status <= 599)) {
    error_class = ErrorClass::kTransient;
  }
  std::string error = absl::StrCat("HTTP ", response.status, " from ", Sv(what));
  const std::string body(absl::StripAsciiWhitespace(response.body));
  if (!body.empty()) {
    absl::StrAppend(&error, ": ", ValidUtf8(Truncate(Redact(body, secrets), kBodyInError)));
  }
  return StepOutcome::Failed(std::move(error), error_class,
                             ParseRetryAfter(response.Header("retry-after"), now));
}

}  // namespace flowline::steps
