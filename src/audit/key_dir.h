// The audit key directory: where an installation keeps the key that signs checkpoints and the
// key that makes personal-data digests (docs/audit.md, "Keys").
//
//   <dir>/signing.key   Ed25519 private key, PEM, mode 0600
//   <dir>/signing.pub   its public key, PEM, mode 0644: give a copy to whoever verifies
//   <dir>/personal.key  32 random bytes (hex), mode 0600: the HMAC key of personal data digests
//
// The directory (mode 0700) and the keys are made on first use. Two processes making them at
// once agree on one: each key file appears atomically (written aside, then hard-linked into
// place, which fails if the other process got there first).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "audit/keys.h"

namespace flowline::audit {

// "<store_path>.keys": the default key directory, beside the store's database.
std::string DefaultKeyDir(const std::string& store_path);

// The path of the public key file in `dir`.
std::string PublicKeyPath(const std::string& dir);

// The signing key in `dir`, made first if there is none. FailedPrecondition if the private key
// file can be read by group or others (it must be 0600), InvalidArgument if it is not an Ed25519
// key, and the file system's errors.
absl::StatusOr<SigningKey> LoadOrCreateSigningKey(const std::string& dir);

// The personal data key in `dir` (raw bytes), made first if there is none. Errors as above.
absl::StatusOr<std::string> LoadOrCreatePersonalDataKey(const std::string& dir);

// A public key file (PEM). NotFound with how to get one if it does not exist.
absl::StatusOr<PublicKey> ReadPublicKeyFile(const std::string& path);

}  // namespace flowline::audit
