#include "monitor/drift_metrics.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/json_util.h"
#include "common/status_macros.h"

namespace flowline::monitor {

absl::Status DriftMetrics::Collect(PrometheusWriter& out) {
  ASSIGN_OR_RETURN(std::vector<store::AlertCount> counts, store_.CountAlerts());
  out.Family("flowline_alerts_open", "gauge",
             "Unresolved alerts (open or acknowledged) by workflow, kind and status.");
  for (const store::AlertCount& count : counts) {
    out.Sample("flowline_alerts_open",
               {{"workflow", count.workflow},
                {"kind", count.kind},
                {"status", store::AlertStatusName(count.status)}},
               static_cast<double>(count.count));
  }

  // The latest report of each workflow that has one.
  ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> workflows, store_.ListWorkflows());
  std::vector<Json> reports;
  for (const store::WorkflowInfo& workflow : workflows) {
    absl::StatusOr<store::DriftReportRow> row = store_.GetDriftReport(workflow.workflow);
    if (absl::IsNotFound(row.status())) continue;
    RETURN_IF_ERROR(row.status());
    absl::StatusOr<Json> report = common::ParseJson(row->report_json, "a stored drift report");
    if (!report.ok() || !report->is_object()) continue;
    (*report)["checked_at_seconds"] = absl::ToDoubleSeconds(row->checked_at - absl::UnixEpoch());
    reports.push_back(*std::move(report));
  }
  out.Family("flowline_drift_checked_timestamp_seconds", "gauge",
             "When each workflow's latest drift check ran (Unix time).");
  for (const Json& report : reports) {
    out.Sample("flowline_drift_checked_timestamp_seconds",
               {{"workflow", report.value("workflow", std::string())}},
               report["checked_at_seconds"].get<double>());
  }
  out.Family("flowline_drift_feature_drifted", "gauge",
             "1 when the latest drift check found the feature drifted, else 0.");
  for (const Json& report : reports) {
    for (const Json& feature : report.value("features", Json::array())) {
      out.Sample("flowline_drift_feature_drifted",
                 {{"workflow", report.value("workflow", std::string())},
                  {"feature", feature.value("feature", std::string())}},
                 feature.value("status", std::string()) == "drift" ? 1 : 0);
    }
  }
  out.Family("flowline_drift_statistic", "gauge",
             "The latest drift check's statistics per feature (docs/drift.md).");
  for (const Json& report : reports) {
    for (const Json& feature : report.value("features", Json::array())) {
      for (const Json& statistic : feature.value("statistics", Json::array())) {
        out.Sample("flowline_drift_statistic",
                   {{"workflow", report.value("workflow", std::string())},
                    {"feature", feature.value("feature", std::string())},
                    {"statistic", statistic.value("name", std::string())}},
                   statistic.value("value", 0.0));
      }
    }
  }
  return out.status();
}

}  // namespace flowline::monitor
