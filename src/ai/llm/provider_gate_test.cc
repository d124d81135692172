#include "ai/llm/provider_gate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

#include "ai/llm/model_provider.h"
#include "ai/llm/provider_errors.h"

namespace flowline::ai::llm {
namespace {

ProviderLimits Limits(int concurrency, int64_t requests_per_minute, int64_t tokens_per_minute) {
  ProviderLimits limits;
  limits.concurrency = concurrency;
  limits.requests_per_minute = requests_per_minute;
  limits.tokens_per_minute = tokens_per_minute;
  return limits;
}

BreakerOptions Breaker(int failures, absl::Duration open_for) {
  BreakerOptions options;
  options.failures = failures;
  options.open_for = open_for;
  return options;
}

TEST(ProviderGateTest, ConcurrencyAndRateUnderThreads) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  ProviderGate gate("openai", Limits(4, 20, 5000), BreakerOptions{}, clock, sleeper);
  constexpr int kThreads = 16;
  constexpr int kCalls = 10;
  constexpr int64_t kTokens = 300;  // 5000 tokens/min admit 16 a minute, 20 requests/min 20
  std::atomic<int> in_flight = 0;
  std::atomic<int> max_in_flight = 0;
  std::mutex mu;
  std::vector<absl::Time> starts;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCalls; ++i) {
        absl::StatusOr<ProviderGate::Permit> permit = gate.Admit(kTokens, absl::InfiniteFuture());
        ASSERT_TRUE(permit.ok()) << permit.status();
        const int now_in_flight = ++in_flight;
        int seen = max_in_flight.load();
        while (now_in_flight > seen && !max_in_flight.compare_exchange_weak(seen, now_in_flight)) {
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          starts.push_back(permit->started());
        }
        std::this_thread::yield();
        --in_flight;
        permit->Finish(absl::OkStatus(), kTokens);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  ASSERT_EQ(starts.size(), static_cast<size_t>(kThreads * kCalls));  // all eventually admitted
  EXPECT_LE(max_in_flight.load(), 4);
  EXPECT_GE(max_in_flight.load(), 1);
  std::sort(starts.begin(), starts.end());
  for (size_t i = 0; i < starts.size(); ++i) {
    // Every 60-second window [starts[i], starts[i] + 60 s) of start times.
    const size_t end = static_cast<size_t>(
        std::lower_bound(starts.begin(), starts.end(), starts[i] + absl::Seconds(60)) -
        starts.begin());
    EXPECT_LE(end - i, 16u) << "window from start " << i;  // tokens bind first: 16 × 300 ≤ 5000
    EXPECT_LE(static_cast<int64_t>(end - i) * kTokens, 5000);
    EXPECT_LE(end - i, 20u);
  }
  // The limiter, not luck, spread them: 160 calls at 16 a minute take at least 9 minutes.
  EXPECT_GE(starts.back() - starts.front(), absl::Minutes(9));
}

TEST(ProviderGateTest, DeadlineTooSoonIsResourceExhaustedWithRetryAfter) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  ProviderGate gate("openai", Limits(0, 1, 0), BreakerOptions{}, clock, sleeper);
  const absl::Time t0 = clock.Now();
  {
    absl::StatusOr<ProviderGate::Permit> first = gate.Admit(100, t0 + absl::Hours(1));
    ASSERT_TRUE(first.ok()) << first.status();
    EXPECT_EQ(first->started(), t0);
    first->Finish(absl::OkStatus(), 100);
  }
  absl::StatusOr<ProviderGate::Permit> refused = gate.Admit(100, t0 + absl::Seconds(10));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(RetryAfterOf(refused.status()), absl::Seconds(60));
  EXPECT_NE(refused.status().message().find("openai: local limit of 1 requests/min reached"),
            absl::string_view::npos)
      << refused.status();
  EXPECT_EQ(clock.Now(), t0);  // refused at once, no sleep

