// Retention of the decision record: how long records are kept, and pruning the expired ones so
// that the rest still verifies (docs/audit.md, "Retention").
//
// A prune signs a checkpoint of the last expired record with `cut` set and hands it to the store,
// which in one transaction keeps it and removes every record up to it. `flowline audit verify`
// then starts the chain at the cut: the remaining records must link to its (signed) hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "audit/keys.h"
#include "store/store.h"

namespace flowline::audit {

// A retention period in calendar months and days ("13mo", "400d", "2y").
struct Retention {
  int months = 13;  // the default: 13 months
  int days = 0;

  // Parses "<n>mo", "<n>d" or "<n>y". InvalidArgument with the accepted forms otherwise, and
  // when the period is shorter than the minimum of 6 months.
  static absl::StatusOr<Retention> Parse(std::string_view text);
  // The oldest time a record may have at `now` to be kept (calendar arithmetic in UTC).
  absl::Time Cutoff(absl::Time now) const;
  std::string ToString() const;
};

struct PruneOptions {
  Retention retention;
  // Most records removed per cut (one transaction each); a large backlog is cut in several
  // steps, each with its own signed checkpoint. Default 50,000.
  int64_t batch = 50000;
  // At most this many cuts per call (a periodic caller comes back for the rest). 0: no limit.
  int max_cuts = 0;
  bool dry_run = false;  // find the cut, sign and remove nothing
};

struct PruneResult {
  absl::Time cutoff;
  int64_t removed = 0;  // records removed (dry run: that would be)
  int64_t cut_seq = 0;  // the last record removed (0: none)
  int cuts = 0;         // checkpoints written
};

// Removes the records older than the retention's cutoff at `now`. Records are ordered by seq,
// and their times follow it up to the few milliseconds by which concurrent commits' clocks
// interleave, so the cut is found by binary search in seq order.
absl::StatusOr<PruneResult> PruneExpiredRecords(store::Store& store, const SigningKey& key,
                                                absl::Time now, const PruneOptions& options);

}  // namespace flowline::audit
