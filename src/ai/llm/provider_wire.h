// Pieces the three wire protocols share (private to ai/llm's providers): the endpoint URL, the
// chat messages, reading the answer's JSON text, and the error for a 2xx body that is not the
// protocol's envelope.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "ai/llm/model_provider.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

// A POST of `body` (canonical JSON, Content-Type: application/json) to `url`.
steps::HttpRequest JsonPost(std::string url, const Json& body, absl::Duration timeout);

// base_url + path + "?" + the configured query parameters (percent-encoded).
std::string EndpointUrl(const ProviderConfig& config, std::string_view path);

// [{"role":"system","content":system} if not empty, then the request's messages].
Json ChatMessages(const ModelRequest& request, const std::string& system);

// The answer's JSON text parsed; null when it does not parse (the step then treats the answer
// as invalid and retries it once with the parse error).
Json ParseAnswer(std::string_view text);

// Unavailable "<provider>: the response is not <what>: <why>" (breaker failure, not cached):
// a 2xx body that is not JSON or lacks the protocol's fields (a proxy's page, a cut body).
absl::Status UnexpectedBody(std::string_view provider, std::string_view what, std::string_view why);

// Member `name` of `object` if it is an integer (token counts), else 0 — servers leave counts out.
int64_t IntegerMember(const Json& object, const char* name);
// Member `name` of `object` if it is a string, else "".
std::string StringMember(const Json& object, const char* name);

// The response body as JSON, or UnexpectedBody.
absl::StatusOr<Json> ResponseJson(std::string_view provider, std::string_view what,
                                  std::string_view body);

}  // namespace flowline::ai::llm
