#include "ai/llm/circuit_breaker.h"

#include <utility>

#include "spdlog/spdlog.h"

namespace flowline::ai::llm {

const char* CircuitStateName(CircuitBreaker::State state) {
  switch (state) {
    case CircuitBreaker::State::kClosed:
      return "closed";
    case CircuitBreaker::State::kOpen:
      return "open";
    case CircuitBreaker::State::kHalfOpen:
      return "half-open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(BreakerOptions options, std::string provider)
    : options_(options), provider_(std::move(provider)) {}

void CircuitBreaker::Open(absl::Time now) {
  state_ = State::kOpen;
  probe_in_flight_ = false;
  reopens_at_ = now + options_.open_for;
  spdlog::info("llm provider {} circuit {} ({} consecutive failures)", provider_,
               CircuitStateName(state_), failures_);
}

bool CircuitBreaker::Allow(absl::Time now, bool* probe) {
  std::lock_guard<std::mutex> lock(mu_);
  if (probe != nullptr) *probe = false;
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (now < reopens_at_) return false;
      state_ = State::kHalfOpen;
      spdlog::info("llm provider {} circuit {} ({} consecutive failures)", provider_,
                   CircuitStateName(state_), failures_);
      probe_in_flight_ = true;
      if (probe != nullptr) *probe = true;
      return true;
    case State::kHalfOpen:
      if (probe_in_flight_) return false;
      probe_in_flight_ = true;
      if (probe != nullptr) *probe = true;
      return true;
  }
  return false;
}

void CircuitBreaker::Record(bool failure, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  switch (state_) {
    case State::kClosed:
      if (!failure) {
        failures_ = 0;
      } else if (options_.failures > 0 && ++failures_ >= options_.failures) {
        Open(now);
      }
      return;
    case State::kHalfOpen:
      if (failure) {
        ++failures_;
        Open(now);
      } else {
        state_ = State::kClosed;
        failures_ = 0;
        probe_in_flight_ = false;
        spdlog::info("llm provider {} circuit {} ({} consecutive failures)", provider_,
                     CircuitStateName(state_), failures_);
      }
      return;
    case State::kOpen:
      return;  // a call admitted before the circuit opened
  }
}

void CircuitBreaker::Abandon() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kHalfOpen) probe_in_flight_ = false;
}

CircuitBreaker::State CircuitBreaker::state(absl::Time now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ == State::kOpen && now >= reopens_at_) return State::kHalfOpen;
  return state_;
}

absl::Time CircuitBreaker::reopens_at() const {
  std::lock_guard<std::mutex> lock(mu_);
  return reopens_at_;
}

int CircuitBreaker::consecutive_failures() const {
  std::lock_guard<std::mutex> lock(mu_);
  return failures_;
}

}  // namespace flowline::ai::llm
