#include "ai/llm/rate_limiter.h"

#include <algorithm>

namespace flowline::ai::llm {
namespace {

constexpr absl::Duration kWindow = absl::Minutes(1);

}  // namespace

RateLimiter::RateLimiter(ProviderLimits limits) : limits_(limits) {}

void RateLimiter::Expire(absl::Time now) {
  // A start at exactly now − 60 s is out: the window is (now − 60 s, now], so the request that
  // waited "exactly 60 s" for the oldest one to leave may start.
  while (!starts_.empty() && starts_.front().at <= now - kWindow) {
    tokens_ -= starts_.front().tokens;
    starts_.pop_front();
  }
}

absl::Duration RateLimiter::TryAcquire(absl::Time now, int64_t tokens) {
  tokens = std::max<int64_t>(tokens, 0);
  std::lock_guard<std::mutex> lock(mu_);
  // Callers read their clock before taking the lock: keep the starts in time order.
  if (!starts_.empty()) now = std::max(now, starts_.back().at);
  Expire(now);
  absl::Duration wait = absl::ZeroDuration();
  const auto count = static_cast<int64_t>(starts_.size());
  if (limits_.requests_per_minute > 0 && count >= limits_.requests_per_minute) {
    // Enough of the oldest starts must leave that count − left < limit.
    const Start& leaving = starts_[static_cast<size_t>(count - limits_.requests_per_minute)];
    wait = std::max(wait, leaving.at + kWindow - now);
  }
  if (limits_.tokens_per_minute > 0 && tokens_ + tokens > limits_.tokens_per_minute) {
    // A request above the whole budget waits for an empty window instead of forever.
    const int64_t must_free = std::min(tokens_, tokens_ + tokens - limits_.tokens_per_minute);
    int64_t freed = 0;
    for (const Start& start : starts_) {
      if (must_free <= 0) break;
      freed += start.tokens;
      if (freed >= must_free) {
        wait = std::max(wait, start.at + kWindow - now);
        break;
      }
    }
  }
  if (wait > absl::ZeroDuration()) return wait;
  starts_.push_back({now, tokens});
  tokens_ += tokens;
  return absl::ZeroDuration();
}

void RateLimiter::Correct(absl::Time started, int64_t estimated, int64_t actual) {
  actual = std::max<int64_t>(actual, 0);
  std::lock_guard<std::mutex> lock(mu_);
  // Starts are in time order; several with the same time and estimate are interchangeable.
  auto it = std::lower_bound(starts_.begin(), starts_.end(), started,
                             [](const Start& s, absl::Time t) { return s.at < t; });
  for (; it != starts_.end() && it->at == started; ++it) {
    if (it->tokens == estimated) {
      tokens_ += actual - it->tokens;
      it->tokens = actual;
      return;
    }
  }
}

}  // namespace flowline::ai::llm
