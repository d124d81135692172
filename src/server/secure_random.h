// A common::Random drawn from the operating system's CSPRNG (OpenSSL RAND_bytes).
//
// common::SystemRandom is a seeded Mersenne Twister: fine for jitter and ids, but predictable to
// anyone who sees enough of its output, so it must not mint secrets. Pass a SecureRandom to
// TokenAuthority (and ApiServer) in production; tests may pass a SeededRandom.
//
// Thread-safety: thread-safe (RAND_bytes is).
#pragma once

#include <cstdint>

#include "common/clock.h"

namespace flowline::server {

class SecureRandom final : public common::Random {
 public:
  double Uniform() override;
  // Aborts the process if the CSPRNG fails: issuing a guessable secret is worse than stopping.
  uint64_t Next64() override;
};

}  // namespace flowline::server
