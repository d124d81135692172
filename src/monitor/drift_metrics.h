// Drift detection in GET /metrics (docs/drift.md, "In /metrics"): the unresolved alerts, and what
// each workflow's latest drift check found. Read from the store at every scrape: the alert counts
// and the stored reports, never the histograms.
//
//   flowline_alerts_open{workflow,kind,status}            unresolved alerts (open, acknowledged)
//   flowline_drift_feature_drifted{workflow,feature}      1 when the latest check found it drifted
//   flowline_drift_statistic{workflow,feature,statistic}  the latest check's statistics (psi,
//                                                         ks_p, js, chi2_p, rate_change, p, ...)
//   flowline_drift_checked_timestamp_seconds{workflow}    when the latest check ran
//
// Labels stay low-cardinality: features are what specs name, statistics a fixed set.
//
// Thread-safety: Collect may be called from any thread (the store is thread-safe).
#pragma once

#include "monitor/prometheus.h"
#include "store/store.h"

namespace flowline::monitor {

class DriftMetrics final : public MetricsSource {
 public:
  explicit DriftMetrics(store::Store& store) : store_(store) {}  // must outlive it
  absl::Status Collect(PrometheusWriter& out) override;

 private:
  store::Store& store_;
};

}  // namespace flowline::monitor
