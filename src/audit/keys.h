// audit/: the tamper-evident decision record's keys, checkpoints, verification, export,
// retention and personal data (docs/audit.md).
//
// This header: Ed25519 keys (OpenSSL). A SigningKey signs the chain's head (checkpoints.h); a
// PublicKey checks those signatures. Keys are kept as PEM files (PKCS#8 private key,
// SubjectPublicKeyInfo public key) in an audit key directory (key_dir.h).
//
// Thread-safety: both classes are immutable after creation; Sign() and Verify() may be called
// from any number of threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

struct evp_pkey_st;

namespace flowline::audit {

class PublicKey {
 public:
  // Reads a PEM public key. InvalidArgument (naming `where`) unless it is an Ed25519 key.
  static absl::StatusOr<PublicKey> FromPem(std::string_view pem, std::string_view where);

  // True if `signature` is this key's Ed25519 signature of `message`.
  bool Verify(std::string_view message, std::string_view signature) const;
  std::string ToPem() const;
  // "ed25519:" and the first 16 hex digits of SHA-256 of the raw 32-byte key: names the key in
  // checkpoints and messages.
  const std::string& id() const { return id_; }

 private:
  friend class SigningKey;
  explicit PublicKey(std::shared_ptr<evp_pkey_st> key);
  std::shared_ptr<evp_pkey_st> key_;
  std::string id_;
};

class SigningKey {
 public:
  // A fresh key from the operating system's randomness.
  static absl::StatusOr<SigningKey> Generate();
  // Reads a PEM private key. InvalidArgument (naming `where`) unless it is an Ed25519 key.
  static absl::StatusOr<SigningKey> FromPem(std::string_view pem, std::string_view where);

  // The 64-byte Ed25519 signature of `message`.
  absl::StatusOr<std::string> Sign(std::string_view message) const;
  std::string ToPem() const;
  const PublicKey& public_key() const { return public_key_; }

 private:
  SigningKey(std::shared_ptr<evp_pkey_st> key, PublicKey public_key)
      : key_(std::move(key)), public_key_(std::move(public_key)) {}
  std::shared_ptr<evp_pkey_st> key_;
  PublicKey public_key_;
};

}  // namespace flowline::audit
