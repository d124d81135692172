#include "ai/llm/circuit_breaker.h"

#include <gtest/gtest.h>

namespace flowline::ai::llm {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

BreakerOptions Options() {
  BreakerOptions options;
  options.failures = 5;
  options.open_for = absl::Seconds(30);
  return options;
}

// Opens the breaker with five failures at kT0.
void Trip(CircuitBreaker& breaker) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(breaker.Allow(kT0));
    breaker.Record(true, kT0);
  }
  ASSERT_EQ(breaker.state(kT0), CircuitBreaker::State::kOpen);
}

TEST(CircuitBreakerTest, OpensAfterConsecutiveFailures) {
  CircuitBreaker breaker(Options(), "openai");
  for (int i = 0; i < 4; ++i) breaker.Record(true, kT0);
  breaker.Record(false, kT0);  // a success resets the count
  EXPECT_EQ(breaker.state(kT0), CircuitBreaker::State::kClosed);
  for (int i = 0; i < 4; ++i) breaker.Record(true, kT0);
  EXPECT_EQ(breaker.state(kT0), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(breaker.Allow(kT0));
  breaker.Record(true, kT0);
  EXPECT_EQ(breaker.state(kT0), CircuitBreaker::State::kOpen);
  EXPECT_EQ(breaker.consecutive_failures(), 5);
  EXPECT_EQ(breaker.reopens_at(), kT0 + absl::Seconds(30));
  EXPECT_FALSE(breaker.Allow(kT0 + absl::Seconds(29)));
  // Results of calls admitted before it opened change nothing.
  breaker.Record(false, kT0 + absl::Seconds(1));
  EXPECT_EQ(breaker.state(kT0 + absl::Seconds(1)), CircuitBreaker::State::kOpen);
}

TEST(CircuitBreakerTest, HalfOpenAdmitsExactlyOne) {
  CircuitBreaker breaker(Options(), "openai");
  Trip(breaker);
  const absl::Time later = kT0 + absl::Seconds(30);
  EXPECT_EQ(breaker.state(later), CircuitBreaker::State::kHalfOpen);
  bool probe = false;
  EXPECT_TRUE(breaker.Allow(later, &probe));
  EXPECT_TRUE(probe);
  EXPECT_FALSE(breaker.Allow(later, &probe));
  EXPECT_FALSE(probe);
  EXPECT_FALSE(breaker.Allow(later + absl::Seconds(100)));
  // A probe given up before it was sent hands the turn on.
  breaker.Abandon();
  EXPECT_TRUE(breaker.Allow(later, &probe));
  EXPECT_TRUE(probe);
  EXPECT_FALSE(breaker.Allow(later));
}

TEST(CircuitBreakerTest, HalfOpenSuccessCloses) {
  CircuitBreaker breaker(Options(), "openai");
  Trip(breaker);
  const absl::Time later = kT0 + absl::Seconds(31);
  ASSERT_TRUE(breaker.Allow(later));
  breaker.Record(false, later);
  EXPECT_EQ(breaker.state(later), CircuitBreaker::State::kClosed);
  EXPECT_EQ(breaker.consecutive_failures(), 0);
  EXPECT_TRUE(breaker.Allow(later));
  EXPECT_TRUE(breaker.Allow(later));
  // Closed again: it takes five new failures to open it.
  for (int i = 0; i < 4; ++i) breaker.Record(true, later);
  EXPECT_EQ(breaker.state(later), CircuitBreaker::State::kClosed);
}

TEST(CircuitBreakerTest, HalfOpenFailureReopens) {
  CircuitBreaker breaker(Options(), "openai");
  Trip(breaker);
  const absl::Time later = kT0 + absl::Seconds(45);
  ASSERT_TRUE(breaker.Allow(later));
  breaker.Record(true, later);
  EXPECT_EQ(breaker.state(later), CircuitBreaker::State::kOpen);
  EXPECT_EQ(breaker.reopens_at(), later + absl::Seconds(30));
  EXPECT_FALSE(breaker.Allow(later + absl::Seconds(29)));
  EXPECT_TRUE(breaker.Allow(later + absl::Seconds(30)));
}

}  // namespace
}  // namespace flowline::ai::llm
