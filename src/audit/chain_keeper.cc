#include "audit/chain_keeper.h"

#include "audit/checkpoints.h"
#include "common/status_macros.h"

namespace flowline::audit {

ChainKeeper::ChainKeeper(store::Store& store, const SigningKey& key, ChainKeeperOptions options)
    : store_(store), key_(key), options_(options) {}

absl::Status ChainKeeper::Tick(absl::Time now) {
  absl::Status first_error;
  if (options_.checkpoint_every > absl::ZeroDuration()) {
    if (!last_checkpoint_.has_value()) last_checkpoint_ = now;  // the first one an interval on
    if (now - *last_checkpoint_ >= options_.checkpoint_every) {
      absl::StatusOr<std::optional<store::Checkpoint>> written =
          CheckpointHead(store_, key_, now, "interval");
      if (written.ok()) {
        last_checkpoint_ = now;
        checkpoints_written_ += written->has_value() ? 1 : 0;
      } else {
        first_error = written.status();
      }
    }
  }
  if (!last_prune_.has_value() || now - *last_prune_ >= options_.prune_every) {
    PruneOptions prune;
    prune.retention = options_.retention;
    prune.max_cuts = options_.max_cuts_per_prune;
    absl::StatusOr<PruneResult> pruned = PruneExpiredRecords(store_, key_, now, prune);
    if (pruned.ok()) {
      last_prune_ = now;
      records_pruned_ += pruned->removed;
    } else if (first_error.ok()) {
      first_error = pruned.status();
    }
  }
  return first_error;
}

absl::Status ChainKeeper::Shutdown(absl::Time now) {
  ASSIGN_OR_RETURN(std::optional<store::Checkpoint> written,
                   CheckpointHead(store_, key_, now, "shutdown"));
  checkpoints_written_ += written.has_value() ? 1 : 0;
  return absl::OkStatus();
}

}  // namespace flowline::audit
