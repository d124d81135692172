// The one place an LLM provider failure is classified: HTTP statuses and error bodies of the
// three wire protocols → absl::Status codes, and those codes → the engine's retry classes, the
// circuit breaker's failures and the Retry-After delay (carried as a status payload so that it
// survives redaction and the trip through ProviderGate and LlmStep).
//
//   situation                                         code                      class breaker 429
//   (rate_limit_exceeded, rate_limit_error)       ResourceExhausted+after   kRateLimited  no 429
//   with code insufficient_quota                  FailedPrecondition        kPermanent    no 408,
//   5xx (529 overloaded_error)                   Unavailable (+after)      kTransient    yes
//   transport failure, truncated stream, bad 2xx body Unavailable               kTransient    yes
//   timeout                                           DeadlineExceeded          kTimeout      yes
//   400/422, 401, 403, 404, other 4xx                 InvalidArgument, Unauthenticated,
//                                                     PermissionDenied, NotFound kPermanent   no
//   circuit open (ProviderGate)                       Unavailable + circuit-open payload      —
#pragma once

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "steps/http_client.h"
#include "steps/step_kind.h"

namespace flowline::ai::llm {

// The engine's retry class for a provider call's status (OK → kPermanent, never asked).
steps::ErrorClass ErrorClassOf(const absl::Status& status);
// The delay the provider asked for (payload "flowline/retry-after", seconds as text); nullopt
// when none.
std::optional<absl::Duration> RetryAfterOf(const absl::Status& status);
// Whether the failure says the provider is unwell (counts towards opening its circuit):
// Unavailable and DeadlineExceeded, except the breaker's own circuit-open status.
bool CountsAgainstProvider(const absl::Status& status);
// Whether the status is ProviderGate's "circuit open" refusal (no request was sent).
bool IsCircuitOpen(const absl::Status& status);
// `status` with the retry-after payload set to `after` (unchanged when nullopt or OK).
absl::Status WithRetryAfter(absl::Status status, std::optional<absl::Duration> after);
// The breaker's refusal: Unavailable with the circuit-open payload and retry-after
// `retry_after` (the time until the circuit lets a trial request through).
absl::Status CircuitOpenError(std::string_view message, absl::Duration retry_after);

// A non-2xx response → its status (OK for 2xx). Retry-After: `retry-after-ms` (Azure/OpenAI)
// wins over `retry-after` (seconds or HTTP-date, steps::ParseRetryAfter). Message:
// "<provider>: HTTP 429 rate_limit_error: <error message>" — the error message (OpenAI,
// Anthropic and Ollama envelopes; else the start of the body) cut to 300 bytes, valid UTF-8. The
// caller redacts (ModelProvider::Complete).
absl::Status StatusFromHttp(std::string_view provider, const steps::HttpResponse& response,
                            absl::Time now);

// `text` cut to at most `max_bytes` and made valid UTF-8 (invalid bytes become U+FFFD), so that
// it can go into a status message that ends up in JSON.
std::string Excerpt(std::string_view text, size_t max_bytes);

}  // namespace flowline::ai::llm
