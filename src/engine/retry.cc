#include "engine/retry.h"

#include <algorithm>
#include <cmath>

namespace flowline::engine {

absl::Duration RetryDelay(const RetryPolicy& policy, int attempt,
                          std::optional<absl::Duration> retry_after, common::Random& random) {
  double factor = std::pow(policy.multiplier, std::max(0, attempt - 1));
  absl::Duration delay = policy.initial_backoff * factor;
  if (delay > policy.max_backoff || delay < absl::ZeroDuration()) delay = policy.max_backoff;
  if (policy.jitter) delay = delay / 2 + (delay / 2) * random.Uniform();
  if (retry_after.has_value() && *retry_after > delay) delay = *retry_after;
  return delay;
}

bool ShouldRetry(const RetryPolicy& policy, int attempt, steps::ErrorClass error_class) {
  if (attempt >= policy.attempts) return false;
  return std::find(policy.on.begin(), policy.on.end(), error_class) != policy.on.end();
}

}  // namespace flowline::engine
