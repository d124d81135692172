#include "common/ids.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>

#include "absl/strings/escaping.h"

namespace flowline::common {
namespace {

constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

std::string ToHex(const unsigned char* bytes, size_t n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(n * 2, '0');
  for (size_t i = 0; i < n; ++i) {
    out[2 * i] = kHex[bytes[i] >> 4];
    out[2 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

// SHA-256 fetched once: OpenSSL 3's one-shot SHA256() and a legacy EVP_sha256() both resolve the
// algorithm in the provider's method store (under a lock) on every call. Never freed.
const EVP_MD* Sha256() {
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kSha256;
}

struct DigestContext {
  DigestContext() : ctx(EVP_MD_CTX_new()) {}
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
  EVP_MD_CTX* ctx;
};

}  // namespace

std::string NewId(std::string_view prefix, absl::Time now, Random& random) {
  uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now)) & ((1ULL << 48) - 1);
  uint64_t r1 = random.Next64();
  uint64_t r2 = random.Next64() & 0xffff;  // 64 + 16 = 80 random bits
  std::string out(prefix);
  out.reserve(prefix.size() + 26);
  // 10 characters of time (50 bits, top 2 always zero), then 16 of randomness.
  for (int i = 9; i >= 0; --i) out.push_back(kCrockford[(millis >> (5 * i)) & 31]);
  for (int i = 0; i < 12; ++i) out.push_back(kCrockford[(r1 >> (5 * i)) & 31]);
  uint64_t rest = (r1 >> 60) | (r2 << 4);
  for (int i = 0; i < 4; ++i) out.push_back(kCrockford[(rest >> (5 * i)) & 31]);
  return out;
}

std::string Sha256Hex(std::string_view data) {
  thread_local DigestContext context;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (context.ctx == nullptr || Sha256() == nullptr ||
      EVP_DigestInit_ex(context.ctx, Sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(context.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(context.ctx, digest, &size) != 1) {
    std::abort();  // only on memory exhaustion inside OpenSSL
  }
  return ToHex(digest, size);
}

std::string RandomToken(size_t n, Random& random) {
  std::string bytes;
  bytes.reserve(n + 8);
  while (bytes.size() < n) {
    uint64_t v = random.Next64();
    for (int i = 0; i < 8 && bytes.size() < n; ++i)
      bytes.push_back(static_cast<char>(v >> (8 * i)));
  }
  return absl::WebSafeBase64Escape(bytes);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return ToHex(out, len);
}

}  // namespace flowline::common
