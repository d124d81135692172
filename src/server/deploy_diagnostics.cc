#include "server/deploy_diagnostics.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "server/http_status.h"

namespace flowline::server {
namespace {

constexpr std::string_view kErrorMarker = ": error: ";
constexpr std::string_view kHintMarker = " (hint: ";

// Takes a trailing ":<number>" off `where`, if there is one.
std::optional<int> TakeNumber(std::string_view& where) {
  size_t colon = where.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  int number = 0;
  if (!absl::SimpleAtoi(Sv(where.substr(colon + 1)), &number)) return std::nullopt;
  where = where.substr(0, colon);
  return number;
}

// "file:line:column: error: message (hint: ...)" -> its parts, as Diagnostic::ToString() writes
// them (":column" is left out when unknown, and ":line" too); nullopt for any other line. The
// file name may itself hold colons, so the numbers are taken from the right.
std::optional<Json> ParseDiagnosticLine(std::string_view line) {
  size_t marker = line.find(kErrorMarker);
  if (marker == std::string_view::npos) return std::nullopt;
  std::string_view where = line.substr(0, marker);
  int line_number = 0, column = 0;
  if (std::optional<int> last = TakeNumber(where)) {
    line_number = *last;
    if (std::optional<int> before = TakeNumber(where)) {
      line_number = *before;
      column = *last;
    }
  }
  std::string_view text = line.substr(marker + kErrorMarker.size());
  std::string_view hint;
  size_t hint_at = text.find(kHintMarker);
  if (hint_at != std::string_view::npos && text.back() == ')') {
    hint = text.substr(hint_at + kHintMarker.size());
    hint.remove_suffix(1);
    text = text.substr(0, hint_at);
  }
  return Json{{"file", std::string(where)},
              {"line", line_number},
              {"column", column},
              {"message", std::string(text)},
              {"hint", std::string(hint)}};
}

}  // namespace

Json DiagnosticDetails(std::string_view message) {
  Json details = Json::array();
  for (absl::string_view raw : absl::StrSplit(Sv(message), '\n', absl::SkipWhitespace())) {
    absl::string_view trimmed = absl::StripAsciiWhitespace(raw);
    std::string_view line(trimmed.data(), trimmed.size());
    std::optional<Json> diagnostic = ParseDiagnosticLine(line);
    details.push_back(diagnostic.has_value() ? *std::move(diagnostic)
                                             : Json{{"message", std::string(line)}});
  }
  return details;
}

absl::Status DeployError(const absl::Status& status) {
  if (!absl::IsInvalidArgument(status)) return status;
  std::string_view message(status.message().data(), status.message().size());
  Json details = DiagnosticDetails(message);
  // Lines that are not diagnostics but introduce them ("spec.yaml: 2 problems:") say nothing
  // the summary below does not.
  Json kept = Json::array();
  int diagnostics = 0;
  for (Json& detail : details) {
    if (detail.contains("line")) {
      ++diagnostics;
      kept.push_back(std::move(detail));
    } else {
      const std::string& text = detail["message"].get_ref<const std::string&>();
      if (!text.empty() && text.back() == ':') continue;
      kept.push_back(std::move(detail));
    }
  }
  std::string summary;
  if (diagnostics > 0) {
    summary = absl::StrCat("the workflow spec has ", diagnostics,
                           diagnostics == 1 ? " problem" : " problems", "; see details");
  } else if (!kept.empty()) {
    summary = absl::StrCat("the workflow spec is not valid: ",
                           kept.front()["message"].get_ref<const std::string&>());
  } else {
    summary = "the workflow spec is not valid";
  }
  return WithDetails(absl::InvalidArgumentError(summary), kept);
}

}  // namespace flowline::server
