// Identifiers and digests.
//
// NewId() makes time-ordered, URL-safe ids (like ULIDs): 48 bits of milliseconds and 80 random
// bits, in Crockford base32, with a prefix ("run_", "task_"). Sorting ids sorts by creation time.
// Sha256Hex() is the content hash used for versions, input digests and token hashes.
#pragma once

#include <string>
#include <string_view>

#include "absl/time/time.h"
#include "common/clock.h"

namespace flowline::common {

std::string NewId(std::string_view prefix, absl::Time now, Random& random);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// `n` random bytes as URL-safe base64 without padding (for secrets such as API tokens).
std::string RandomToken(size_t n, Random& random);

// Constant-time comparison of two strings (for secrets and signatures).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

}  // namespace flowline::common
