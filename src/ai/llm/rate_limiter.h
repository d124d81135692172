// A provider's requests-per-minute and tokens-per-minute limits, as a sliding window over the
// last 60 seconds.
//
// A sliding window, not a token bucket: a bucket of N per minute lets up to 2N through within
// one 60-second window (a full bucket, then its refill), while providers count windows. Here a
// request may start at `now` only if the requests and tokens that started in (now − 60 s, now],
// plus this one, stay within the limits; so every 60-second window of start times holds at most
// the limit. Token counts are estimates when a request starts; Correct() replaces an estimate
// with the usage the provider reported, so an over-estimate frees its surplus at once.
//
// A request estimated above the whole tokens-per-minute budget could never fit: it is admitted
// alone, into a window with no other tokens (otherwise it would wait forever).
//
// Thread-safe. Time is passed in (the caller's clock), nothing here sleeps.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>

#include "absl/time/time.h"
#include "ai/llm/provider_config.h"

namespace flowline::ai::llm {

class RateLimiter {
 public:
  explicit RateLimiter(ProviderLimits limits);

  // Zero if a request of `tokens` may start at `now`, and records it as started; otherwise how
  // long to wait before it may (nothing recorded). Limits of 0 are no limit.
  absl::Duration TryAcquire(absl::Time now, int64_t tokens);
  // The request recorded at `started` with `estimated` tokens used `actual`: the window counts
  // `actual` from now on. No effect once the request has left the window.
  void Correct(absl::Time started, int64_t estimated, int64_t actual);

 private:
  struct Start {
    absl::Time at;
    int64_t tokens;
  };
  void Expire(absl::Time now);  // drops starts at or before now − 60 s; mu_ held

  const ProviderLimits limits_;
  std::mutex mu_;
  std::deque<Start> starts_;  // in order of start time
  int64_t tokens_ = 0;        // sum of starts_[i].tokens
};

}  // namespace flowline::ai::llm
