#include "steps/http_step.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/connection_auth.h"
#include "steps/connection_param.h"
#include "steps/http_auth.h"
#include "steps/http_client.h"
#include "steps/http_response_handling.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);
constexpr const char* kMethods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

// One attempt's request, read from the parameters.
struct HttpCall {
  std::string method = "GET";
  std::string url;    // with the query appended
  std::string label;  // "METHOD scheme://host/path", for errors (no query: it may carry data)
  std::vector<std::pair<std::string, std::string>> headers;
  bool has_content_type = false;
  std::optional<std::string> body;
  absl::Duration timeout = kDefaultTimeout;
  std::vector<int> expect;  // empty: any 2xx
};

bool IsToken(std::string_view name) {
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string::npos;
  });
}

// A scalar parameter value as it goes on the wire; nullopt for lists, mappings and null.
std::optional<std::string> ScalarText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

void ReadMethod(ParamReader& r, HttpCall& call) {
  std::optional<std::string> method = r.String("method");
  if (!method) return;
  absl::AsciiStrToUpper(&*method);
  if (std::find(std::begin(kMethods), std::end(kMethods), *method) == std::end(kMethods)) {
    r.Error("method", absl::StrCat("unsupported method \"", *method, "\""),
            "use GET, HEAD, POST, PUT, PATCH, DELETE or OPTIONS");
    return;
  }
  call.method = *method;
}

// The connection's base_url joined with `path` (one '/' between them).
void ReadConnectionUrl(ParamReader& r, const Connection& connection, HttpCall& call) {
  std::string url = connection.settings.value("base_url", "");
  while (!url.empty() && url.back() == '/') url.pop_back();
  std::optional<std::string> path = r.String("path");
  if (r.Has("path") && !path) return;  // deferred, or reported
  if (path) {
    if (path->find_first_of(" \t\r\n") != std::string::npos || absl::StrContains(*path, "://")) {
      r.Error("path", absl::StrCat("\"", Truncate(*path, 80), "\" is not a path"),
              "write the path below the connection's base_url, e.g. /accounts/42");
      return;
    }
    if (!path->empty() && path->front() != '/' && path->front() != '?') url.push_back('/');
    url += *path;
  }
  call.url = std::move(url);
}

void ReadUrl(ParamReader& r, HttpCall& call) {
  std::optional<std::string> url = r.String("url");
  if (!url) return;
  const bool http =
      absl::StartsWithIgnoreCase(*url, "http://") || absl::StartsWithIgnoreCase(*url, "https://");
  if (!http || url->find_first_of(" \t\r\n") != std::string::npos) {
    r.Error("url", absl::StrCat("\"", Truncate(*url, 80), "\" is not an http(s) URL"),
            "write a URL such as https://api.example.com/path");
    return;
  }
  call.url = *url;
}

void ReadQuery(ParamReader& r, HttpCall& call) {
  const Json* query = r.Get("query");
  if (query == nullptr) return;
  std::string encoded;
  auto add = [&](const std::string& key, const std::string& value) {
    absl::StrAppend(&encoded, encoded.empty() ? "" : "&", UrlEncode(key), "=", UrlEncode(value));
  };
  for (const auto& [key, value] : query->items()) {
    const std::string path = absl::StrCat("query.", key);
    if (r.Deferred(value) || value.is_null()) continue;
    if (std::optional<std::string> text = ScalarText(value)) {
      add(key, *text);
      continue;
    }
    bool ok = value.is_array();
    if (ok) {
      for (const Json& item : value) {
        if (r.Deferred(item)) continue;
        std::optional<std::string> text = ScalarText(item);
        if (!text) {
          ok = false;
          break;
        }
        add(key, *text);
      }
    }
    if (!ok) r.Error(path, "a query value must be a string, number, boolean or a list of them");
  }
  if (encoded.empty() || call.url.empty()) return;
  // Before any fragment, after any query the URL already has.
  const size_t fragment = std::min(call.url.find('#'), call.url.size());
  const bool has_query = call.url.find('?') < fragment;
  call.url.insert(fragment, absl::StrCat(has_query ? "&" : "?", encoded));
}

