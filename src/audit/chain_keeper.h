// What `flowline serve` does for the decision record while it runs: signs the chain's head at an
// interval (when it moved) and on clean shutdown, and applies the retention periodically.
//
// The caller drives it with its own clock (Tick from the serve loop), so tests run it with
// chosen times and no threads.
//
// Thread-safety: one thread at a time.
#pragma once

#include <optional>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "audit/keys.h"
#include "audit/retention.h"
#include "store/store.h"

namespace flowline::audit {

struct ChainKeeperOptions {
  // How often the head is signed (if it moved). Default 1 minute: at most that much of the
  // record's tail is unsigned at any time. Zero: only at shutdown.
  absl::Duration checkpoint_every = absl::Minutes(1);
  // How often expired records are pruned. Default 1 hour.
  absl::Duration prune_every = absl::Hours(1);
  Retention retention;  // default 13 months
  // Most retention cuts per prune; 0: as many as needed (the default). Each cut removes up to
  // 50,000 records in its own transaction, so other writes go on between cuts.
  int max_cuts_per_prune = 0;
};

class ChainKeeper {
 public:
  // `store` and `key` must outlive the keeper.
  ChainKeeper(store::Store& store, const SigningKey& key, ChainKeeperOptions options);

  // Does what is due at `now`: a checkpoint when the interval has passed since the last one (and
  // the head moved), a prune when its interval has passed (the first one at the first tick).
  // Returns the first error; what failed is tried again at the next tick.
  absl::Status Tick(absl::Time now);

  // The last checkpoint, at shutdown: signs the head if it moved.
  absl::Status Shutdown(absl::Time now);

  int64_t checkpoints_written() const { return checkpoints_written_; }
  int64_t records_pruned() const { return records_pruned_; }

 private:
  store::Store& store_;
  const SigningKey& key_;
  const ChainKeeperOptions options_;
  std::optional<absl::Time> last_checkpoint_;
  std::optional<absl::Time> last_prune_;
  int64_t checkpoints_written_ = 0;
  int64_t records_pruned_ = 0;
};

}  // namespace flowline::audit
