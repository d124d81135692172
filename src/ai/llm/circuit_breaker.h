// A provider's circuit breaker: after `failures` consecutive failed calls it opens, and while
// open the caller fails fast (the llm step routes the case to a person instead of waiting on a
// provider that is down). After `open_for` it lets exactly one call through (half-open): its
// success closes the circuit, its failure opens it again for another `open_for`.
//
// What counts as a failure is the caller's decision (provider_errors.h CountsAgainstProvider:
// 5xx, timeouts, transport errors, malformed bodies; not 429s or 4xx, which a working provider
// sends). Results recorded while open are ignored (calls admitted before it opened); in
// half-open the first result recorded decides.
//
// Transitions are logged at info ("llm provider NAME circuit open (5 consecutive failures)").
// Thread-safe. Time is passed in (the caller's clock).
#pragma once

#include <mutex>
#include <string>

#include "absl/time/time.h"
#include "ai/llm/provider_config.h"

namespace flowline::ai::llm {

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  explicit CircuitBreaker(BreakerOptions options, std::string provider = "");

  // Closed: true. Open: false until `open_for` has passed, then half-open, and exactly one
  // caller gets true (the probe) until a result is recorded or the probe is abandoned.
  // `probe`, when given, is set to whether this caller is that probe.
  bool Allow(absl::Time now, bool* probe = nullptr);
  // The outcome of a call that Allow() let through. Closed: `failures` consecutive failures
  // open the circuit, a success resets the count. Half-open: a success closes, a failure opens
  // again until now + open_for. Open: ignored.
  void Record(bool failure, absl::Time now);
  // The probe Allow() let through was never made (the caller gave up before sending): a
  // half-open circuit lets the next caller probe instead.
  void Abandon();

  // kHalfOpen once an open circuit's `open_for` has passed, even before anyone asked.
  State state(absl::Time now) const;
  // When an open circuit lets a probe through; meaningless when closed.
  absl::Time reopens_at() const;
  // Consecutive failures counted so far (the number that opened the circuit while open).
  int consecutive_failures() const;

 private:
  void Open(absl::Time now);  // mu_ held

  const BreakerOptions options_;
  const std::string provider_;
  mutable std::mutex mu_;
  State state_ = State::kClosed;
  int failures_ = 0;
  bool probe_in_flight_ = false;
  absl::Time reopens_at_ = absl::InfinitePast();
};

const char* CircuitStateName(CircuitBreaker::State state);

}  // namespace flowline::ai::llm
