#include "server/secure_random.h"

#include <openssl/rand.h>

#include <cstdlib>

#include "spdlog/spdlog.h"

namespace flowline::server {

uint64_t SecureRandom::Next64() {
  uint64_t value = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&value), sizeof(value)) != 1) {
    spdlog::critical("the system's random number generator failed");
    std::abort();
  }
  return value;
}

double SecureRandom::Uniform() {
  // The top 53 bits make every double in [0, 1) with a 2^-53 spacing equally likely.
  return static_cast<double>(Next64() >> 11) * 0x1.0p-53;
}

}  // namespace flowline::server
