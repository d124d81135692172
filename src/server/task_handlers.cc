// People's work: listing tasks, claiming and releasing them, and resolving them (which lets the
// waiting run continue). The caller's token name is the user in every task action.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

constexpr int kDefaultTaskLimit = 100;
constexpr int kMaxTaskLimit = 500;

absl::StatusOr<Reply> ListTasks(ServerContext& ctx, const Call& call) {
  store::TaskFilter filter;
  ASSIGN_OR_RETURN(filter.limit, LimitQuery(call, kDefaultTaskLimit, kMaxTaskLimit));
  filter.queue = call.Query("queue");
  filter.run_id = call.Query("run_id");
  filter.workflow = call.Query("workflow");
  if (call.HasQuery("overdue")) {
    const std::string overdue = call.Query("overdue");
    if (overdue != "true") {
      return absl::InvalidArgumentError("overdue can only be true (leave it out for all tasks)");
    }
    filter.due_before = ctx.clock.Now();
  }
  if (call.HasQuery("status")) {
    const std::string status = call.Query("status");
    filter.status = store::ParseTaskStatus(status);
    if (!filter.status.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown task status '", status, "'; use open, claimed, resolved or cancelled"));
    }
  }
  ASSIGN_OR_RETURN(std::vector<store::Task> tasks, ctx.store.ListTasks(filter));
  Json list = Json::array();
  for (const store::Task& task : tasks) list.push_back(TaskJson(task));
  return Ok(Json{{"tasks", std::move(list)}});
}

absl::StatusOr<Reply> GetTask(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(store::Task task, ctx.store.GetTask(call.PathParam("id")));
  return Ok(TaskJson(task));
}

absl::StatusOr<Reply> ClaimTask(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json::object()));
  RETURN_IF_ERROR(RequireObject(body, "the request body"));
  ASSIGN_OR_RETURN(std::optional<absl::Duration> lease, DurationMember(body, "lease"));
  const absl::Duration duration = lease.value_or(ctx.options.default_claim);
  if (duration <= absl::ZeroDuration() || duration > ctx.options.max_claim) {
    return absl::InvalidArgumentError(absl::StrCat("lease must be more than 0 and at most ",
                                                   absl::FormatDuration(ctx.options.max_claim)));
  }
  ASSIGN_OR_RETURN(store::Task task, ctx.store.ClaimTask(call.PathParam("id"), call.user(),
                                                         ctx.clock.Now(), duration));
  return Ok(TaskJson(task));
}

absl::StatusOr<Reply> ReleaseTask(ServerContext& ctx, const Call& call) {
  const std::string& task_id = call.PathParam("id");
  // An unknown task is a 404, not "you do not hold its claim".
  RETURN_IF_ERROR(ctx.store.GetTask(task_id).status());
  RETURN_IF_ERROR(ctx.store.ReleaseTask(task_id, call.user()));
  ASSIGN_OR_RETURN(store::Task task, ctx.store.GetTask(task_id));
  return Ok(TaskJson(task));
}

absl::StatusOr<Reply> ResolveTask(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json()));
  RETURN_IF_ERROR(RequireObject(body, "the request body"));
  engine::TaskDecision decision;
  decision.task_id = call.PathParam("id");
  decision.user = call.user();
  ASSIGN_OR_RETURN(decision.decision, StringMember(body, "decision", /*required=*/true));
  if (decision.decision.empty()) {
    return absl::InvalidArgumentError("\"decision\" must not be empty, e.g. \"approve\"");
  }
  ASSIGN_OR_RETURN(decision.comment, StringMember(body, "comment", /*required=*/false));
  if (auto it = body.find("data"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"data\" must be an object of corrected values, not ", it->type_name()));
    }
    decision.data = *it;
  }
  ASSIGN_OR_RETURN(store::Task task, ctx.engine.ResolveTask(decision));
  spdlog::info("{} resolved task {} of run {}: {}", call.user(), task.task_id, task.run_id,
               decision.decision);
  return Ok(TaskJson(task));
}

}  // namespace

void AddTaskRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/tasks", Permission::kRead,
              [&ctx](const Call& call) { return ListTasks(ctx, call); }});
  router.Add({"GET", "/api/v1/tasks/{id}", Permission::kRead,
              [&ctx](const Call& call) { return GetTask(ctx, call); }});
  router.Add({"POST", "/api/v1/tasks/{id}/claim", Permission::kReview,
              [&ctx](const Call& call) { return ClaimTask(ctx, call); }});
  router.Add({"POST", "/api/v1/tasks/{id}/release", Permission::kReview,
              [&ctx](const Call& call) { return ReleaseTask(ctx, call); }});
  router.Add({"POST", "/api/v1/tasks/{id}/resolve", Permission::kReview,
              [&ctx](const Call& call) { return ResolveTask(ctx, call); }});
}

}  // namespace flowline::server
