// Turns a failed deploy's status into structured error details (private to server/).
//
// Engine::Deploy reports every problem of a spec in its InvalidArgument message, one diagnostic
// per line in engine::Diagnostic::ToString()'s form, "file:line:column: error: message (hint:
// ...)". The API gives clients those as objects {file, line, column, message, hint}, so an
// editor can point at them; lines of another form become {message}.
#pragma once

#include <string_view>

#include "absl/status/status.h"
#include "common/json_util.h"

namespace flowline::server {

// The details array for a deploy's error message (possibly empty).
Json DiagnosticDetails(std::string_view message);

// `status` with DiagnosticDetails() attached (see WithDetails) and a one-line message, when it is
// InvalidArgument; otherwise unchanged.
absl::Status DeployError(const absl::Status& status);

}  // namespace flowline::server
