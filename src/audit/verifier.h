// `flowline audit verify`: walks the whole decision record and reports the first record that
// was changed, removed or reordered, and a tail cut off before the last signed checkpoint.
//
// What it checks, in chain order (docs/audit.md, "Verify"):
//   - the signatures of the checkpoints its verdicts rest on (the retention cut, the furthest
//     checkpoint, any that disagrees with the chain; all with all_signatures), against the key
//     the operator trusts;
//   - the chain starts at record 1 linked to zeros, or right after the last retention cut,
//     linked to the cut's hash;
//   - seqs have no gaps (a gap: records removed);
//   - each record hashes to its stored hash (otherwise: changed, or moved from another seq);
//   - each record's prev_hash is the stored hash of the record before (otherwise: that record
//     was changed and its hash recomputed);
//   - each record a checkpoint names has the checkpoint's hash (a change after signing, even with
//     every hash recomputed);
//   - the chain reaches the last checkpoint (otherwise: the tail was removed).
//
// Records are read page by page while the previous page is checked, so the walk runs at the
// speed of the slower of reading and hashing (bench/audit, docs/benchmarks.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/keys.h"
#include "store/store.h"

namespace flowline::audit {

struct VerifyOptions {
  // The key checkpoints must be signed with. Null: signatures are not checked, and the chain is
  // only checked against itself (which an attacker who rewrites every hash from a record on can
  // satisfy); the report says so.
  const PublicKey* trusted_key = nullptr;
  // Check every checkpoint's signature (about 86 µs each on the development VM), not only the
  // ones verdicts rest on: the retention cut, the furthest checkpoint, and any that disagrees
  // with the chain. Default false: a valid furthest checkpoint already covers every record
  // before it, and a bad checkpoint elsewhere can only cause an alarm, never hide a change.
  bool all_signatures = false;
  // Records read per page. Default 20,000.
  int page_size = 20000;
};

struct Finding {
  // "changed", "removed", "reordered", "inserted", "truncated" or "bad_checkpoint".
  std::string problem;
  // The record concerned: for "removed" and "truncated" the first one missing.
  int64_t seq = 0;
  // Of that record, when it is there to read.
  std::string run_id;
  std::string step_id;
  std::string kind;
  std::string message;  // a sentence for people: what is wrong, where
};

struct VerifyReport {
  int64_t records = 0;  // records checked
  int64_t first_seq = 0;
  int64_t last_seq = 0;
  // The retention cut the chain starts after, if records were pruned.
  std::optional<store::Checkpoint> cut;
  int64_t checkpoints = 0;  // checkpoints in the store
  bool signatures_checked = false;
  int64_t signatures_verified = 0;  // signatures checked against the trusted key
  // The highest record a (checked) checkpoint covers; records after it are not yet signed.
  int64_t signed_up_to = 0;
  // The first problem in chain order; empty when the chain is intact.
  std::optional<Finding> finding;
  absl::Duration elapsed;
};

// Walks the chain in `store`. Errors are the store's (a finding is not an error).
absl::StatusOr<VerifyReport> VerifyChain(store::Store& store, const VerifyOptions& options);

}  // namespace flowline::audit
