#include "monitor/measure_rollup.h"

#include <algorithm>
#include <utility>

#include "common/status_macros.h"
#include "monitor/measure_names.h"
#include "spdlog/spdlog.h"

namespace flowline::monitor {
MeasureRollup::MeasureRollup(store::Store& store, const common::Clock& clock, RollupOptions options)
    : store_(store), clock_(clock), options_(options), facts_(store) {}

absl::StatusOr<RollupResult> MeasureRollup::CatchUp() {
  RollupResult result;
  ASSIGN_OR_RETURN(result.cursor, store_.GetMeasureCursor());
  const int page = std::max(options_.page_records, 1);
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<store::Record> records, store_.ScanRecords(result.cursor, page));
    if (records.empty()) break;
    MeasureFold fold(facts_);
    for (const store::Record& record : records) RETURN_IF_ERROR(fold.Add(record));
    store::MeasureBatch batch;
    batch.from_seq = result.cursor;
    batch.to_seq = records.back().seq;
    batch.deltas = fold.TakeDeltas();
    absl::Status applied = store_.ApplyMeasures(batch);
    if (absl::IsFailedPrecondition(applied)) {
      // Another rollup applied this page first: continue from where it left the cursor. Every
      // lost race is a page the other one applied, so this ends when the log does.
      ASSIGN_OR_RETURN(result.cursor, store_.GetMeasureCursor());
      continue;
    }
    RETURN_IF_ERROR(applied);
    result.cursor = batch.to_seq;
    result.records += static_cast<int64_t>(records.size());
    result.skipped += fold.skipped();
    ++result.pages;
    if (static_cast<int>(records.size()) < page) break;
  }
  if (clock_.Now() - last_prune_ >= options_.prune_every) RETURN_IF_ERROR(Prune());
  return result;
}

absl::Status MeasureRollup::Prune() {
  const absl::Time now = clock_.Now();
  const std::pair<int64_t, absl::Duration> ages[] = {
      {kMinute, options_.keep_minutes}, {kHour, options_.keep_hours}, {kDay, options_.keep_days}};
  for (const auto& [granularity, keep] : ages) {
    if (keep == absl::InfiniteDuration()) continue;
    // A bucket goes once all of it is older than `keep`.
    const absl::Time before = BucketStart(now - keep, granularity);
    ASSIGN_OR_RETURN(int64_t deleted, store_.DeleteMeasures(granularity, before));
    if (deleted > 0) {
      spdlog::info("measures: deleted {} {} buckets older than {}", deleted,
                   GranularityName(granularity), absl::FormatDuration(keep));
    }
  }
  last_prune_ = now;
  return absl::OkStatus();
}

RollupLoop::RollupLoop(store::Store& store, const common::Clock& clock, RollupOptions options,
                       absl::Duration interval)
    : rollup_(store, clock, options), clock_(clock), interval_(interval) {}

RollupLoop::~RollupLoop() { Stop(); }

void RollupLoop::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void RollupLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

RollupLoop::Stats RollupLoop::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void RollupLoop::Loop() {
  for (;;) {
    absl::StatusOr<RollupResult> pass = rollup_.CatchUp();
    std::unique_lock<std::mutex> lock(mu_);
    ++stats_.passes;
    if (pass.ok()) {
      stats_.records += pass->records;
      stats_.cursor = pass->cursor;
      stats_.last_success = clock_.Now();
    } else {
      ++stats_.failed_passes;
      spdlog::warn("measures rollup failed (retried in {}): {}", absl::FormatDuration(interval_),
                   pass.status().ToString());
    }
    if (wake_.wait_for(lock, absl::ToChronoNanoseconds(interval_), [this] { return stopping_; })) {
      return;
    }
  }
}

}  // namespace flowline::monitor
