#include "common/json_util.h"

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::common {

namespace {

absl::Status ParseError(const Json::parse_error& e, std::string_view text, std::string_view what) {
  // Turn the byte offset into line:column, which people can find in an editor.
  size_t line = 1, column = 1;
  size_t limit = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
  for (size_t i = 0; i < limit; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string detail = e.what();
  // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
  if (auto pos = detail.find("parse error"); pos != std::string::npos) {
    if (auto colon = detail.find(": ", pos); colon != std::string::npos) {
      detail = detail.substr(colon + 2);
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is not valid JSON at line ", line,
                                                 ", column ", column, ": ", detail));
}

}  // namespace

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    return ParseError(e, text, what);
  }
}

absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what,
                               std::string_view skip) {
  // A key event answered with false discards the key and the value that follows it.
  auto keep = [skip](int depth, Json::parse_event_t event, Json& parsed) {
    return !(depth == 1 && event == Json::parse_event_t::key && parsed.is_string() &&
             parsed.get_ref<const std::string&>() == skip);
  };
  try {
    return Json::parse(text.begin(), text.end(), keep);
  } catch (const Json::parse_error& e) {
    return ParseError(e, text, what);
  }
}

std::string CanonicalJson(const Json& value) {
  // Invalid UTF-8 (a step kind's bug, or a system's bad answer) becomes U+FFFD rather than an
  // exception that would take a worker thread down.
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace flowline::common
