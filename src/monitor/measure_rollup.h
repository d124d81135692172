// The measures rollup: an incremental job that folds the record log into time buckets kept in
// the store (docs/measures.md).
//
// The store keeps a cursor: the seq of the last record folded. A pass reads the records after
// it in pages, folds each page (record_fold.h) into deltas for the minute, hour and day buckets
// and the all-time totals, and applies the deltas and the new cursor in ONE store transaction.
// So the buckets always match the cursor exactly: a crash loses at most a page that is folded
// again next time, and a record is never counted twice — two rollups racing (serve's loop and
// `flowline report`) cannot both apply the same page, because the store moves the cursor only
// from where the page began (the loser drops its page and continues from the new cursor).
//
// Every granularity is written at the same time, rather than minutes being rolled into hours
// later, so a day or hour bucket is as fresh as the minute one, and the three always agree.
// Retention then deletes minute and hour buckets past their age (RollupOptions).
//
// Thread-safety: a MeasureRollup is used by one thread at a time; RollupLoop runs one on its
// own thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "monitor/record_fold.h"
#include "store/store.h"

namespace flowline::monitor {

struct RollupOptions {
  // Records read and applied per transaction. Default 2000; at least 1.
  int page_records = 2000;
  // How long buckets are kept, by granularity (the all-time totals are always kept). Defaults:
  // minutes 48 h (a dashboard's "last hours" view), hours 92 days (a quarter), days forever
  // (InfiniteDuration; a day of one workflow version is a few hundred rows).
  absl::Duration keep_minutes = absl::Hours(48);
  absl::Duration keep_hours = absl::Hours(24 * 92);
  absl::Duration keep_days = absl::InfiniteDuration();
  // Expired buckets are deleted at most this often. Default 10 min.
  absl::Duration prune_every = absl::Minutes(10);
};

struct RollupResult {
  int64_t records = 0;  // records read (folded, ignored or skipped)
  int64_t skipped = 0;  // records that could not be read (see MeasureFold)
  int pages = 0;        // transactions applied
  int64_t cursor = 0;   // the cursor afterwards
};

class MeasureRollup {
 public:
  // `store` and `clock` must outlive the rollup.
  MeasureRollup(store::Store& store, const common::Clock& clock, RollupOptions options = {});

  // Folds every record after the cursor, page by page, then deletes expired buckets (when
  // prune_every has passed since the last time). Returns what it did. Errors: the store's; the
  // pages applied before an error stay applied.
  absl::StatusOr<RollupResult> CatchUp();

  // Deletes the buckets past their keep_* age now.
  absl::Status Prune();

 private:
  store::Store& store_;
  const common::Clock& clock_;
  const RollupOptions options_;
  StoreFacts facts_;
  absl::Time last_prune_ = absl::InfinitePast();
};

// Runs a MeasureRollup's CatchUp() every `interval` on a thread of its own (`flowline serve`).
// Errors are logged and retried at the next interval.
class RollupLoop {
 public:
  RollupLoop(store::Store& store, const common::Clock& clock, RollupOptions options,
             absl::Duration interval);
  ~RollupLoop();  // Stop()s.
  RollupLoop(const RollupLoop&) = delete;
  RollupLoop& operator=(const RollupLoop&) = delete;

  void Start();
  // Finishes the pass in progress and joins the thread. Idempotent.
  void Stop();

  struct Stats {
    int64_t passes = 0;
    int64_t failed_passes = 0;
    int64_t records = 0;
    int64_t cursor = 0;
    absl::Time last_success = absl::InfinitePast();
  };
  Stats stats() const;

 private:
  void Loop();

  MeasureRollup rollup_;
  const common::Clock& clock_;
  const absl::Duration interval_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // guarded by mu_
  Stats stats_;            // guarded by mu_
  std::thread thread_;
};

}  // namespace flowline::monitor
