// `flowline serve`'s HTTP API: JSON under /api/v1 (workflows, runs, tasks, tokens, health,
// measures), the OpenAPI document, a load-balancer probe (/healthz), Prometheus metrics
// (/metrics), and the webhook triggers that live workflows declare. docs/api.md describes it for
// people; openapi.json for machines.
//
// Every /api/v1 route except the OpenAPI document, and /metrics, need `Authorization: Bearer
// <token>` whose role allows it (server/auth.h has the role table): 401 without a valid token, 403
// for a role that may not. Every error is a JSON body (server/http_status.h), never an HTML page.
//
// The server owns its HTTP threads; the engine, store, clock and random it is given must
// outlive it. Handlers call the engine and the store directly, both thread-safe.
//
// Thread-safety: Listen() and Stop() are meant for the owning thread; everything else may be
// called from any thread.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "server/auth.h"
#include "store/store.h"

namespace flowline::steps {
class ArtifactStore;
}
namespace flowline::monitor {
class DriftMonitor;
class MetricsSource;
class PriceTable;
}  // namespace flowline::monitor

namespace flowline::server {

struct ApiServerOptions {
  // The largest request body accepted; a larger one gets 413 with a JSON error. Default 10 MiB.
  size_t max_body_bytes = 10 * 1024 * 1024;
  // Threads serving requests (each serves one request at a time; `?wait=` holds one). Default 8.
  int threads = 8;
  // The longest `?wait=` a client may ask for when starting a run. Default 60 s.
  absl::Duration max_wait = absl::Seconds(60);
  // How long a task claim lasts when the request names no `lease`. Default 15 min.
  absl::Duration default_claim = absl::Minutes(15);
  // The longest task claim a request may ask for. Default 24 h.
  absl::Duration max_claim = absl::Hours(24);
  // Where uploaded documents are kept (POST /api/v1/workflows/{name}/documents); the engine's
  // steps must see the same store. Null: uploads answer 503. Must outlive the server.
  steps::ArtifactStore* artifacts = nullptr;
  // Runs the drift checks asked for through the API (POST /api/v1/workflows/{name}/drift/check);
  // `flowline serve` shares the one its periodic check uses. Null: the server makes its own over
  // the engine's plans. Must outlive the server.
  monitor::DriftMonitor* drift = nullptr;
  // GET /metrics answers the measures (monitor/measure_metrics.h) and then asks each of these
  // (e.g. the measures rollup loop, drift alerts) to add its metric families. Each must outlive
  // the server. Default: none.
  std::vector<monitor::MetricsSource*> metrics_sources;
  // The price table the measures are costed with (monitor/prices.h); null (default): the
  // measures carry no cost. Must outlive the server.
  const monitor::PriceTable* prices = nullptr;
  // A built web UI (index.html and assets/) served at / (server/static_files.h); empty: none.
  // Create() fails with NotFound when it is set but holds no index.html.
  std::string ui_dir;
};

// A route the server answers: "GET", "/api/v1/runs/{id}".
struct RouteInfo {
  std::string method;
  std::string pattern;
  bool operator==(const RouteInfo&) const = default;
};

class ApiServer {
 public:
  // Validates the options (InvalidArgument) and loads the webhook triggers of the live workflows
  // (the store's errors). `random` mints API tokens created through the API: it must be
  // cryptographically secure outside tests (common::SystemRandom is).
  static absl::StatusOr<std::unique_ptr<ApiServer>> Create(ApiServerOptions options,
                                                           engine::Engine& engine,
                                                           store::Store& store,
                                                           const common::Clock& clock,
                                                           common::Random& random);
  ~ApiServer();  // Stop()s.
  ApiServer(const ApiServer&) = delete;
  ApiServer& operator=(const ApiServer&) = delete;

  // Binds `host:port` (port 0: a free port, see port()) and serves from background threads.
  // Unavailable if the address cannot be bound; FailedPrecondition if already listening.
  absl::Status Listen(const std::string& host, int port);
  // The bound port; 0 before Listen().
  int port() const;
  // Stops accepting, finishes the requests in progress, joins the threads. Idempotent.
  void Stop();

  // Reloads the webhook triggers from the store (for deploys that did not go through the API).
  absl::Status RefreshWebhooks();

  // The static routes, in registration order (webhook paths are not listed: they come and go
  // with deploys and are served as POST on whatever path a trigger declares).
  std::vector<RouteInfo> Routes() const;

  TokenAuthority& tokens();

 private:
  struct State;
  explicit ApiServer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace flowline::server
