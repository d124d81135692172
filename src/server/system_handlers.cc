// Health probes and the OpenAPI document.
#include "server/handlers.h"

#ifndef FLOWLINE_VERSION
#define FLOWLINE_VERSION "unknown"
#endif

namespace flowline::server {
namespace {

// For load balancers: answers while the process serves HTTP, touches nothing else.
absl::StatusOr<Reply> Healthz(const Call&) { return Ok(Json{{"status", "ok"}}); }

absl::StatusOr<Reply> Health(ServerContext& ctx, const Call&) {
  // NextDueTime is one indexed read: cheap, yet it proves the store answers queries.
  absl::Status store = ctx.store.NextDueTime().status();
  if (!store.ok()) {
    return absl::UnavailableError(absl::StrCat("the store is not reachable: ", store.message()));
  }
  return Ok(Json{{"status", "ok"},
                 {"store", "ok"},
                 {"worker_id", ctx.engine.worker_id()},
                 {"version", FLOWLINE_VERSION}});
}

}  // namespace

void AddSystemRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/healthz", std::nullopt, Healthz});
  router.Add({"GET", "/api/v1/health", Permission::kRead,
              [&ctx](const Call& call) { return Health(ctx, call); }});
  router.Add({"GET", "/api/v1/openapi.json", std::nullopt,
              [&ctx](const Call&) -> absl::StatusOr<Reply> { return Ok(ctx.openapi); }});
}

}  // namespace flowline::server
