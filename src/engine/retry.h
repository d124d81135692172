// When to try a failed attempt again: the one place that decides what is retryable.
#pragma once

#include <optional>

#include "absl/time/time.h"
#include "common/clock.h"
#include "engine/spec.h"
#include "steps/step_kind.h"

namespace flowline::engine {

// The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed:
// initial × multiplier^(attempt-1), capped at max; with jitter, "equal jitter" (half fixed, half
// uniformly random) so that retries of many runs spread out; never shorter than the server's
// Retry-After.
absl::Duration RetryDelay(const RetryPolicy& policy, int attempt,
                          std::optional<absl::Duration> retry_after, common::Random& random);

// True if the policy retries this class of error and attempts remain.
bool ShouldRetry(const RetryPolicy& policy, int attempt, steps::ErrorClass error_class);

}  // namespace flowline::engine
