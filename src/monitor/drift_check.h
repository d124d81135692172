// The drift check (docs/drift.md): keeps each workflow's drift histograms up to date with the
// decision record, tests every monitored feature's recent window against its reference window,
// and turns findings into alerts.
//
//   Ingest()  reads the records after the store's drift cursor (all workflows, oldest first, in
//             batches), adds each monitored value to its (workflow, feature, hour) histogram,
//             and writes the merged buckets with the new cursor in one transaction: a crash or a
//             concurrent check never counts a record twice (the cursor is compare-and-set).
//   Check()   ingests, then for one workflow: windows from its live version's `monitor:` block,
//             the buckets of both windows merged and tested (monitor/drift.h), an alert raised
//             (or refreshed) for each drifted feature and resolved for each feature back within
//             its thresholds, and the report stored (GET /api/v1/workflows/{name}/drift).
//
// Windows are whole hours: the recent window is the last `recent` ending now (its first hour
// included whole); the reference window is the explicit one, else the first `reference_days` of
// the workflow's monitored data. Until the reference window ends before the recent one starts,
// every feature is "warming_up" and no alert is raised.
//
// Thread-safety: a DriftMonitor is thread-safe (its calls run one at a time); any number of
// monitors (in threads or processes) may work on one store.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "monitor/drift.h"
#include "monitor/histogram.h"
#include "monitor/monitor_spec.h"
#include "store/store.h"

namespace flowline::monitor {

// Which features a version monitors: implemented over the engine's plans
// (engine/monitoring.h), so monitor/ does not depend on the engine.
class MonitorCatalog {
 public:
  virtual ~MonitorCatalog() = default;
  // The config of one version (whose runs' records are being read). NotFound for an unknown
  // version; other errors if its spec cannot be prepared in this process.
  virtual absl::StatusOr<std::shared_ptr<const MonitorConfig>> ForVersion(
      const std::string& workflow, const std::string& version) = 0;
  // The config of the workflow's live version (windows, thresholds, features to test).
  virtual absl::StatusOr<std::shared_ptr<const MonitorConfig>> ForWorkflow(
      const std::string& workflow) = 0;
};

// The hour bucket `at` falls in.
absl::Time BucketStart(absl::Time at);

struct DriftWindows {
  absl::Time reference_from;
  absl::Time reference_until;
  absl::Time recent_from;
  absl::Time recent_until;
  bool ready() const { return reference_until <= recent_from; }
  Json ToJson() const;
};

// The windows of a check at `now`; `first_bucket` is the workflow's first histogram bucket
// (nullopt before there is any: then the reference starts now).
DriftWindows WindowsFor(const MonitorSpec& spec, std::optional<absl::Time> first_bucket,
                        absl::Time now);

// One feature's buckets, by start.
using BucketSeries = std::map<absl::Time, FeatureHistogram>;

struct DriftReport {
  std::string workflow;
  std::string version;  // the live version whose config was checked
  absl::Time checked_at;
  DriftWindows windows;
  std::vector<FeatureDrift> features;
  std::vector<std::string> alerts_opened;    // alert ids
  std::vector<std::string> alerts_resolved;  // alert ids

  int drifted() const;  // features with status drift
  Json ToJson() const;
};

// Each feature's histogram of one window, by feature name.
using WindowHistograms = std::map<std::string, FeatureHistogram>;

// Tests every feature of `config` on its two windows' histograms (a feature missing from either
// is tested on an empty one). Pure.
DriftReport EvaluateFeatures(const MonitorConfig& config, const WindowHistograms& reference,
                             const WindowHistograms& recent, const DriftWindows& windows,
                             absl::Time now);

// The same from bucket series (keyed by feature name), merged over each window. Pure.
DriftReport EvaluateWindows(const MonitorConfig& config,
                            const std::map<std::string, BucketSeries>& buckets,
                            const DriftWindows& windows, absl::Time now);

struct DriftMonitorOptions {
  // Records read per ingest transaction. Default 2000.
  int batch = 2000;
};

struct IngestStats {
  int64_t records = 0;  // records read
  int64_t values = 0;   // values added to histograms
  int64_t buckets = 0;  // bucket writes
  int64_t skipped = 0;  // records of versions whose monitoring could not be read
};

class DriftMonitor {
 public:
  // All references must outlive the monitor.
  DriftMonitor(store::Store& store, MonitorCatalog& catalog, const common::Clock& clock,
               common::Random& random, DriftMonitorOptions options = {});

  // Brings the drift histograms up to date with the decision record. The records of a version
  // whose monitoring cannot be read for good (NotFound, InvalidArgument, FailedPrecondition:
  // its spec no longer prepares here) are skipped with a warning; other errors (the store's)
  // are returned and the cursor stays before the batch.
  absl::StatusOr<IngestStats> Ingest();

  // Ingest(), then checks `workflow` (see the file comment). NotFound for an unknown workflow.
  absl::StatusOr<DriftReport> Check(const std::string& workflow);

  // Ingest(), then Check() of every deployed workflow whose monitoring is enabled.
  absl::StatusOr<std::vector<DriftReport>> CheckAll();

 private:
  absl::StatusOr<IngestStats> IngestLocked();
  // The merged histograms of one feature (or every feature of `config` when empty) over
  // [from, until).
  absl::StatusOr<WindowHistograms> LoadWindow(const MonitorConfig& config,
                                              const std::string& feature, absl::Time from,
                                              absl::Time until);
  absl::StatusOr<DriftReport> CheckIngested(const std::string& workflow);
  absl::Status Alert(const MonitorConfig& config, const DriftReport& report,
                     const FeatureDrift& finding, DriftReport& out);
  absl::Status Clear(const MonitorConfig& config, const FeatureDrift& finding, DriftReport& out);

  store::Store& store_;
  MonitorCatalog& catalog_;
  const common::Clock& clock_;
  common::Random& random_;
  DriftMonitorOptions options_;
  std::mutex mu_;                     // one call at a time
  std::set<std::string> unreadable_;  // versions already warned about
  struct CachedReference {
    absl::Time from;
    absl::Time until;
    FeatureHistogram histogram;
  };
  // Merged reference windows that have ended, by (workflow, feature).
  std::map<std::pair<std::string, std::string>, CachedReference> reference_cache_;
};

}  // namespace flowline::monitor
