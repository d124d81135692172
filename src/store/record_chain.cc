#include "store/record_chain.h"

#include <openssl/evp.h>

#include <cstdlib>

namespace flowline::store {
namespace {

constexpr std::string_view kTag("flowline.record.v1\0", 19);

void AppendUint64(uint64_t value, std::string& out) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// SHA-256 fetched from the default provider once. OpenSSL 3 resolves a legacy EVP_sha256() in
// every EVP_DigestInit_ex (a locked lookup in the method store), and the writer hashes every
// record. Never freed: it lives as long as the process.
const EVP_MD* Sha256() {
  static const EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return kSha256;
}

void AppendField(std::string_view text, std::string& out) {
  const auto size = static_cast<uint32_t>(text.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(size >> shift));
  out.append(text);
}

}  // namespace

const std::string& GenesisHash() {
  static const std::string kZeros(kRecordHashSize, '\0');
  return kZeros;
}

void AppendRecordEncoding(const Record& record, std::string& out) {
  out.reserve(out.size() + kTag.size() + 8 + 6 * 4 + record.run_id.size() + record.step_id.size() +
              record.version.size() + record.kind.size() + record.actor.size() +
              record.payload_json.size() + 8 + kRecordHashSize);
  out.append(kTag);
  AppendUint64(static_cast<uint64_t>(record.seq), out);
  AppendField(record.run_id, out);
  AppendField(record.step_id, out);
  AppendField(record.version, out);
  AppendField(record.kind, out);
  AppendField(record.actor, out);
  AppendField(record.payload_json, out);
  AppendUint64(static_cast<uint64_t>(absl::ToUnixMicros(record.at)), out);
  out.append(record.prev_hash);
}

RecordHasher::RecordHasher() : ctx_(EVP_MD_CTX_new()) {
  // Without a digest context nothing can be hashed or verified; there is no sensible way on.
  if (ctx_ == nullptr || Sha256() == nullptr) std::abort();
}

RecordHasher::~RecordHasher() { EVP_MD_CTX_free(ctx_); }

std::string RecordHasher::Hash(const Record& record) {
  buffer_.clear();
  AppendRecordEncoding(record, buffer_);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_DigestInit_ex(ctx_, Sha256(), nullptr) != 1 ||
      EVP_DigestUpdate(ctx_, buffer_.data(), buffer_.size()) != 1 ||
      EVP_DigestFinal_ex(ctx_, digest, &size) != 1) {
    std::abort();  // only on memory exhaustion inside OpenSSL
  }
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::vector<Record> LinkRecords(RecordHasher& hasher, const RecordChainHead& head,
                                const std::string& run_id, const std::string& version,
                                const std::vector<NewRecord>& appended, absl::Time at) {
  std::vector<Record> records;
  records.reserve(appended.size());
  Record record;
  record.run_id = run_id;
  record.version = version;
  record.at = at;
  record.prev_hash = head.hash;
  record.seq = head.seq;
  for (const NewRecord& next : appended) {
    ++record.seq;
    record.step_id = next.step_id;
    record.kind = next.kind;
    record.actor = next.actor;
    record.payload_json = next.payload_json;
    record.hash = hasher.Hash(record);
    records.push_back(record);
    record.prev_hash = std::move(record.hash);
  }
  return records;
}

std::string HexBytes(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    const auto byte = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHex[byte >> 4];
    out[2 * i + 1] = kHex[byte & 0xf];
  }
  return out;
}

}  // namespace flowline::store
