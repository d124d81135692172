// The measures as Prometheus metrics (GET /metrics): all-time counters and histograms per
// workflow, version (its first 12 characters), step and reason from the stored totals, and
// gauges read live (tasks per queue, paused workflows). docs/measures.md lists every metric.
//
// Labels stay low-cardinality: workflow, version, step, reason, model, queue — never run ids,
// task ids or business keys.
#pragma once

#include "common/clock.h"
#include "monitor/measure_rollup.h"
#include "monitor/prometheus.h"
#include "store/store.h"

namespace flowline::monitor {

// The version label: a version's first 12 characters.
std::string ShortVersion(const std::string& version);

class MeasureMetrics final : public MetricsSource {
 public:
  // `store` and `clock` (for the overdue count) must outlive it.
  MeasureMetrics(store::Store& store, const common::Clock& clock);
  absl::Status Collect(PrometheusWriter& out) override;

 private:
  store::Store& store_;
  const common::Clock& clock_;
};

// The rollup loop's own health: passes, failures, records folded, its cursor, its last success.
class RollupMetrics final : public MetricsSource {
 public:
  explicit RollupMetrics(const RollupLoop& loop);  // must outlive it
  absl::Status Collect(PrometheusWriter& out) override;

 private:
  const RollupLoop& loop_;
};

}  // namespace flowline::monitor
