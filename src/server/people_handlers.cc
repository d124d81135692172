// People's side of the API: signing in with a password (a session cookie), the queues' counts,
// the corrections people made (labelled cases), and the stop switch.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

constexpr absl::Duration kSessionLifetime = absl::Hours(12);

std::string SessionCookieHeader(const std::string& secret, absl::Duration max_age) {
  return absl::StrCat(kSessionCookie, "=", secret, "; Path=/; HttpOnly; SameSite=Strict; Max-Age=",
                      absl::ToInt64Seconds(max_age));
}

absl::StatusOr<Reply> SignIn(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json()));
  RETURN_IF_ERROR(RequireObject(body, "the request body"));
  ASSIGN_OR_RETURN(std::string user, StringMember(body, "user", /*required=*/true));
  ASSIGN_OR_RETURN(std::string password, StringMember(body, "password", /*required=*/true));
  absl::StatusOr<CreatedToken> session = ctx.tokens.SignIn(user, password, kSessionLifetime);
  if (!session.ok()) {
    spdlog::info("sign-in refused for {}", user);
    return session.status();
  }
  spdlog::info("{} signed in ({})", session->name, RoleName(session->role));
  Reply reply = Ok(Json{{"user", session->name},
                        {"role", RoleName(session->role)},
                        {"expires_at", TimeOrNull(session->expires_at)}});
  reply.headers.emplace_back("Set-Cookie", SessionCookieHeader(session->secret, kSessionLifetime));
  reply.headers.emplace_back("Cache-Control", "no-store");
  return reply;
}

absl::StatusOr<Reply> WhoAmI(ServerContext&, const Call& call) {
  Json permissions = Json::array();
  for (Permission permission : PermissionsOf(call.principal->role)) {
    permissions.push_back(PermissionName(permission));
  }
  return Ok(Json{{"user", call.principal->name},
                 {"role", RoleName(call.principal->role)},
                 {"session", call.principal->session},
                 {"permissions", std::move(permissions)}});
}

absl::StatusOr<Reply> SignOut(ServerContext& ctx, const Call& call) {
  if (call.principal->session) RETURN_IF_ERROR(ctx.tokens.RevokeToken(call.principal->token_id));
  Reply reply = Ok(Json{{"signed_out", call.principal->session}});
  reply.headers.emplace_back("Set-Cookie", SessionCookieHeader("", absl::ZeroDuration()));
  return reply;
}

absl::StatusOr<Reply> Queues(ServerContext& ctx, const Call&) {
  ASSIGN_OR_RETURN(std::vector<store::QueueCounts> counts, ctx.store.CountTasks(ctx.clock.Now()));
  Json queues = Json::array();
  for (const store::QueueCounts& queue : counts) {
    queues.push_back({{"queue", queue.queue},
                      {"open", queue.open},
                      {"claimed", queue.claimed},
                      {"overdue", queue.overdue}});
  }
  return Ok(Json{{"queues", std::move(queues)}});
}

absl::StatusOr<Reply> Corrections(ServerContext& ctx, const Call& call) {
  store::CorrectionFilter filter;
  ASSIGN_OR_RETURN(filter.limit, LimitQuery(call, 1000, 10000));
  filter.workflow = call.Query("workflow");
  filter.run_id = call.Query("run_id");
  if (call.HasQuery("changed")) {
    const std::string changed = call.Query("changed");
    if (changed != "true" && changed != "false") {
      return absl::InvalidArgumentError("changed must be true or false");
    }
    filter.changed_only = changed == "true";
  }
  if (call.HasQuery("after")) {
    const std::string after = call.Query("after");
    if (!absl::SimpleAtoi(after, &filter.after_seq) || filter.after_seq < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("after must be the seq of a correction (a number), not '", after, "'"));
    }
  }
  ASSIGN_OR_RETURN(std::vector<store::Correction> corrections, ctx.store.ListCorrections(filter));
  Json list = Json::array();
  for (const store::Correction& correction : corrections)
    list.push_back(CorrectionJson(correction));
  return Ok(Json{{"corrections", std::move(list)}});
}

absl::StatusOr<Reply> SetPaused(ServerContext& ctx, const Call& call, bool paused) {
  const std::string& workflow = call.PathParam("name");
  ASSIGN_OR_RETURN(store::WorkflowInfo info,
                   ctx.store.SetWorkflowPaused(workflow, paused, call.user(), ctx.clock.Now()));
  spdlog::info("{} {} workflow {}", call.user(), paused ? "paused" : "resumed", workflow);
  return Ok(WorkflowJson(info));
}

}  // namespace

void AddPeopleRoutes(ServerContext& ctx, Router& router) {
  router.Add({"POST", "/api/v1/session", std::nullopt,
              [&ctx](const Call& call) { return SignIn(ctx, call); }});
  router.Add({"GET", "/api/v1/session", Permission::kRead,
              [&ctx](const Call& call) { return WhoAmI(ctx, call); }});
  router.Add({"DELETE", "/api/v1/session", Permission::kRead,
              [&ctx](const Call& call) { return SignOut(ctx, call); }});
  router.Add({"GET", "/api/v1/queues", Permission::kRead,
              [&ctx](const Call& call) { return Queues(ctx, call); }});
  router.Add({"GET", "/api/v1/corrections", Permission::kRead,
              [&ctx](const Call& call) { return Corrections(ctx, call); }});
  router.Add({"POST", "/api/v1/workflows/{name}/pause", Permission::kDeploy,
              [&ctx](const Call& call) { return SetPaused(ctx, call, true); }});
  router.Add({"POST", "/api/v1/workflows/{name}/resume", Permission::kDeploy,
              [&ctx](const Call& call) { return SetPaused(ctx, call, false); }});
}

}  // namespace flowline::server