void ReadHeaders(ParamReader& r, const std::optional<HttpAuth>& auth, const Connection* connection,
                 HttpCall& call) {
  const Json* headers = r.Get("headers");
  if (connection != nullptr) {
    // The connection's headers, unless the step sets the same one.
    const Json fixed = connection->settings.value("headers", Json::object());
    for (const auto& [name, value] : fixed.items()) {
      const bool overridden =
          headers != nullptr && std::any_of(headers->items().begin(), headers->items().end(),
                                            [&name = name](const auto& item) {
                                              return absl::EqualsIgnoreCase(item.key(), name);
                                            });
      if (overridden) continue;
      std::optional<std::string> text = ScalarText(value);
      if (text) call.headers.emplace_back(name, *text);
      call.has_content_type = call.has_content_type || absl::EqualsIgnoreCase(name, "content-type");
    }
  }
  if (headers == nullptr) return;
  for (const auto& [name, value] : headers->items()) {
    const std::string path = absl::StrCat("headers.", name);
    if (!IsToken(name)) {
      r.Error(path, absl::StrCat("\"", name, "\" is not a valid header name"));
      continue;
    }
    if (absl::EqualsIgnoreCase(name, "idempotency-key")) {
      r.Error(path, "Idempotency-Key is set by flowline (stable across retries of this step)",
              "remove it; receivers get the step's idempotency key");
      continue;
    }
    if ((auth && absl::EqualsIgnoreCase(name, auth->header_name())) ||
        (connection != nullptr && connection->settings.contains("auth") &&
         absl::EqualsIgnoreCase(name,
                                connection->settings["auth"].value("name", "Authorization")))) {
      r.Error(path, absl::StrCat(name, " is set by `auth`"), "set it in one place only");
      continue;
    }
    if (r.Deferred(value) || value.is_null()) continue;
    std::optional<std::string> text = ScalarText(value);
    if (!text || text->find_first_of("\r\n") != std::string::npos) {
      r.Error(path, "a header value must be a single-line string, number or boolean");
      continue;
    }
    call.has_content_type = call.has_content_type || absl::EqualsIgnoreCase(name, "content-type");
    call.headers.emplace_back(name, std::move(*text));
  }
}

void ReadExpect(ParamReader& r, HttpCall& call) {
  const Json* expect = r.Get("expect");
  if (expect == nullptr) return;
  for (const Json& code : *expect) {
    if (r.Deferred(code)) continue;
    if (!code.is_number_integer() || code.get<int64_t>() < 100 || code.get<int64_t>() > 599) {
      r.Error("expect", absl::StrCat("expected status codes are integers from 100 to 599, got ",
                                     DescribeValue(code)));
      return;
    }
    call.expect.push_back(code.get<int>());
  }
  if (expect->empty()) r.Error("expect", "list at least one status code, or leave `expect` out");
}

HttpCall ReadCall(ParamReader& r, const std::optional<HttpAuth>& auth,
                  const Connection* connection) {
  HttpCall call;
  if (connection != nullptr) call.timeout = ConnectionTimeout(*connection, kDefaultTimeout);
  ReadMethod(r, call);
  if (connection != nullptr) {
    ReadConnectionUrl(r, *connection, call);
  } else {
    ReadUrl(r, call);
  }
  if (!call.url.empty()) {
    call.label = absl::StrCat(call.method, " ", call.url.substr(0, call.url.find_first_of("?#")));
  }
  ReadQuery(r, call);
  ReadHeaders(r, auth, connection, call);
  if (std::optional<absl::Duration> timeout = r.Duration("timeout")) {
    if (*timeout <= absl::ZeroDuration()) {
      r.Error("timeout", "the timeout must be more than zero");
    } else {
      call.timeout = *timeout;
    }
  }
  ReadExpect(r, call);
  if (const Json* body = r.Get("body")) {
    // A string sent with the caller's own Content-Type goes as is (text, XML, a form);
    // anything else is JSON.
    call.body = body->is_string() && call.has_content_type
                    ? body->get<std::string>()
                    : body->dump(-1, ' ', false, Json::error_handler_t::replace);
  }
  return call;
}

bool Expected(const HttpCall& call, int status) {
  if (call.expect.empty()) return status >= 200 && status <= 299;
  return std::find(call.expect.begin(), call.expect.end(), status) != call.expect.end();
}

