// Starting runs and reading them back with their step timeline and decision records.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"

namespace flowline::server {
namespace {

constexpr int kDefaultRunLimit = 50;
constexpr int kMaxRunLimit = 500;

absl::StatusOr<Reply> StartRun(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(std::optional<absl::Duration> wait, DurationQuery(call, "wait"));
  ASSIGN_OR_RETURN(Json input, JsonBody(call, "the run input", Json::object()));
  engine::StartRunRequest request;
  request.workflow = call.PathParam("name");
  request.input = std::move(input);
  request.version = call.Query("version");
  return StartRunReply(ctx, request, wait);
}

absl::StatusOr<Reply> ListRuns(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(int limit, LimitQuery(call, kDefaultRunLimit, kMaxRunLimit));
  store::RunFilter filter;
  filter.workflow = call.Query("workflow");
  filter.before_run_id = call.Query("before");
  if (call.HasQuery("status")) {
    const std::string status = call.Query("status");
    filter.status = store::ParseRunStatus(status);
    if (!filter.status.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown run status '", status,
                       "'; use running, completed, failed, rejected or cancelled"));
    }
  }
  // One more than asked for tells whether there is a next page.
  filter.limit = limit + 1;
  ASSIGN_OR_RETURN(std::vector<store::Run> runs, ctx.store.ListRuns(filter));
  Json next = nullptr;
  if (runs.size() > static_cast<size_t>(limit)) {
    runs.resize(limit);
    next = runs.back().run_id;
  }
  Json list = Json::array();
  for (const store::Run& run : runs) list.push_back(RunSummaryJson(run));
  return Ok(Json{{"runs", std::move(list)}, {"next", std::move(next)}});
}

absl::StatusOr<Reply> GetRun(ServerContext& ctx, const Call& call) {
  const std::string& run_id = call.PathParam("id");
  ASSIGN_OR_RETURN(store::RunDetail detail, ctx.store.GetRunDetail(run_id));
  ASSIGN_OR_RETURN(std::vector<store::Record> records, ctx.store.ListRecords(run_id));
  Json body = RunJson(detail.run);
  Json steps = Json::array();
  for (const store::StepState& step : detail.steps) {
    // The end node is the engine's bookkeeping, not a step anyone wrote.
    if (step.step_id == store::kEndStepId) continue;
    steps.push_back(StepJson(step));
  }
  body["steps"] = std::move(steps);
  Json list = Json::array();
  for (const store::Record& record : records) list.push_back(RecordJson(record));
  body["records"] = std::move(list);
  return Ok(std::move(body));
}

}  // namespace

absl::StatusOr<Reply> StartRunReply(ServerContext& ctx, const engine::StartRunRequest& request,
                                    std::optional<absl::Duration> wait) {
  if (wait.has_value() && *wait > ctx.options.max_wait) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait may be at most ", absl::FormatDuration(ctx.options.max_wait)));
  }
  ASSIGN_OR_RETURN(engine::StartRunResult started, ctx.engine.StartRun(request));
  Json body = {{"run_id", started.run_id},
               {"workflow", request.workflow},
               {"version", started.version},
               {"status", store::RunStatusName(started.status)},
               {"created", started.created}};
  if (wait.has_value()) {
    // The run exists whatever the wait says: a run still going when the wait ends is reported
    // as it is (wait_timed_out), not as an error that would invite a retry.
    absl::StatusOr<store::Run> run = ctx.engine.WaitForRun(started.run_id, *wait);
    if (absl::IsDeadlineExceeded(run.status())) {
      body["wait_timed_out"] = true;
      run = ctx.store.GetRun(started.run_id);
    }
    if (!run.ok()) return run.status();
    body["status"] = store::RunStatusName(run->status);
    body["run"] = RunJson(*run);
  }
  return started.created ? Created(std::move(body)) : Ok(std::move(body));
}

void AddRunRoutes(ServerContext& ctx, Router& router) {
  router.Add({"POST", "/api/v1/workflows/{name}/runs", Permission::kStartRun,
              [&ctx](const Call& call) { return StartRun(ctx, call); }});
  router.Add({"GET", "/api/v1/runs", Permission::kRead,
              [&ctx](const Call& call) { return ListRuns(ctx, call); }});
  router.Add({"GET", "/api/v1/runs/{id}", Permission::kRead,
              [&ctx](const Call& call) { return GetRun(ctx, call); }});
}

}  // namespace flowline::server
