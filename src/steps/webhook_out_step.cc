#include "steps/webhook_out_step.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "steps/connection_param.h"
#include "steps/http_client.h"
#include "steps/http_response_handling.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);

class PreparedWebhookOut final : public PreparedStep {
 public:
  PreparedWebhookOut(const StepKindInfo& info, std::shared_ptr<const Connections> connections,
                     const Connection& connection)
      : info_(info), connections_(std::move(connections)), connection_(connection) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const Json* payload = r.Get("payload");
    std::optional<std::string> event = r.String("event");
    if (event && event->find_first_of("\r\n") != std::string::npos) {
      r.Error("event", "the event must be a single line");
    }
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    if (payload == nullptr) {
      return StepOutcome::Failed("the payload is null; give the event's data as a JSON value");
    }

    HttpRequest request;
    request.method = "POST";
    request.url = connection_.settings.value("url", "");
    request.body = payload->dump(-1, ' ', false, Json::error_handler_t::replace);
    const Json fixed = connection_.settings.value("headers", Json::object());
    for (const auto& [name, value] : fixed.items()) {
      request.headers.emplace_back(name,
                                   value.is_string() ? value.get<std::string>() : value.dump());
    }
    request.headers.emplace_back("Content-Type", "application/json");
    if (event) request.headers.emplace_back("X-Flowline-Event", *event);
    request.headers.emplace_back("Idempotency-Key", ctx.idempotency_key);
    const std::string label = absl::StrCat("POST ", request.url.substr(0, request.url.find('?')));
    if (ctx.suppress_side_effects) {
      Json headers = Json::object();
      for (const auto& [name, value] : request.headers) headers[name] = value;
      return StepOutcome::Completed(Json{{"suppressed", true},
                                         {"request",
                                          {{"connection", connection_.name},
                                           {"url", request.url},
                                           {"headers", std::move(headers)},
                                           {"body", request.body},
                                           {"signature", "not computed"}}}});
    }
    if (ctx.http == nullptr) return StepOutcome::Failed("internal: no HTTP client in context");

    absl::StatusOr<std::string> secret = connection_.Secret("secret");
    if (!secret.ok()) return StepOutcome::Failed(std::string(secret.status().message()));
    const common::Clock& clock = ctx.clock != nullptr ? *ctx.clock : common::SystemClock::Get();
    // Signed per attempt: the receiver may reject a timestamp that is too old.
    const std::string timestamp = absl::StrCat(absl::ToUnixSeconds(clock.Now()));
    const std::string signature =
        common::HmacSha256Hex(*secret, absl::StrCat(timestamp, ".", request.body));
    request.headers.emplace_back("X-Flowline-Timestamp", timestamp);
    request.headers.emplace_back("X-Flowline-Signature", absl::StrCat("sha256=", signature));
    const std::vector<std::string> secrets = {*secret};

    const absl::Duration timeout = ConnectionTimeout(connection_, kDefaultTimeout);
    const absl::Duration remaining = ctx.deadline - clock.Now();
    if (remaining <= absl::ZeroDuration()) {
      return StepOutcome::Failed(absl::StrCat("the step's deadline passed before ", label),
                                 ErrorClass::kTimeout);
    }
    request.timeout = std::min(timeout, remaining);
    absl::StatusOr<HttpResponse> response = ctx.http->Send(request);
    if (!response.ok()) return SendFailure(response.status(), label, request.timeout, secrets);
    if (response->status >= 200 && response->status <= 299) {
      return StepOutcome::Completed(ResponseOutput(*response, secrets));
    }
    return UnexpectedStatus(*response, label, secrets, clock.Now());
  }

 private:
  const StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;  // keeps connection_ alive
  const Connection& connection_;
};

}  // namespace

WebhookOutStep::WebhookOutStep(std::shared_ptr<const Connections> connections)
    : connections_(connections != nullptr ? std::move(connections)
                                          : std::make_shared<const Connections>()) {
  info_.name = "webhook.out";
  info_.description =
      "POSTs a JSON event, signed with the connection's secret (HMAC-SHA256), to a webhook "
      "connection's URL.";
  info_.actors = {Actor::kSystem};
  info_.side_effects = true;
  info_.suppressible = true;
  info_.params = {
      {"connection", ParamType::kString, true, true,
       "a webhook connection of connections.yaml: the URL and the signing secret"},
      {"payload", ParamType::kAny, true, false, "the JSON body"},
      {"event", ParamType::kString, false, false,
       "the event's name, sent as X-Flowline-Event (e.g. customer.onboarded)"},
  };
}

std::unique_ptr<PreparedStep> WebhookOutStep::Prepare(std::string_view /*step_id*/,
                                                      const Json& with,
                                                      std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  const Connection* connection = ReadConnection(r, *connections_, {"webhook"});
  if (!r.Report(errors) || connection == nullptr) return nullptr;
  return std::make_unique<PreparedWebhookOut>(info_, connections_, *connection);
}

}  // namespace flowline::steps
