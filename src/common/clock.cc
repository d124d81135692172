#include "common/clock.h"

namespace flowline::common {

SystemClock& SystemClock::Get() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

SystemRandom::SystemRandom() : engine_(std::random_device{}()) {}

double SystemRandom::Uniform() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

uint64_t SystemRandom::Next64() {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_();
}

SystemRandom& SystemRandom::Get() {
  static SystemRandom* random = new SystemRandom();
  return *random;
}

double SeededRandom::Uniform() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine_);
}

uint64_t SeededRandom::Next64() {
  std::lock_guard<std::mutex> lock(mu_);
  return engine_();
}

}  // namespace flowline::common
