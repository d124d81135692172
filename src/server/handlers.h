// The API's handlers, grouped by resource, each group adding its routes to the router (private
// to server/). Each route names the Permission it needs; the dispatcher in api_server.cc checks
// the caller's token against it before the handler runs, so handlers only do their job.
#pragma once

#include "common/clock.h"
#include "engine/engine.h"
#include "monitor/drift_check.h"
#include "server/api_server.h"
#include "server/auth.h"
#include "server/call.h"
#include "server/router.h"
#include "server/webhook_routes.h"
#include "store/store.h"

namespace flowline::server {

// What every handler may use. Owned by ApiServer; outlives the handlers.
struct ServerContext {
  ApiServerOptions options;
  engine::Engine& engine;
  store::Store& store;
  const common::Clock& clock;
  TokenAuthority& tokens;
  WebhookRoutes& webhooks;
  monitor::DriftMonitor& drift;
  Json openapi;  // the parsed OpenAPI document
};

// POST/GET /api/v1/workflows, GET /api/v1/workflows/{name}, GET .../{name}/shadow.
void AddWorkflowRoutes(ServerContext& ctx, Router& router);
// POST /api/v1/workflows/{name}/runs, POST /api/v1/workflows/{name}/documents,
// GET /api/v1/runs, GET /api/v1/runs/{id}.
void AddRunRoutes(ServerContext& ctx, Router& router);
// GET /api/v1/tasks, GET /api/v1/tasks/{id}, POST .../claim, .../release, .../resolve.
void AddTaskRoutes(ServerContext& ctx, Router& router);
// GET/POST /api/v1/tokens, DELETE /api/v1/tokens/{id}.
void AddTokenRoutes(ServerContext& ctx, Router& router);
// GET /api/v1/artifacts/{ref}: a stored artifact (a page image) as its bytes.
void AddArtifactRoutes(ServerContext& ctx, Router& router);
// GET /healthz, /api/v1/health, /api/v1/openapi.json.
void AddSystemRoutes(ServerContext& ctx, Router& router);
// POST/GET/DELETE /api/v1/session (sign-in with a password), GET /api/v1/queues,
// GET /api/v1/corrections, POST /api/v1/workflows/{name}/pause and /resume.
void AddPeopleRoutes(ServerContext& ctx, Router& router);

// GET /api/v1/workflows/{name}/drift, POST .../drift/check, GET /api/v1/alerts,
// GET /api/v1/alerts/{id}, POST .../acknowledge and .../resolve.
void AddDriftRoutes(ServerContext& ctx, Router& router);

// GET /api/v1/datasets, GET /api/v1/datasets/{name} (docs/datasets.md).
void AddDatasetRoutes(ServerContext& ctx, Router& router);

// GET /api/v1/evaluations, /api/v1/evaluations/{id}, /api/v1/evaluations/compare?a=&b=
// (docs/evaluation.md).
void AddEvaluationRoutes(ServerContext& ctx, Router& router);

// The name of the session cookie, and its value in a Cookie header ("" if absent).
inline constexpr char kSessionCookie[] = "flowline_session";
std::string SessionCookie(std::string_view cookie_header);

// GET /api/v1/workflows/{name}/measures (the dashboard's series), GET /metrics (Prometheus).
void AddMeasureRoutes(ServerContext& ctx, Router& router);

// The document type told by `bytes`' first bytes, as an artifact extension ("pdf", "png", "jpg",
// "tif"); "" when they are not one of those documents.
std::string DocumentExtension(const std::string& bytes);

// Starts a run through a webhook trigger: checks the signature (or the caller's token), then
// starts a run of the trigger's workflow with the body as input, its `files` fields ({name,
// content_base64}) stored as artifacts and replaced by {file: <artifact key>, name, size, sha256}.
absl::StatusOr<Reply> HandleWebhook(ServerContext& ctx, const WebhookTrigger& trigger, Call& call);

// The JSON a started run gets: {run_id, workflow, version, status, created}, and, when `wait`
// is set, the run after waiting for it to finish (at most that long).
absl::StatusOr<Reply> StartRunReply(ServerContext& ctx, const engine::StartRunRequest& request,
                                    std::optional<absl::Duration> wait);

}  // namespace flowline::server
