#include "monitor/drift_check.h"

#include <algorithm>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "monitor/feature_values.h"
#include "spdlog/spdlog.h"

namespace flowline::monitor {
namespace {

constexpr absl::Duration kBucket = absl::Hours(1);
constexpr char kDriftKind[] = "drift";
// Who resolves an alert when a check finds its feature back within its thresholds.
constexpr char kSelf[] = "flowline";

std::string Timestamp(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

using BucketKey = std::tuple<std::string, std::string, absl::Time>;  // workflow, feature, start

// Errors that reading a version's monitoring again will not cure (as opposed to the store
// being unavailable).
bool IsPermanent(const absl::Status& status) {
  return absl::IsNotFound(status) || absl::IsInvalidArgument(status) ||
         absl::IsFailedPrecondition(status);
}

// Merges the histograms of the buckets with start in [from, until).
FeatureHistogram MergeRange(FeatureType type, const BucketSeries* series, absl::Time from,
                            absl::Time until) {
  FeatureHistogram merged(type);
  if (series == nullptr) return merged;
  for (auto it = series->lower_bound(from); it != series->end() && it->first < until; ++it) {
    if (it->second.type() == type) merged.Merge(it->second).IgnoreError();
  }
  return merged;
}

Json AlertEvent(const char* event, const store::Alert& alert, const FeatureDrift& finding,
                const DriftWindows& windows) {
  return Json{{"event", event},
              {"alert_id", alert.alert_id},
              {"workflow", alert.workflow},
              {"kind", alert.kind},
              {"feature", alert.subject},
              {"summary", finding.summary},
              {"finding", finding.ToJson()},
              {"windows", windows.ToJson()},
              {"at", Timestamp(alert.updated_at)}};
}

}  // namespace

absl::Time BucketStart(absl::Time at) {
  const int64_t micros = absl::ToUnixMicros(at);
  const int64_t size = absl::ToInt64Microseconds(kBucket);
  return absl::FromUnixMicros(micros - ((micros % size) + size) % size);
}

Json DriftWindows::ToJson() const {
  return Json{
      {"reference", {{"from", Timestamp(reference_from)}, {"until", Timestamp(reference_until)}}},
      {"recent", {{"from", Timestamp(recent_from)}, {"until", Timestamp(recent_until)}}}};
}

DriftWindows WindowsFor(const MonitorSpec& spec, std::optional<absl::Time> first_bucket,
                        absl::Time now) {
  DriftWindows windows;
  windows.recent_until = now;
  windows.recent_from = BucketStart(now - spec.recent);
  if (spec.reference_from.has_value() && spec.reference_until.has_value()) {
    windows.reference_from = BucketStart(*spec.reference_from);
    windows.reference_until = *spec.reference_until;
  } else {
    windows.reference_from = first_bucket.value_or(BucketStart(now));
    windows.reference_until = windows.reference_from + spec.reference_days;
  }
  return windows;
}

int DriftReport::drifted() const {
  return static_cast<int>(
      std::count_if(features.begin(), features.end(),
                    [](const FeatureDrift& f) { return f.status == DriftStatus::kDrift; }));
}

Json DriftReport::ToJson() const {
  Json list = Json::array();
  for (const FeatureDrift& feature : features) list.push_back(feature.ToJson());
  return Json{{"workflow", workflow},
              {"version", version},
              {"checked_at", Timestamp(checked_at)},
              {"windows", windows.ToJson()},
              {"ready", windows.ready()},
              {"drifted", drifted()},
              {"features", std::move(list)},
              {"alerts_opened", alerts_opened},
              {"alerts_resolved", alerts_resolved}};
}

DriftReport EvaluateFeatures(const MonitorConfig& config, const WindowHistograms& reference,
                             const WindowHistograms& recent, const DriftWindows& windows,
                             absl::Time now) {
  DriftReport report;
  report.workflow = config.workflow;
  report.version = config.version;
  report.checked_at = now;
  report.windows = windows;
  for (const FeatureSpec& feature : config.features) {
    if (!windows.ready()) {
      report.features.push_back(NotTested(
          feature, DriftStatus::kWarmingUp,
          absl::StrCat(
              "the reference window (", Timestamp(windows.reference_from), " to ",
              Timestamp(windows.reference_until),
              ") has not ended before the recent window starts; checks begin at ",
              Timestamp(windows.reference_until + (windows.recent_until - windows.recent_from)))));
      continue;
    }
    const FeatureHistogram empty(feature.type);
    auto ref = reference.find(feature.name);
    auto cur = recent.find(feature.name);
    const FeatureHistogram& r =
        ref != reference.end() && ref->second.type() == feature.type ? ref->second : empty;
    const FeatureHistogram& c =
        cur != recent.end() && cur->second.type() == feature.type ? cur->second : empty;
    report.features.push_back(EvaluateDrift(feature, r, c));
  }
  return report;
}

DriftReport EvaluateWindows(const MonitorConfig& config,
                            const std::map<std::string, BucketSeries>& buckets,
                            const DriftWindows& windows, absl::Time now) {
  WindowHistograms reference;
  WindowHistograms recent;
  for (const FeatureSpec& feature : config.features) {
    auto it = buckets.find(feature.name);
    const BucketSeries* series = it == buckets.end() ? nullptr : &it->second;
    reference.insert_or_assign(
        feature.name,
        MergeRange(feature.type, series, windows.reference_from, windows.reference_until));
    recent.insert_or_assign(
        feature.name, MergeRange(feature.type, series, windows.recent_from, windows.recent_until));
  }
  return EvaluateFeatures(config, reference, recent, windows, now);
}

DriftMonitor::DriftMonitor(store::Store& store, MonitorCatalog& catalog, const common::Clock& clock,
                           common::Random& random, DriftMonitorOptions options)
    : store_(store), catalog_(catalog), clock_(clock), random_(random), options_(options) {}

absl::StatusOr<IngestStats> DriftMonitor::Ingest() {
  std::lock_guard<std::mutex> lock(mu_);
  return IngestLocked();
}

absl::StatusOr<IngestStats> DriftMonitor::IngestLocked() {
  IngestStats stats;
  const TaskLookup lookup = [this](const std::string& id) { return store_.GetTask(id); };
  for (;;) {
    ASSIGN_OR_RETURN(const int64_t cursor, store_.GetDriftCursor());
    ASSIGN_OR_RETURN(std::vector<store::FeedRecord> batch,
                     store_.ListRecordsAfter({cursor, MonitoredRecordKinds(), options_.batch}));
    if (batch.empty()) return stats;

    // The batch's values, added to fresh histograms per (workflow, feature, hour).
    std::map<BucketKey, FeatureHistogram> fresh;
    std::vector<FeatureValue> values;
    int64_t value_count = 0;
    int64_t skipped = 0;
    for (const store::FeedRecord& fed : batch) {
      absl::StatusOr<std::shared_ptr<const MonitorConfig>> config =
          catalog_.ForVersion(fed.workflow, fed.version);
      if (IsPermanent(config.status())) {
        // A version this process cannot prepare (its model is gone) must not stop every other
        // workflow's drift checks: its records are skipped, and said so once.
        if (unreadable_.insert(fed.version).second) {
          spdlog::warn("drift: skipping the records of version {} of workflow {}: {}", fed.version,
                       fed.workflow, config.status().ToString());
        }
        ++skipped;
        continue;
      }
      if (!config.ok()) {
        return absl::Status(config.status().code(),
                            absl::StrCat("reading the monitored features of version ", fed.version,
                                         " of workflow ", fed.workflow, " (record ", fed.record.seq,
                                         "): ", config.status().message()));
      }
      if (!(*config)->spec.enabled) continue;
      values.clear();
      RETURN_IF_ERROR(ValuesOfRecord(**config, fed, lookup, values));
      const absl::Time start = BucketStart(fed.record.at);
      for (const FeatureValue& value : values) {
        BucketKey key{fed.workflow, value.feature->name, start};
        auto it = fresh.find(key);
        if (it == fresh.end()) it = fresh.emplace(key, FeatureHistogram(value.feature->type)).first;
        if (it->second.type() != value.feature->type) continue;  // two versions disagree
        AddValue(value, it->second);
        ++value_count;
      }
    }

    // Merged with what the store has for the same buckets.
    std::map<std::string, std::pair<absl::Time, absl::Time>> spans;  // per workflow
    for (const auto& [key, histogram] : fresh) {
      const auto& [workflow, feature, start] = key;
      auto [it, inserted] = spans.emplace(workflow, std::make_pair(start, start));
      it->second.first = std::min(it->second.first, start);
      it->second.second = std::max(it->second.second, start);
    }
    for (const auto& [workflow, span] : spans) {
      ASSIGN_OR_RETURN(std::vector<store::DriftBucket> stored,
                       store_.ListDriftBuckets({workflow, "", span.first, span.second + kBucket}));
      for (const store::DriftBucket& bucket : stored) {
        auto it = fresh.find({bucket.workflow, bucket.feature, bucket.start});
        if (it == fresh.end() || bucket.type != FeatureTypeName(it->second.type())) continue;
        ASSIGN_OR_RETURN(
            FeatureHistogram old,
            FeatureHistogram::FromJson(it->second.type(), bucket.histogram_json,
                                       absl::StrCat(bucket.workflow, "/", bucket.feature)));
        RETURN_IF_ERROR(it->second.Merge(old));
      }
    }
    store::DriftIngest ingest;
    ingest.expected_cursor = cursor;
    ingest.next_cursor = batch.back().record.seq;
    for (const auto& [key, histogram] : fresh) {
      const auto& [workflow, feature, start] = key;
      ingest.buckets.push_back(
          {workflow, feature, start, FeatureTypeName(histogram.type()), histogram.ToJson()});
    }
    absl::Status committed = store_.CommitDriftIngest(ingest);
    if (absl::IsFailedPrecondition(committed)) continue;  // another check moved on: read again
    RETURN_IF_ERROR(committed);
    stats.records += static_cast<int64_t>(batch.size());
    stats.values += value_count;
    stats.buckets += static_cast<int64_t>(ingest.buckets.size());
    stats.skipped += skipped;
    if (static_cast<int>(batch.size()) < options_.batch) return stats;
  }
}

absl::StatusOr<DriftReport> DriftMonitor::Check(const std::string& workflow) {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(IngestLocked().status());
  return CheckIngested(workflow);
}

absl::StatusOr<std::vector<DriftReport>> DriftMonitor::CheckAll() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(IngestLocked().status());
  ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> workflows, store_.ListWorkflows());
  std::vector<DriftReport> reports;
  for (const store::WorkflowInfo& info : workflows) {
    absl::StatusOr<DriftReport> report = CheckIngested(info.workflow);
    if (absl::IsFailedPrecondition(report.status())) continue;  // monitoring turned off
    if (!report.ok()) return report.status();
    reports.push_back(*std::move(report));
  }
  return reports;
}

