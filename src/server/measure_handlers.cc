// The measures: the dashboard's per-bucket series of a workflow, and Prometheus' /metrics.
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "monitor/measure_metrics.h"
#include "monitor/measure_names.h"
#include "monitor/measures.h"
#include "monitor/prometheus.h"
#include "server/handlers.h"
#include "server/measure_context.h"
#include "server/version_lookup.h"

namespace flowline::server {
namespace {

// Without `from`, a period that fills a dashboard at each granularity.
absl::Duration DefaultSpan(int64_t granularity_s) {
  switch (granularity_s) {
    case monitor::kMinute:
      return absl::Hours(3);
    case monitor::kDay:
      return absl::Hours(24 * 30);
    default:
      return absl::Hours(48);
  }
}

// `?name=` as monitor::ParsePeriodBound reads it; nullopt when absent.
absl::StatusOr<std::optional<absl::Time>> TimeQuery(const Call& call, const std::string& name) {
  if (!call.HasQuery(name)) return std::nullopt;
  return monitor::ParsePeriodBound(call.Query(name), name);
}

absl::StatusOr<Reply> Measures(ServerContext& ctx, const Call& call) {
  const std::string& name = call.PathParam("name");
  ASSIGN_OR_RETURN(store::WorkflowInfo workflow, ctx.store.GetWorkflow(name));
  ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, ctx.store.ListVersions(name));

  monitor::MeasuresQuery query;
  query.workflow = workflow.workflow;
  query.granularity_s = monitor::kHour;
  if (call.HasQuery("granularity")) {
    query.granularity_s = monitor::ParseGranularity(call.Query("granularity").c_str());
    if (query.granularity_s == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "granularity must be minute, hour or day, not '", call.Query("granularity"), "'"));
    }
  }
  ASSIGN_OR_RETURN(std::optional<absl::Time> until, TimeQuery(call, "until"));
  ASSIGN_OR_RETURN(std::optional<absl::Time> from, TimeQuery(call, "from"));
  // The period ends with the bucket holding `until` (now by default); without `from` it spans
  // exactly DefaultSpan of whole buckets.
  query.until = monitor::BucketEnd(until.value_or(ctx.clock.Now()), query.granularity_s);
  query.from = from.value_or(query.until - DefaultSpan(query.granularity_s));

  // Which versions count, and the steps they have (a step of none of them is a typo).
  std::vector<const store::VersionInfo*> in_scope;
  if (call.HasQuery("version")) {
    ASSIGN_OR_RETURN(const store::VersionInfo* version,
                     FindVersion(versions, workflow.workflow, call.Query("version")));
    query.version = version->version;
    in_scope.push_back(version);
  } else {
    for (const store::VersionInfo& version : versions) in_scope.push_back(&version);
  }
  if (call.HasQuery("step")) {
    const std::string step = call.Query("step");
    std::set<std::string> known;
    for (const store::VersionInfo* version : in_scope) {
      absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
          ctx.engine.GetPlan(workflow.workflow, version->version);
      if (!plan.ok()) continue;
      for (const engine::StepSpec& spec : (*plan)->spec().steps) known.insert(spec.id);
    }
    if (!known.contains(step)) {
      return absl::InvalidArgumentError(
          absl::StrCat("workflow ", workflow.workflow, " has no step '", step, "'",
                       query.version ? " in that version" : "", "; GET /api/v1/workflows/",
                       workflow.workflow, " lists its steps"));
    }
    query.step = step;
  }

  const monitor::MeasuresContext context =
      MeasuresContextFor(ctx.engine, workflow.workflow, ctx.options.prices);
  ASSIGN_OR_RETURN(monitor::MeasureReport report,
                   monitor::ComputeMeasures(ctx.store, query, context));
  return Ok(monitor::MeasureReportJson(report));
}

absl::StatusOr<Reply> Metrics(ServerContext& ctx, const Call&) {
  monitor::PrometheusWriter out;
  monitor::MeasureMetrics measures(ctx.store, ctx.clock);
  RETURN_IF_ERROR(measures.Collect(out));
  for (monitor::MetricsSource* source : ctx.options.metrics_sources) {
    RETURN_IF_ERROR(source->Collect(out));
  }
  // A source that wrote a malformed or repeated family is a bug: say so rather than serve an
  // exposition Prometheus would reject as a whole.
  RETURN_IF_ERROR(out.status());
  Reply reply;
  reply.raw_body = out.Take();
  reply.raw_content_type = monitor::kPrometheusContentType;
  return reply;
}

}  // namespace

void AddMeasureRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/workflows/{name}/measures", Permission::kRead,
              [&ctx](const Call& call) { return Measures(ctx, call); }});
  router.Add({"GET", "/metrics", Permission::kRead,
              [&ctx](const Call& call) { return Metrics(ctx, call); }});
}

}  // namespace flowline::server
