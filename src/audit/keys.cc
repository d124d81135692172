#include "audit/keys.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::audit {
namespace {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

PkeyPtr Own(EVP_PKEY* key) { return PkeyPtr(key, EVP_PKEY_free); }

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

BioPtr ReadBio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<size_t>(size)) : std::string();
}

absl::Status NotEd25519(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(where), " does not hold an Ed25519 ", Sv(what),
      " in PEM form (-----BEGIN ...-----); audit keys are made by flowline on first use, or "
      "with `openssl genpkey -algorithm ed25519`"));
}

std::string KeyId(EVP_PKEY* key) {
  unsigned char raw[32];
  size_t size = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &size) != 1) return "ed25519:unknown";
  return absl::StrCat(
      "ed25519:",
      common::Sha256Hex(std::string_view(reinterpret_cast<const char*>(raw), size)).substr(0, 16));
}

}  // namespace

PublicKey::PublicKey(std::shared_ptr<evp_pkey_st> key)
    : key_(std::move(key)), id_(KeyId(key_.get())) {}

absl::StatusOr<PublicKey> PublicKey::FromPem(std::string_view pem, std::string_view where) {
  BioPtr bio = ReadBio(pem);
  PkeyPtr key = Own(bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return NotEd25519(where, "public key");
  }
  return PublicKey(std::move(key));
}

bool PublicKey::Verify(std::string_view message, std::string_view signature) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
                          message.size()) == 1;
}

std::string PublicKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key_.get()) != 1) return "";
  return BioText(bio.get());
}

absl::StatusOr<SigningKey> SigningKey::Generate() {
  PkeyPtr key = Own(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) return absl::InternalError("OpenSSL could not generate an Ed25519 key");
  PublicKey public_key(key);
  return SigningKey(std::move(key), std::move(public_key));
}

absl::StatusOr<SigningKey> SigningKey::FromPem(std::string_view pem, std::string_view where) {
  BioPtr bio = ReadBio(pem);
  PkeyPtr key = Own(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (key == nullptr || EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    return NotEd25519(where, "private key");
  }
  PublicKey public_key(key);
  return SigningKey(std::move(key), std::move(public_key));
}

absl::StatusOr<std::string> SigningKey::Sign(std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  // Ed25519 signs the message itself (no separate digest): the digest argument stays null.
  if (ctx == nullptr || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) != 1) {
    return absl::InternalError("OpenSSL could not start an Ed25519 signature");
  }
  std::string signature(64, '\0');
  size_t size = signature.size();
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return absl::InternalError("OpenSSL could not make an Ed25519 signature");
  }
  signature.resize(size);
  return signature;
}

std::string SigningKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return "";
  }
  return BioText(bio.get());
}

}  // namespace flowline::audit
