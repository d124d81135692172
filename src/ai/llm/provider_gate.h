// Admission to one provider: its circuit breaker, its concurrency limit and its requests and
// tokens per minute, in that order, for every call the llm step makes.
//
//   ASSIGN_OR_RETURN(ProviderGate::Permit permit, gate.Admit(estimated_tokens, deadline));
//   absl::StatusOr<ModelResponse> response = provider.Complete(...);
//   permit.Finish(response.status(), response.ok() ? response->input_tokens + ... : 0);
//
// Admit() fails fast while the breaker is open; otherwise it waits for a concurrency slot
// (blocking the calling thread, until `deadline`), then for the rate limiter, sleeping through
// the injected Sleeper while the wait ends before `deadline` and failing with the wait as
// retry-after when it does not — so the engine's retry policy backs off instead of a worker
// sleeping past its step's deadline. The Permit holds the concurrency slot until it is finished
// or destroyed; Finish() tells the breaker and corrects the limiter's token estimate.
//
// The gate runs on its own clock (the ProviderSet's: the system clock in production, a fake in
// tests), never on a step's clock, which a replay stops at the run's creation. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ai/llm/circuit_breaker.h"
#include "ai/llm/provider_config.h"
#include "ai/llm/rate_limiter.h"
#include "common/clock.h"

namespace flowline::ai::llm {

// How the gate waits for the rate limiter: injected so tests never sleep.
class Sleeper {
 public:
  virtual ~Sleeper() = default;
  // Returns once `clock` reads `until` or later (at once if it already does).
  virtual void SleepUntil(const common::Clock& clock, absl::Time until) = 0;
};

// Sleeps in real time (absl::SleepFor(until − clock.Now())). A process-wide instance.
Sleeper& SystemSleeper();

// For tests: sleeping moves the fake clock forward to `until` (never back). No real sleep.
class FakeSleeper final : public Sleeper {
 public:
  explicit FakeSleeper(common::FakeClock& clock) : clock_(clock) {}
  void SleepUntil(const common::Clock& clock, absl::Time until) override;

 private:
  common::FakeClock& clock_;
  std::mutex mu_;
};

class ProviderGate {
 public:
  // `clock` and `sleeper` must outlive the gate.
  ProviderGate(std::string provider, ProviderLimits limits, BreakerOptions breaker,
               const common::Clock& clock, Sleeper& sleeper);
  ProviderGate(const ProviderGate&) = delete;
  ProviderGate& operator=(const ProviderGate&) = delete;

  // One admitted call. Movable; releases its concurrency slot when finished or destroyed (a
  // permit destroyed unfinished is a call never made: the breaker does not count it).
  class Permit {
   public:
    Permit(Permit&& other) noexcept;
    Permit& operator=(Permit&& other) noexcept;
    ~Permit();
    // The call's outcome: a failure CountsAgainstProvider (provider_errors.h) counts for the
    // breaker, anything else is a success; `actual_tokens` (input + output the provider
    // reported; 0 when it reported none) replaces the estimate in the tokens-per-minute window.
    // Once; later calls do nothing.
    void Finish(const absl::Status& outcome, int64_t actual_tokens);
    // When the limiter let the call start (the gate's clock).
    absl::Time started() const { return started_; }

   private:
    friend class ProviderGate;
    Permit(ProviderGate* gate, absl::Time started, int64_t estimated, bool probe)
        : gate_(gate), started_(started), estimated_(estimated), probe_(probe) {}
    void Drop();  // unfinished: release without telling the breaker

    ProviderGate* gate_ = nullptr;  // null once finished or moved from
    absl::Time started_;
    int64_t estimated_ = 0;
    bool probe_ = false;  // the half-open circuit's one probe
  };

  // Admission for a call estimated at `estimated_tokens` that must start before `deadline`
  // (the gate's clock). Errors:
  //  - Unavailable with the circuit-open payload (provider_errors.h IsCircuitOpen) and
  //    retry-after = reopens_at − now: the breaker is open; no waiting.
  //  - ResourceExhausted: no concurrency slot freed before the deadline (no retry-after: the
  //    engine's backoff applies), or the rate limiter's wait ends after it (retry-after = the
  //    wait; "openai: local limit of 500 requests/min reached ...").
  absl::StatusOr<Permit> Admit(int64_t estimated_tokens, absl::Time deadline);

  const std::string& provider() const { return provider_; }
  CircuitBreaker::State breaker_state() const { return breaker_.state(clock_.Now()); }
  const common::Clock& clock() const { return clock_; }

 private:
  void ReleaseSlot();

  const std::string provider_;
  const ProviderLimits limits_;
  const common::Clock& clock_;
  Sleeper& sleeper_;
  CircuitBreaker breaker_;
  RateLimiter limiter_;
  std::mutex start_mu_;  // clock read + limiter start, together
  std::mutex mu_;
  std::condition_variable slot_freed_;
  int in_flight_ = 0;  // guarded by mu_
};

// The token estimate of a request for limits: (bytes of system + messages + schema) / 4 +
// max_tokens (about four bytes a token in English; the output may use all of max_tokens).
struct ModelRequest;
int64_t EstimateTokens(const ModelRequest& request);

}  // namespace flowline::ai::llm
