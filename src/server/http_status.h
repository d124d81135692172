// How errors look on the wire: the ONE mapping from absl::StatusCode to an HTTP status, and the
// JSON error body every failing response carries:
//
//   {"error": {"code": "not_found", "message": "run run_01... not found", "details": [...]}}
//
// `code` is the canonical status code in snake_case ("invalid_argument", "failed_precondition"),
// or, for conditions HTTP itself defines, "method_not_allowed" / "payload_too_large".
// `details` is optional: a list of objects (spec diagnostics with file/line/column/message/hint,
// input-schema violations) attached to the status with WithDetails(), or else the second and
// later lines of a multi-line message, each as {"message": ...}.
//
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "common/json_util.h"

namespace flowline::server {

// InvalidArgument 400, Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/Aborted/FailedPrecondition 409, ResourceExhausted 429, Unimplemented 501,
// Unavailable 503, DeadlineExceeded 504, everything else 500.
int HttpStatusFor(absl::StatusCode code);

// "not_found" for absl::StatusCode::kNotFound, and so on.
std::string ErrorCodeName(absl::StatusCode code);

struct HttpError {
  int http_status = 500;
  std::string code;
  std::string message;
  Json details;  // null, or an array of objects

  // {"error": {"code", "message", "details"?}}
  Json ToJson() const;
};

// The error response for a non-OK status.
HttpError ErrorFromStatus(const absl::Status& status);

// The error response for a status HTTP produced itself (405, 413, 404 for an unknown path, 400
// for a request the HTTP library could not parse), with a fitting code name.
HttpError ErrorForHttpStatus(int http_status, std::string message);

// Attaches structured details (a JSON array) to `status`; ErrorFromStatus() puts them in the
// body instead of the message's extra lines. Returns `status` unchanged when it is OK.
absl::Status WithDetails(absl::Status status, const Json& details);

}  // namespace flowline::server
