#include "ai/llm/rate_limiter.h"

#include <gtest/gtest.h>

namespace flowline::ai::llm {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

ProviderLimits Limits(int64_t requests_per_minute, int64_t tokens_per_minute) {
  ProviderLimits limits;
  limits.requests_per_minute = requests_per_minute;
  limits.tokens_per_minute = tokens_per_minute;
  return limits;
}

TEST(RateLimiterTest, RequestsPerMinuteSlidingWindow) {
  RateLimiter limiter(Limits(3, 0));
  EXPECT_EQ(limiter.TryAcquire(kT0, 10), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0, 10), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0, 10), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0, 10), absl::Seconds(60));
  // A refused request is not recorded: asking again later waits only for what is left.
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(59), 10), absl::Seconds(1));
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(60), 10), absl::ZeroDuration());
  // The window slides: one start at t0+60 s, so two more fit now and the next waits for it.
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(61), 10), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(70), 10), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(71), 10), absl::Seconds(49));
}

TEST(RateLimiterTest, TokensPerMinuteWithCorrection) {
  RateLimiter limiter(Limits(0, 1000));
  EXPECT_EQ(limiter.TryAcquire(kT0, 1000), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(5), 800), absl::Seconds(55));
  // The call used 200 tokens, not the 1000 estimated: the freed 800 admit the next one at once.
  limiter.Correct(kT0, 1000, 200);
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(5), 800), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(6), 1), absl::Seconds(54));
  // Tokens leave the window with their request.
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(60), 200), absl::ZeroDuration());
}

TEST(RateLimiterTest, RequestAboveTheWholeBudgetRunsAloneInsteadOfNever) {
  RateLimiter limiter(Limits(0, 1000));
  EXPECT_EQ(limiter.TryAcquire(kT0, 100), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(1), 5000), absl::Seconds(59));
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(60), 5000), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(61), 1), absl::Seconds(59));
}

TEST(RateLimiterTest, BothLimitsTheLongerWaitWins) {
  RateLimiter limiter(Limits(2, 1000));
  EXPECT_EQ(limiter.TryAcquire(kT0, 900), absl::ZeroDuration());
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(30), 50), absl::ZeroDuration());
  // Requests: the oldest leaves at t0+60 s; tokens: 900 + 50 + 100 > 1000, also t0+60 s.
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(40), 100), absl::Seconds(20));
  // At t0+60 s one request (t0+30 s) and 50 tokens are left: 960 more tokens do not fit until
  // that one leaves too.
  EXPECT_EQ(limiter.TryAcquire(kT0 + absl::Seconds(60), 960), absl::Seconds(30));
}

TEST(RateLimiterTest, NoLimitsNeverWait) {
  RateLimiter limiter(ProviderLimits{});
  for (int i = 0; i < 1000; ++i)
    EXPECT_EQ(limiter.TryAcquire(kT0, 1'000'000), absl::ZeroDuration());
}

}  // namespace
}  // namespace flowline::ai::llm
