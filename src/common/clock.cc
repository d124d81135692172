#include "common/clock.h"

#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

namespace flowline::common {

SystemClock& SystemClock::Get() {
  static SystemClock* clock = new SystemClock();
  return *clock;
}

double SystemRandom::Uniform() {
  return static_cast<double>(Next64() >> 11) * 0x1.0p-53;  // 53 random bits in [0, 1)
}

uint64_t SystemRandom::Next64() {
  uint64_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value)) != 1) {
    std::fprintf(stderr, "flowline: the operating system's random number generator failed\n");
    std::abort();
  }
  return value;
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
