// Health probes and the OpenAPI document.
#include <chrono>

#include "engine/heartbeat.h"
#include "server/handlers.h"
#include "server/json_views.h"

#ifndef FLOWLINE_VERSION
#define FLOWLINE_VERSION "unknown"
#endif

namespace flowline::server {
namespace {

// For load balancers: answers while the process serves HTTP, touches nothing else.
absl::StatusOr<Reply> Healthz(const Call&) { return Ok(Json{{"status", "ok"}}); }

// The processes that beat within this long are listed.
constexpr absl::Duration kWorkersSeenWithin = absl::Minutes(1);

absl::StatusOr<Reply> Health(ServerContext& ctx, const Call&) {
  // NextDueTime is one indexed read: cheap, yet it proves the store answers queries. Its
  // latency is measured on the steady clock: it is a measurement, not a time the store keeps.
  const auto started = std::chrono::steady_clock::now();
  absl::Status store = ctx.store.NextDueTime().status();
  const double latency_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (!store.ok()) {
    return absl::UnavailableError(absl::StrCat("the store is not reachable: ", store.message()));
  }
  const absl::Time now = ctx.clock.Now();
  absl::StatusOr<std::vector<store::WorkerHeartbeat>> seen =
      ctx.store.ListWorkers(now - kWorkersSeenWithin);
  if (!seen.ok()) {
    return absl::UnavailableError(
        absl::StrCat("the store cannot list the workers' heartbeats: ", seen.status().message()));
  }
  Json workers = Json::array();
  int live = 0;
  for (const store::WorkerHeartbeat& worker : *seen) {
    const bool stale = now - worker.seen_at > engine::kHeartbeatStaleAfter;
    live += stale ? 0 : 1;
    workers.push_back(Json{{"worker_id", worker.worker_id},
                           {"host", worker.host},
                           {"pid", worker.pid},
                           {"role", worker.role},
                           {"version", worker.flowline_version},
                           {"workers", worker.workers},
                           {"steps_running", worker.steps_running},
                           {"started_at", Rfc3339(worker.started_at)},
                           {"seen_at", Rfc3339(worker.seen_at)},
                           {"stale", stale}});
  }
  return Ok(Json{{"status", "ok"},
                 {"store", "ok"},
                 {"store_latency_ms", latency_ms},
                 {"worker_id", ctx.engine.worker_id()},
                 {"version", FLOWLINE_VERSION},
                 {"live_workers", live},
                 {"workers", std::move(workers)}});
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