  // A wait that ends before the deadline is slept through (the fake sleeper moves the clock).
  absl::StatusOr<ProviderGate::Permit> waited = gate.Admit(100, t0 + absl::Minutes(2));
  ASSERT_TRUE(waited.ok()) << waited.status();
  EXPECT_EQ(waited->started(), t0 + absl::Seconds(60));
  EXPECT_EQ(clock.Now(), t0 + absl::Seconds(60));
}

TEST(ProviderGateTest, ConcurrencySlotIsHeldUntilFinishedOrDestroyed) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  ProviderGate gate("local", Limits(1, 0, 0), BreakerOptions{}, clock, sleeper);
  absl::StatusOr<ProviderGate::Permit> held = gate.Admit(10, absl::InfiniteFuture());
  ASSERT_TRUE(held.ok());
  // No slot frees before the deadline (real time: the fake clock does not move while waiting).
  absl::StatusOr<ProviderGate::Permit> busy = gate.Admit(10, clock.Now() + absl::Milliseconds(20));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(busy.status().message().find("limits.concurrency"), absl::string_view::npos);

  std::thread waiter([&] {
    absl::StatusOr<ProviderGate::Permit> next = gate.Admit(10, absl::InfiniteFuture());
    EXPECT_TRUE(next.ok());
  });
  { ProviderGate::Permit moved = *std::move(held); }  // destroyed unfinished: slot released
  waiter.join();
  absl::StatusOr<ProviderGate::Permit> again = gate.Admit(10, absl::InfiniteFuture());
  EXPECT_TRUE(again.ok());
}

TEST(ProviderGateTest, OpenBreakerIsCircuitOpenStatus) {
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  ProviderGate gate("openai", ProviderLimits{}, Breaker(2, absl::Seconds(30)), clock, sleeper);
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<ProviderGate::Permit> permit = gate.Admit(10, absl::InfiniteFuture());
    ASSERT_TRUE(permit.ok());
    permit->Finish(absl::UnavailableError("openai: HTTP 500 server_error"), 0);
  }
  EXPECT_EQ(gate.breaker_state(), CircuitBreaker::State::kOpen);
  const absl::Time opened = clock.Now();
  clock.Advance(absl::Seconds(10));
  absl::StatusOr<ProviderGate::Permit> refused = gate.Admit(10, absl::InfiniteFuture());
  ASSERT_FALSE(refused.ok());
  EXPECT_TRUE(IsCircuitOpen(refused.status())) << refused.status();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfterOf(refused.status()), absl::Seconds(20));  // reopens_at − now
  EXPECT_NE(refused.status().message().find(absl::StrCat(
                "provider openai is unavailable: circuit open after 2 failures, "
                "retrying it at ",
                absl::FormatTime("%H:%M:%SZ", opened + absl::Seconds(30), absl::UTCTimeZone()))),
            absl::string_view::npos)
      << refused.status();

  // 429s and 400s come from a working provider: they do not count.
  clock.Advance(absl::Seconds(20));
  absl::StatusOr<ProviderGate::Permit> probe = gate.Admit(10, absl::InfiniteFuture());
  ASSERT_TRUE(probe.ok()) << probe.status();
  EXPECT_TRUE(IsCircuitOpen(gate.Admit(10, absl::InfiniteFuture()).status()));
  probe->Finish(absl::ResourceExhaustedError("openai: HTTP 429"), 0);
  EXPECT_EQ(gate.breaker_state(), CircuitBreaker::State::kClosed);
  EXPECT_TRUE(gate.Admit(10, absl::InfiniteFuture()).ok());
}

TEST(ProviderGateTest, EstimateIsAQuarterOfThePromptBytesPlusMaxTokens) {
  ModelRequest request;
  request.system = std::string(40, 's');
  request.messages.push_back({ChatMessage::Role::kUser, std::string(400, 'u')});
  request.schema = Json::object();  // "{}": 2 bytes
  request.max_tokens = 1000;
  EXPECT_EQ(EstimateTokens(request), (40 + 400 + 2) / 4 + 1000);
}

}  // namespace
}  // namespace flowline::ai::llm