class PreparedHttp final : public PreparedStep {
 public:
  PreparedHttp(const StepKindInfo& info, std::optional<HttpAuth> auth,
               std::shared_ptr<const Connections> connections, const Connection* connection,
               std::shared_ptr<OAuth2Tokens> tokens)
      : info_(info),
        auth_(std::move(auth)),
        connections_(std::move(connections)),
        connection_(connection) {
    if (connection_ != nullptr) connection_auth_.emplace(*connection_, std::move(tokens));
  }

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    HttpCall call = ReadCall(r, auth_, connection_);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());

    HttpRequest request;
    request.method = call.method;
    request.url = call.url;
    request.headers = std::move(call.headers);
    // A suppressed run (shadow, replay, evaluation) sends nothing: the request it would have
    // sent is its output, without the authentication (its secrets are never even read).
    if (ctx.suppress_side_effects) return Suppressed(request, call, ctx.idempotency_key);
    if (ctx.http == nullptr) return StepOutcome::Failed("internal: no HTTP client in context");
    const common::Clock& clock = ctx.clock != nullptr ? *ctx.clock : common::SystemClock::Get();
    const absl::Duration remaining = ctx.deadline - clock.Now();
    if (remaining <= absl::ZeroDuration()) {
      return StepOutcome::Failed(absl::StrCat("the step's deadline passed before ", call.label),
                                 ErrorClass::kTimeout);
    }
    request.timeout = std::min(call.timeout, remaining);

    std::vector<std::string> secrets;
    if (auth_) {
      absl::StatusOr<HttpAuth::Resolved> resolved = auth_->Resolve();
      if (!resolved.ok()) return StepOutcome::Failed(std::string(resolved.status().message()));
      request.headers.emplace_back(resolved->header_name, resolved->header_value);
      secrets = std::move(resolved->secrets);
    }
    request.headers.emplace_back("Idempotency-Key", ctx.idempotency_key);
    if (call.body) {
      if (!call.has_content_type) request.headers.emplace_back("Content-Type", "application/json");
      request.body = std::move(*call.body);
    }
    std::optional<AuthHeader> header;
    if (connection_auth_ && connection_auth_->enabled()) {
      absl::StatusOr<AuthHeader> resolved =
          connection_auth_->Resolve(*ctx.http, clock, request.timeout);
      if (!resolved.ok()) return AuthFailure(resolved.status());
      header = *std::move(resolved);
      request.headers.emplace_back(header->name, header->value);
      secrets = header->secrets;
    }

    absl::StatusOr<HttpResponse> response = ctx.http->Send(request);
    if (response.ok() && response->status == 401 && header && connection_auth_->oauth2()) {
      // The token was revoked or expired early: one new token, one more try.
      absl::StatusOr<AuthHeader> renewed =
          connection_auth_->Resolve(*ctx.http, clock, request.timeout, header->oauth2_token);
      if (!renewed.ok()) return AuthFailure(renewed.status());
      request.headers.back().second = renewed->value;
      secrets.insert(secrets.end(), renewed->secrets.begin(), renewed->secrets.end());
      response = ctx.http->Send(request);
    }
    if (!response.ok()) return SendFailure(response.status(), call.label, request.timeout, secrets);
    if (Expected(call, response->status)) {
      return StepOutcome::Completed(ResponseOutput(*response, secrets));
    }
    return UnexpectedStatus(*response, call.label, secrets, clock.Now());
  }

 private:
  StepOutcome Suppressed(const HttpRequest& request, const HttpCall& call,
                         const std::string& idempotency_key) const {
    Json headers = Json::object();
    for (const auto& [name, value] : request.headers) headers[name] = value;
    headers["Idempotency-Key"] = idempotency_key;
    if (call.body && !call.has_content_type) headers["Content-Type"] = "application/json";
    Json would = {{"method", request.method}, {"url", request.url}, {"headers", headers}};
    if (call.body) would["body"] = *call.body;
    if (auth_ || (connection_auth_ && connection_auth_->enabled())) would["auth"] = "not sent";
    if (connection_ != nullptr) would["connection"] = connection_->name;
    return StepOutcome::Completed(Json{{"suppressed", true}, {"request", std::move(would)}});
  }

  // Secrets that cannot be read are the operator's to fix (permanent); an unreachable or busy
  // token endpoint is transient.
  static StepOutcome AuthFailure(const absl::Status& status) {
    return StepOutcome::Failed(std::string(status.message()),
                               status.code() == absl::StatusCode::kUnavailable
                                   ? ErrorClass::kTransient
                                   : ErrorClass::kPermanent);
  }

  const StepKindInfo info_;  // a copy: a prepared step may outlive its registry entry
  std::optional<HttpAuth> auth_;
  std::shared_ptr<const Connections> connections_;  // keeps connection_ alive
  const Connection* connection_ = nullptr;
  std::optional<ConnectionAuth> connection_auth_;
};

}  // namespace

