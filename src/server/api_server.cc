#include "server/api_server.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "engine/monitoring.h"
#include "server/handlers.h"
#include "server/http_status.h"
#include "server/openapi_document.h"
#include "server/router.h"
#include "server/static_files.h"
#include "server/webhook_routes.h"
#include "spdlog/spdlog.h"

namespace flowline::server {

struct ApiServer::State {
  State(ApiServerOptions options, engine::Engine& engine, store::Store& store,
        const common::Clock& clock, common::Random& random, Json openapi)
      : tokens(store, clock, random),
        webhooks(engine, store, [this](std::string_view path) { return router.MatchesPath(path); }),
        catalog(engine),
        own_drift(options.drift == nullptr
                      ? std::make_unique<monitor::DriftMonitor>(store, catalog, clock, random)
                      : nullptr),
        ctx{options,
            engine,
            store,
            clock,
            tokens,
            webhooks,
            options.drift != nullptr ? *options.drift : *own_drift,
            std::move(openapi)} {}

  void Handle(const httplib::Request& req, httplib::Response& res);
  Reply Dispatch(const httplib::Request& req);

  Router router;
  std::unique_ptr<StaticFiles> ui;  // null: no web UI
  TokenAuthority tokens;
  WebhookRoutes webhooks;
  engine::PlanMonitorCatalog catalog;
  std::unique_ptr<monitor::DriftMonitor> own_drift;  // when the options bring none
  ServerContext ctx;
  httplib::Server http;
  std::thread thread;
  std::atomic<int> port{0};
  std::atomic<bool> loop_ended{false};
  bool listening = false;
};

namespace {

Reply ErrorReply(const HttpError& error) {
  Reply reply = JsonReply(error.http_status, error.ToJson());
  if (error.http_status == 401) reply.headers.emplace_back("WWW-Authenticate", "Bearer");
  return reply;
}

Reply StatusReply(const absl::Status& status) {
  HttpError error = ErrorFromStatus(status);
  if (error.http_status >= 500) {
    spdlog::error("request failed: {}", status.ToString());
  }
  return ErrorReply(error);
}

// Runs a handler; an exception escaping one (a bug) becomes a 500 with a JSON body.
template <typename Fn>
Reply Invoke(const Fn& handler, Call& call) {
  try {
    absl::StatusOr<Reply> reply = handler(call);
    return reply.ok() ? *std::move(reply) : StatusReply(reply.status());
  } catch (const std::exception& e) {
    spdlog::error("{} {}: handler threw: {}", call.http.method, call.http.path, e.what());
    return StatusReply(absl::InternalError("internal error; the server log has the details"));
  }
}

// The message for an error HTTP itself produced, before any handler ran.
std::string HttpErrorMessage(int status, size_t max_body_bytes) {
  switch (status) {
    case 413:
      return absl::StrCat("the request body is larger than the server accepts (", max_body_bytes,
                          " bytes)");
    case 400:
      return "the request could not be read as HTTP";
    case 414:
      return "the request URI is too long";
    default:
      return absl::StrCat("HTTP ", status);
  }
}

}  // namespace

std::string SessionCookie(std::string_view cookie_header) {
  const std::string prefix = absl::StrCat(kSessionCookie, "=");
  for (absl::string_view part : absl::StrSplit(Sv(cookie_header), ';')) {
    part = absl::StripAsciiWhitespace(part);
    if (absl::StartsWith(part, prefix)) return std::string(part.substr(prefix.size()));
  }
  return "";
}

Reply ApiServer::State::Dispatch(const httplib::Request& req) {
  // httplib enforces the limit on bodies with a Content-Length; a chunked body is only known to
  // be too large once read.
  if (req.body.size() > ctx.options.max_body_bytes) {
    return ErrorReply(ErrorForHttpStatus(413, HttpErrorMessage(413, ctx.options.max_body_bytes)));
  }
  RouteMatch match = router.Find(req.method, req.path);
  Call call{req, std::move(match.params), std::nullopt};
  if (match.route == nullptr) {
    if (match.allowed_methods.empty()) {
      if (std::optional<WebhookTrigger> trigger = webhooks.Find(req.path)) {
        if (req.method == "POST") {
          return Invoke([&](Call& c) { return HandleWebhook(ctx, *trigger, c); }, call);
        }
        match.allowed_methods.push_back("POST");
      }
    }
    if (match.allowed_methods.empty()) {
      return ErrorReply(
          ErrorForHttpStatus(404, absl::StrCat("no such route: ", req.method, " ", req.path,
                                               " (GET /api/v1/openapi.json lists the routes)")));
    }
    const std::string allow = absl::StrJoin(match.allowed_methods, ", ");
    Reply reply = ErrorReply(ErrorForHttpStatus(
        405, absl::StrCat(req.method, " is not allowed on ", req.path, "; allowed: ", allow)));
    reply.headers.emplace_back("Allow", allow);
    return reply;
  }
  if (match.route->permission.has_value()) {
    // A browser signed in with a password sends its session as a cookie; anything that changes
    // state must then also carry X-Flowline-Request, which a cross-site form cannot set.
    std::string authorization = req.get_header_value("Authorization");
    if (authorization.empty()) {
      std::string session = SessionCookie(req.get_header_value("Cookie"));
      if (!session.empty()) {
        if (req.method != "GET" && req.method != "HEAD" &&
            req.get_header_value("X-Flowline-Request").empty()) {
          return StatusReply(absl::PermissionDeniedError(
              "a request signed in with the session cookie must send the header "
              "`X-Flowline-Request: 1` (protection against cross-site requests)"));
        }
        authorization = absl::StrCat("Bearer ", session);
      }
    }
    absl::StatusOr<Principal> principal = tokens.Authorize(authorization, *match.route->permission);
    if (!principal.ok()) return StatusReply(principal.status());
    call.principal = *std::move(principal);
  }
  return Invoke(match.route->handler, call);
}

void ApiServer::State::Handle(const httplib::Request& req, httplib::Response& res) {
  const absl::Time start = absl::Now();
  // The web UI answers GETs of paths no API route or webhook claims.
  if (ui != nullptr && (req.method == "GET" || req.method == "HEAD") &&
      !router.MatchesPath(req.path) && !webhooks.Find(req.path).has_value()) {
    if (std::optional<StaticFile> file = ui->Serve(req.path)) {
      for (const auto& [name, value] : file->headers) res.set_header(name.c_str(), value.c_str());
      res.set_content(file->body, file->content_type.c_str());
      return;
    }
  }
  Reply reply = Dispatch(req);
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name.c_str(), value.c_str());
  if (reply.raw_body.has_value()) {
    res.set_content(*reply.raw_body, reply.raw_content_type.c_str());
  } else {
    res.set_content(reply.body.dump(), "application/json");
  }
  // Method, path and outcome only: headers (Authorization, signatures) are never logged.
  spdlog::debug("{} {} -> {} ({} ms)", req.method, req.path, reply.status,
                absl::ToDoubleMilliseconds(absl::Now() - start));
}

