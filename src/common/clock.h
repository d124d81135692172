// Time and randomness, injected so that tests are deterministic.
//
// Every subsystem that needs "now" or a random number takes a Clock& / Random& instead of
// calling the system. SystemClock and SystemRandom are thread-safe; FakeClock is thread-safe
// and only moves when a test advances it.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <random>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace flowline::common {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  // A process-wide instance.
  static SystemClock& Get();
};

// A clock that stands still until Advance() or Set() is called.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1'700'000'000)) : now_(start) {}
  absl::Time Now() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  void Advance(absl::Duration d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
  }
  void Set(absl::Time t) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ = t;
  }

 private:
  mutable std::mutex mu_;
  absl::Time now_;
};

class Random {
 public:
  virtual ~Random() = default;
  // A uniformly distributed number in [0, 1).
  virtual double Uniform() = 0;
  // 64 random bits.
  virtual uint64_t Next64() = 0;
};

// The operating system's CSPRNG (OpenSSL RAND_bytes): unpredictable, so fit for secrets such as
// API tokens as well as ids and jitter. Thread-safe. Aborts the process if the CSPRNG fails:
// issuing a guessable secret is worse than stopping.
class SystemRandom final : public Random {
 public:
  double Uniform() override;
  uint64_t Next64() override;
  static SystemRandom& Get();
};

// Deterministic sequence from a seed; thread-safe.
class SeededRandom final : public Random {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  double Uniform() override;
  uint64_t Next64() override;

 private:
  std::mutex mu_;
  std::mt19937_64 engine_;
};

}  // namespace flowline::common
