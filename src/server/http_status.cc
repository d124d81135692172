#include "server/http_status.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::server {
namespace {

// The type URL under which WithDetails() stores the details on a Status.
constexpr char kDetailsTypeUrl[] = "type.flowline.dev/error.details";

}  // namespace

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string ErrorCodeName(absl::StatusCode code) {
  return absl::AsciiStrToLower(absl::StatusCodeToString(code));
}

Json HttpError::ToJson() const {
  Json error = {{"code", code}, {"message", message}};
  if (details.is_array() && !details.empty()) error["details"] = details;
  return Json{{"error", std::move(error)}};
}

HttpError ErrorFromStatus(const absl::Status& status) {
  HttpError error;
  error.http_status = HttpStatusFor(status.code());
  error.code = ErrorCodeName(status.code());
  std::vector<absl::string_view> lines =
      absl::StrSplit(status.message(), '\n', absl::SkipWhitespace());
  error.message = lines.empty() ? ErrorCodeName(status.code()) : std::string(lines.front());
  // Messages such as "...:" introduce the lines that follow; once those lines become details
  // the colon reads as if something is missing.
  while (!error.message.empty() && (error.message.back() == ':' || error.message.back() == ' ')) {
    error.message.pop_back();
  }

  auto payload = status.GetPayload(kDetailsTypeUrl);  // absl::optional on Debian
  if (payload.has_value()) {
    absl::StatusOr<Json> details = common::ParseJson(std::string(*payload), "error details");
    if (details.ok() && details->is_array()) {
      error.details = *std::move(details);
      return error;
    }
  }
  if (lines.size() > 1) {
    error.details = Json::array();
    for (size_t i = 1; i < lines.size(); ++i) {
      error.details.push_back({{"message", std::string(absl::StripAsciiWhitespace(lines[i]))}});
    }
  }
  return error;
}

HttpError ErrorForHttpStatus(int http_status, std::string message) {
  HttpError error;
  error.http_status = http_status;
  error.message = std::move(message);
  switch (http_status) {
    case 400:
      error.code = "invalid_argument";
      break;
    case 401:
      error.code = "unauthenticated";
      break;
    case 403:
      error.code = "permission_denied";
      break;
    case 404:
      error.code = "not_found";
      break;
    case 405:
      error.code = "method_not_allowed";
      break;
    case 413:
      error.code = "payload_too_large";
      break;
    case 414:
      error.code = "uri_too_long";
      break;
    case 415:
      error.code = "unsupported_media_type";
      break;
    case 416:
      error.code = "range_not_satisfiable";
      break;
    case 503:
      error.code = "unavailable";
      break;
    default:
      error.code = http_status >= 500 ? "internal" : absl::StrCat("http_", http_status);
  }
  return error;
}

absl::Status WithDetails(absl::Status status, const Json& details) {
  if (status.ok()) return status;
  status.SetPayload(kDetailsTypeUrl, absl::Cord(details.dump()));
  return status;
}

}  // namespace flowline::server