ApiServer::ApiServer(std::unique_ptr<State> state) : state_(std::move(state)) {}

ApiServer::~ApiServer() { Stop(); }

absl::StatusOr<std::unique_ptr<ApiServer>> ApiServer::Create(ApiServerOptions options,
                                                             engine::Engine& engine,
                                                             store::Store& store,
                                                             const common::Clock& clock,
                                                             common::Random& random) {
  if (options.max_body_bytes == 0) {
    return absl::InvalidArgumentError("max_body_bytes must be positive");
  }
  if (options.threads < 1) return absl::InvalidArgumentError("threads must be at least 1");
  if (options.max_wait < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("max_wait must not be negative");
  }
  if (options.default_claim <= absl::ZeroDuration() || options.max_claim < options.default_claim) {
    return absl::InvalidArgumentError("default_claim must be positive and at most max_claim");
  }
  absl::StatusOr<Json> openapi = common::ParseJson(OpenApiDocument(), "openapi.json");
  if (!openapi.ok()) return absl::InternalError(openapi.status().message());

  std::unique_ptr<StaticFiles> ui;
  if (!options.ui_dir.empty()) {
    ASSIGN_OR_RETURN(ui, StaticFiles::Open(options.ui_dir));
  }
  auto state = std::make_unique<State>(options, engine, store, clock, random, *std::move(openapi));
  state->ui = std::move(ui);
  AddSystemRoutes(state->ctx, state->router);
  AddPeopleRoutes(state->ctx, state->router);
  AddWorkflowRoutes(state->ctx, state->router);
  AddRunRoutes(state->ctx, state->router);
  AddTaskRoutes(state->ctx, state->router);
  AddTokenRoutes(state->ctx, state->router);
  AddArtifactRoutes(state->ctx, state->router);
  AddDriftRoutes(state->ctx, state->router);
  AddMeasureRoutes(state->ctx, state->router);
  AddDatasetRoutes(state->ctx, state->router);
  AddEvaluationRoutes(state->ctx, state->router);
  RETURN_IF_ERROR(state->webhooks.Refresh());

  State* s = state.get();
  httplib::Server& http = s->http;
  const int threads = s->ctx.options.threads;
  http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  http.set_payload_max_length(s->ctx.options.max_body_bytes);
  // httplib's default also sets SO_REUSEPORT, which lets a second server bind the same port and
  // silently take half the connections. SO_REUSEADDR alone allows a quick restart, and a port
  // in use is an error again.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Every route goes through Dispatch, which knows the route table: that is how 404 and 405 are
  // told apart and answered in JSON.
  auto handle = [s](const httplib::Request& req, httplib::Response& res) { s->Handle(req, res); };
  http.Get(".*", handle);
  http.Post(".*", handle);
  http.Put(".*", handle);
  http.Patch(".*", handle);
  http.Delete(".*", handle);
  http.Options(".*", handle);
  // A request with neither Content-Length nor Transfer-Encoding has no body (RFC 9112 6.3), but
  // httplib 0.11 tries to read one for POST/PUT/PATCH and answers 400 (`curl -X POST` sends
  // such requests). Those are served here, before httplib reads anything.
  http.set_pre_routing_handler([s](const httplib::Request& req, httplib::Response& res) {
    if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
      return httplib::Server::HandlerResponse::Unhandled;
    }
    s->Handle(req, res);
    return httplib::Server::HandlerResponse::Handled;
  });
  // Errors httplib produces itself (413 for a body over the limit, 400 for a request it cannot
  // parse) get the same JSON body as everything else.
  const size_t max_body = s->ctx.options.max_body_bytes;
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        HttpError error = ErrorForHttpStatus(res.status, HttpErrorMessage(res.status, max_body));
        res.set_content(error.ToJson().dump(), "application/json");
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res,
                                std::exception_ptr) {
    spdlog::error("{} {}: unexpected exception", req.method, req.path);
    res.status = 500;
    res.set_content(
        ErrorForHttpStatus(500, "internal error; the server log has the details").ToJson().dump(),
        "application/json");
  });
  return std::unique_ptr<ApiServer>(new ApiServer(std::move(state)));
}