absl::StatusOr<DriftReport> DriftMonitor::CheckIngested(const std::string& workflow) {
  ASSIGN_OR_RETURN(std::shared_ptr<const MonitorConfig> config, catalog_.ForWorkflow(workflow));
  if (!config->spec.enabled) {
    return absl::FailedPreconditionError(absl::StrCat(
        "drift monitoring is turned off for workflow ", workflow, " (monitor: enabled: false)"));
  }
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::optional<absl::Time> first, store_.FirstDriftBucket(workflow));
  const DriftWindows windows = WindowsFor(config->spec, first, now);

  WindowHistograms reference;
  WindowHistograms recent;
  if (windows.ready()) {
    ASSIGN_OR_RETURN(recent, LoadWindow(*config, "", windows.recent_from, windows.recent_until));
    // An ended reference window never changes: records are stamped when they commit, so every
    // one inside it was read before the window ended. It is merged once per process.
    for (const FeatureSpec& feature : config->features) {
      const std::pair<std::string, std::string> key{workflow, feature.name};
      auto cached = reference_cache_.find(key);
      if (cached != reference_cache_.end() && cached->second.from == windows.reference_from &&
          cached->second.until == windows.reference_until &&
          cached->second.histogram.type() == feature.type) {
        reference.insert_or_assign(feature.name, cached->second.histogram);
        continue;
      }
      ASSIGN_OR_RETURN(
          WindowHistograms one,
          LoadWindow(*config, feature.name, windows.reference_from, windows.reference_until));
      FeatureHistogram merged = one.contains(feature.name) ? std::move(one.at(feature.name))
                                                           : FeatureHistogram(feature.type);
      if (windows.reference_until <= now) {
        reference_cache_.insert_or_assign(
            key, CachedReference{windows.reference_from, windows.reference_until, merged});
      }
      reference.insert_or_assign(feature.name, std::move(merged));
    }
  }
  DriftReport report = EvaluateFeatures(*config, reference, recent, windows, now);
  for (const FeatureDrift& finding : report.features) {
    if (finding.status == DriftStatus::kDrift) {
      RETURN_IF_ERROR(Alert(*config, report, finding, report));
    } else if (finding.status == DriftStatus::kOk) {
      RETURN_IF_ERROR(Clear(*config, finding, report));
    }
  }
  RETURN_IF_ERROR(store_.PutDriftReport({workflow, now, common::CanonicalJson(report.ToJson())}));
  return report;
}

