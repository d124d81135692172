// Signed checkpoints of the decision record's chain: an Ed25519 signature over the head's seq and
// hash, so that nobody without the signing key can rewrite or cut the records it covers without
// `flowline audit verify` noticing (docs/audit.md, "Threat model").
//
// The signed message, version 1, is the bytes
//
//   "flowline.checkpoint.v1" 0x00
//   seq        8 bytes, unsigned big-endian
//   hash       32 bytes: the hash of record `seq`
//   signed_at  8 bytes, signed big-endian microseconds since the Unix epoch
//   cut        1 byte: 1 for a retention cut, else 0
//   reason     4-byte big-endian length, then the bytes
//
// `cut` is signed so that an ordinary checkpoint cannot be passed off as a retention cut (which
// would excuse the removal of every record before it).
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/keys.h"
#include "store/store.h"

namespace flowline::audit {

std::string CheckpointMessage(const store::Checkpoint& checkpoint);

// A checkpoint of record `seq` with `hash`, signed by `key` at `now`.
absl::StatusOr<store::Checkpoint> SignCheckpoint(const SigningKey& key, int64_t seq,
                                                 const std::string& hash, absl::Time now,
                                                 const std::string& reason, bool cut);

// OK if `trusted` signed `checkpoint` as it stands; otherwise Unauthenticated saying why (another
// key, or a signature that does not match: the checkpoint was altered or forged).
absl::Status CheckSignature(const PublicKey& trusted, const store::Checkpoint& checkpoint);

// Signs the chain's head if it moved since the last checkpoint (or there is none yet) and keeps
// the checkpoint in the store. Returns it, or nullopt when there was nothing new to sign (an
// empty chain, or a head already signed).
absl::StatusOr<std::optional<store::Checkpoint>> CheckpointHead(store::Store& store,
                                                                const SigningKey& key,
                                                                absl::Time now,
                                                                const std::string& reason);

}  // namespace flowline::audit
