// The decision record's hash chain: the canonical encoding of a record and its hash.
//
// Every store implementation appends records through the same encoding, and `flowline audit
// verify` recomputes it, so it lives here, below both (store/ depends on nothing above it).
//
// Encoding, version 1 (docs/audit.md): the bytes
//
//   "flowline.record.v1" 0x00
//   seq          8 bytes, unsigned big-endian
//   run_id       4-byte big-endian length, then the UTF-8 bytes
//   step_id      (length-prefixed, as run_id; empty for run-level records)
//   version      (length-prefixed)
//   kind         (length-prefixed)
//   actor        (length-prefixed)
//   payload_json (length-prefixed, the stored text byte for byte)
//   at           8 bytes, signed big-endian microseconds since the Unix epoch (UTC)
//   prev_hash    32 bytes
//
// and the record's hash is SHA-256 of them. Length prefixes make the encoding unambiguous (no
// two different records encode alike), the leading tag keeps it apart from any other use of
// SHA-256 in flowline, and prev_hash links each record to the one before it. The first record's
// prev_hash is 32 zero bytes.
//
// Thread-safety: the free functions are thread-safe; a RecordHasher belongs to one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

struct evp_md_ctx_st;

namespace flowline::store {

inline constexpr size_t kRecordHashSize = 32;

// 32 zero bytes: the prev_hash of the first record.
const std::string& GenesisHash();

// Appends the canonical encoding of `record` (all fields but `hash`; prev_hash as given) to
// `out`. prev_hash must be 32 bytes.
void AppendRecordEncoding(const Record& record, std::string& out);

// Computes record hashes, reusing one digest context and buffer (hashing a chain of millions).
class RecordHasher {
 public:
  RecordHasher();
  ~RecordHasher();
  RecordHasher(const RecordHasher&) = delete;
  RecordHasher& operator=(const RecordHasher&) = delete;

  // SHA-256 of the canonical encoding of `record` with its prev_hash: 32 raw bytes.
  std::string Hash(const Record& record);

 private:
  evp_md_ctx_st* ctx_;
  std::string buffer_;
};

// The records `appended` of run `run_id` (empty: of no run), pinned to `version`, at `at`, as
// the links that follow `head`: seq head.seq + 1, ..., each with its prev_hash and hash. Every
// store appends through this, then writes the rows (and moves its head) in its own SQL.
std::vector<Record> LinkRecords(RecordHasher& hasher, const RecordChainHead& head,
                                const std::string& run_id, const std::string& version,
                                const std::vector<NewRecord>& appended, absl::Time at);

// Lower-case hex of raw bytes (hashes in messages and exports).
std::string HexBytes(std::string_view bytes);

}  // namespace flowline::store