absl::StatusOr<WindowHistograms> DriftMonitor::LoadWindow(const MonitorConfig& config,
                                                          const std::string& feature,
                                                          absl::Time from, absl::Time until) {
  ASSIGN_OR_RETURN(std::vector<store::DriftBucket> stored,
                   store_.ListDriftBuckets({config.workflow, feature, from, until}));
  WindowHistograms merged;
  for (const store::DriftBucket& bucket : stored) {
    const FeatureSpec* spec = config.Find(bucket.feature);
    if (spec == nullptr || bucket.type != FeatureTypeName(spec->type)) continue;
    ASSIGN_OR_RETURN(
        FeatureHistogram histogram,
        FeatureHistogram::FromJson(spec->type, bucket.histogram_json,
                                   absl::StrCat(config.workflow, "/", bucket.feature)));
    auto [it, inserted] = merged.try_emplace(bucket.feature, spec->type);
    RETURN_IF_ERROR(it->second.Merge(histogram));
  }
  return merged;
}

absl::Status DriftMonitor::Alert(const MonitorConfig& config, const DriftReport& report,
                                 const FeatureDrift& finding, DriftReport& out) {
  store::AlertRaise raise;
  raise.alert_id = common::NewId("alert_", report.checked_at, random_);
  raise.workflow = config.workflow;
  raise.kind = kDriftKind;
  raise.subject = finding.feature;
  raise.summary = absl::StrCat(finding.feature, " drifted: ", finding.summary);
  Json detail = finding.ToJson();
  detail["windows"] = report.windows.ToJson();
  detail["version"] = report.version;
  raise.detail_json = common::CanonicalJson(detail);
  raise.now = report.checked_at;
  raise.notify_url = config.notify_url;
  if (!raise.notify_url.empty()) {
    store::Alert draft;  // what the notification says if the alert opens
    draft.alert_id = raise.alert_id;
    draft.workflow = raise.workflow;
    draft.kind = raise.kind;
    draft.subject = raise.subject;
    draft.updated_at = raise.now;
    raise.notification_json =
        common::CanonicalJson(AlertEvent("alert.opened", draft, finding, report.windows));
  }
  ASSIGN_OR_RETURN(store::AlertRaised raised, store_.RaiseAlert(raise));
  if (raised.opened) {
    out.alerts_opened.push_back(raised.alert.alert_id);
    spdlog::warn("drift alert {} for {}: {}", raised.alert.alert_id, config.workflow,
                 raise.summary);
  }
  return absl::OkStatus();
}