HttpStep::HttpStep(std::shared_ptr<const Connections> connections)
    : connections_(connections != nullptr ? std::move(connections)
                                          : std::make_shared<const Connections>()) {
  // One token cache per OAuth2 connection, shared by every step (and version) that uses it.
  for (const auto& [name, connection] : connections_->all()) {
    if (connection.type == "http" && connection.settings.contains("auth") &&
        connection.settings["auth"].value("type", "") == "oauth2") {
      tokens_.emplace(name, std::make_shared<OAuth2Tokens>(connection));
    }
  }
  info_.name = "http";
  info_.description = "Sends one HTTP request to another system and returns its response.";
  info_.actors = {Actor::kSystem};
  info_.side_effects = true;
  info_.suppressible = true;
  info_.params = {
      {"method", ParamType::kString, false, false,
       "GET (default), HEAD, POST, PUT, PATCH, DELETE or OPTIONS"},
      {"connection", ParamType::kString, false, true,
       "an http connection of connections.yaml: its base_url, headers and auth"},
      {"path", ParamType::kString, false, false,
       "with a connection: the path below its base_url (e.g. /accounts/${{ input.id }})"},
      {"url", ParamType::kString, false, false,
       "without a connection: the http:// or https:// URL"},
      {"headers", ParamType::kObject, false, false, "request headers: name -> value"},
      {"query", ParamType::kObject, false, false,
       "query parameters: name -> value or list of values, URL-encoded onto the url"},
      {"body", ParamType::kAny, false, false,
       "the request body: any JSON value, sent as application/json (a string is sent as is "
       "when headers set a Content-Type)"},
      {"auth", ParamType::kObject, false, true,
       "{type: bearer, token_env}, {type: basic, username_env, password_env} or "
       "{type: header, name, value_env}: secrets are read from those environment variables"},
      {"timeout", ParamType::kDuration, false, false,
       "how long to wait for the response (default 30s; never past the step's timeout)"},
      {"expect", ParamType::kArray, false, false,
       "the status codes that count as success (default: any 2xx)"},
  };
}

std::unique_ptr<PreparedStep> HttpStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  const Connection* connection = nullptr;
  std::shared_ptr<OAuth2Tokens> tokens;
  if (!r.Has("connection") && !r.Has("url")) {
    r.Error("url", "missing required parameter url (or connection)",
            "give the whole url, or name an http connection of connections.yaml "
            "(connection: crm, path: /accounts)");
  } else if (r.Has("connection") && r.Has("url")) {
    r.Error("url", "write exactly one of connection and url",
            "a connection gives the base URL: write the rest as path");
  } else if (r.Has("connection")) {
    connection = ReadConnection(r, *connections_, {"http"});
    if (connection != nullptr) {
      if (auto it = tokens_.find(connection->name); it != tokens_.end()) tokens = it->second;
    }
    if (r.Has("auth")) {
      r.Error("auth", "a step that names a connection uses the connection's auth",
              "remove auth here, or set it on the connection in connections.yaml");
    }
  } else if (r.Has("path")) {
    r.Error("path", "path is relative to a connection's base_url",
            "name a connection (connection: crm), or put the whole URL in url");
  }
  std::optional<HttpAuth> auth;
  if (const Json* written = r.Get("auth"); written != nullptr && connection == nullptr) {
    auth = HttpAuth::Read(*written, r);
  }
  ReadCall(r, auth, connection);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedHttp>(info_, std::move(auth), connections_, connection,
                                        std::move(tokens));
}

}  // namespace flowline::steps
