// What the `http` step makes of a response: its output, or a failure with the class the retry
// policy acts on. Kept apart from the step so the mapping can be read (and tested) as a table.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/json_util.h"
#include "steps/http_client.h"
#include "steps/secrets.h"
#include "steps/step_kind.h"

namespace flowline::steps {

// The outcome of a request that got no response (`status` from HttpClient::Send):
// DeadlineExceeded → kTimeout ("no response within <timeout> from <what>"); InvalidArgument →
// permanent; anything else (connection refused or reset) → transient. Secrets are redacted.
StepOutcome SendFailure(const absl::Status& status, std::string_view what, absl::Duration timeout,
                        const std::vector<std::string>& secrets);

// RFC 3986 percent-encoding: everything but unreserved characters (query values, form fields).
std::string UrlEncode(std::string_view text);

// Makes `text` valid UTF-8 (so it can live in a JSON string): invalid bytes become U+FFFD.
std::string ValidUtf8(std::string text);

// {"status": int, "headers": {lower-cased name: value (repeats joined with ", ")}, "body": the
// parsed JSON if the Content-Type is JSON (application/json or +json) and parses, else the text}.
// Secrets are redacted from header values and from the body.
Json ResponseOutput(const HttpResponse& response, const std::vector<std::string>& secrets);

// The outcome of a response whose status is not expected: 429 → kRateLimited; 408 and 5xx →
// kTransient; others → kPermanent. Retry-After is honoured for all of them. The error names the
// status, `what` ("POST https://host/path") and the start of the (redacted) body.
StepOutcome UnexpectedStatus(const HttpResponse& response, std::string_view what,
                             const std::vector<std::string>& secrets, absl::Time now);

}  // namespace flowline::steps