absl::Status DriftMonitor::Clear(const MonitorConfig& config, const FeatureDrift& finding,
                                 DriftReport& out) {
  store::AlertFilter filter;
  filter.workflow = config.workflow;
  filter.kind = kDriftKind;
  filter.subject = finding.feature;
  filter.unresolved_only = true;
  ASSIGN_OR_RETURN(std::vector<store::Alert> ongoing, store_.ListAlerts(filter));
  for (const store::Alert& alert : ongoing) {
    store::AlertResolve resolve;
    resolve.alert_id = alert.alert_id;
    resolve.by = kSelf;
    resolve.resolution = absl::StrCat("back within thresholds: ", finding.summary);
    resolve.now = out.checked_at;
    resolve.notify_url = config.notify_url;
    if (!resolve.notify_url.empty()) {
      store::Alert resolved = alert;
      resolved.updated_at = resolve.now;
      resolve.notification_json =
          common::CanonicalJson(AlertEvent("alert.resolved", resolved, finding, out.windows));
    }
    absl::StatusOr<store::Alert> done = store_.ResolveAlert(resolve);
    if (absl::IsFailedPrecondition(done.status())) continue;  // a person resolved it meanwhile
    RETURN_IF_ERROR(done.status());
    out.alerts_resolved.push_back(alert.alert_id);
  }
  return absl::OkStatus();
}

}  // namespace flowline::monitor
