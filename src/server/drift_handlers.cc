// Drift and alerts (docs/drift.md): a workflow's latest drift check for the dashboard, a check
// on demand, and the alerts with their acknowledgement and resolution.
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

// The stored report as the API shows it: the check's JSON as written.
absl::StatusOr<Reply> LatestDrift(ServerContext& ctx, const Call& call) {
  const std::string& workflow = call.PathParam("name");
  RETURN_IF_ERROR(ctx.store.GetWorkflow(workflow).status());
  ASSIGN_OR_RETURN(store::DriftReportRow row, ctx.store.GetDriftReport(workflow));
  ASSIGN_OR_RETURN(Json report, common::ParseJson(row.report_json, "the stored drift report"));
  return Ok(std::move(report));
}

absl::StatusOr<Reply> CheckDrift(ServerContext& ctx, const Call& call) {
  const std::string& workflow = call.PathParam("name");
  ASSIGN_OR_RETURN(monitor::DriftReport report, ctx.drift.Check(workflow));
  spdlog::info("{} ran the drift check of {}: {} feature(s) drifted", call.user(), workflow,
               report.drifted());
  return Ok(report.ToJson());
}

absl::StatusOr<Reply> ListAlerts(ServerContext& ctx, const Call& call) {
  store::AlertFilter filter;
  ASSIGN_OR_RETURN(filter.limit, LimitQuery(call, 100, 1000));
  filter.workflow = call.Query("workflow");
  filter.kind = call.Query("kind");
  filter.subject = call.Query("subject");
  // Unresolved ones unless asked otherwise: what needs someone's attention.
  const std::string status = call.HasQuery("status") ? call.Query("status") : "unresolved";
  if (status == "unresolved") {
    filter.unresolved_only = true;
  } else if (status != "all") {
    std::optional<store::AlertStatus> parsed = store::ParseAlertStatus(status);
    if (!parsed.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "status must be open, acknowledged, resolved, unresolved or all, not '", status, "'"));
    }
    filter.status = parsed;
  }
  if (call.HasQuery("before")) {
    const std::string before = call.Query("before");
    if (!absl::SimpleAtoi(before, &filter.before_seq) || filter.before_seq <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "before must be the seq of an alert (a positive number), not '", before, "'"));
    }
  }
  ASSIGN_OR_RETURN(std::vector<store::Alert> alerts, ctx.store.ListAlerts(filter));
  Json list = Json::array();
  for (const store::Alert& alert : alerts) list.push_back(AlertJson(alert));
  return Ok(Json{{"alerts", std::move(list)}});
}

absl::StatusOr<Reply> GetAlert(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(store::Alert alert, ctx.store.GetAlert(call.PathParam("id")));
  return Ok(AlertJson(alert));
}

absl::StatusOr<Reply> AcknowledgeAlert(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(store::Alert alert,
                   ctx.store.AcknowledgeAlert(call.PathParam("id"), call.user(), ctx.clock.Now()));
  spdlog::info("{} acknowledged alert {}", call.user(), alert.alert_id);
  return Ok(AlertJson(alert));
}

absl::StatusOr<Reply> ResolveAlert(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json::object()));
  RETURN_IF_ERROR(RequireObject(body, "the request body"));
  store::AlertResolve resolve;
  resolve.alert_id = call.PathParam("id");
  resolve.by = call.user();
  ASSIGN_OR_RETURN(resolve.resolution, StringMember(body, "note", /*required=*/false));
  resolve.now = ctx.clock.Now();
  ASSIGN_OR_RETURN(store::Alert alert, ctx.store.ResolveAlert(resolve));
  spdlog::info("{} resolved alert {}", call.user(), alert.alert_id);
  return Ok(AlertJson(alert));
}

}  // namespace

void AddDriftRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/workflows/{name}/drift", Permission::kRead,
              [&ctx](const Call& call) { return LatestDrift(ctx, call); }});
  router.Add({"POST", "/api/v1/workflows/{name}/drift/check", Permission::kDeploy,
              [&ctx](const Call& call) { return CheckDrift(ctx, call); }});
  router.Add({"GET", "/api/v1/alerts", Permission::kRead,
              [&ctx](const Call& call) { return ListAlerts(ctx, call); }});
  router.Add({"GET", "/api/v1/alerts/{id}", Permission::kRead,
              [&ctx](const Call& call) { return GetAlert(ctx, call); }});
  router.Add({"POST", "/api/v1/alerts/{id}/acknowledge", Permission::kDeploy,
              [&ctx](const Call& call) { return AcknowledgeAlert(ctx, call); }});
  router.Add({"POST", "/api/v1/alerts/{id}/resolve", Permission::kDeploy,
              [&ctx](const Call& call) { return ResolveAlert(ctx, call); }});
}

}  // namespace flowline::server