absl::Status ApiServer::Listen(const std::string& host, int port) {
  State& s = *state_;
  if (s.listening) return absl::FailedPreconditionError("the API server is already listening");
  int bound = port;
  if (port == 0) {
    bound = s.http.bind_to_any_port(host);
    if (bound < 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", host, ": no free port"));
    }
  } else if (!s.http.bind_to_port(host, port)) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", host, ":", port, " (in use, or not allowed)"));
  }
  s.port = bound;
  s.listening = true;
  s.loop_ended = false;
  s.thread = std::thread([&s] {
    if (!s.http.listen_after_bind()) spdlog::error("the API server stopped listening");
    s.loop_ended = true;
  });
  // Stop() can only interrupt a running accept loop, so return once it runs (httplib 0.11 has
  // no call that waits for it).
  while (!s.http.is_running() && !s.loop_ended) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (!s.http.is_running()) {
    s.thread.join();
    s.listening = false;
    s.port = 0;
    return absl::UnavailableError(
        absl::StrCat("the API server could not serve on ", host, ":", bound));
  }
  spdlog::info("API listening on {}:{}", host, bound);
  return absl::OkStatus();
}

int ApiServer::port() const { return state_->port; }

void ApiServer::Stop() {
  State& s = *state_;
  if (!s.listening) return;
  s.http.stop();
  if (s.thread.joinable()) s.thread.join();
  s.listening = false;
}

absl::Status ApiServer::RefreshWebhooks() { return state_->webhooks.Refresh(); }

std::vector<RouteInfo> ApiServer::Routes() const {
  std::vector<RouteInfo> out;
  for (const Route& route : state_->router.routes()) out.push_back({route.method, route.pattern});
  return out;
}

TokenAuthority& ApiServer::tokens() { return state_->tokens; }

}  // namespace flowline::server
