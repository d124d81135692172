// Webhook triggers: a POST to a path a live workflow declares starts a run with the body as its
// input.
//
// A signed trigger (`secret_env`) authenticates the sender by an HMAC-SHA256 of the raw body
// under the secret in that environment variable, sent as "sha256=<hex>" in the trigger's
// signature header; no API token is needed. An unsigned trigger needs an API token that may
// start runs, like the API itself.
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

absl::Status CheckSignature(const WebhookTrigger& trigger, const Call& call) {
  // The secret is read per call so that rotating it needs no restart (the variable is set for
  // the process by whoever starts it). Its value is never logged or echoed.
  const char* secret = std::getenv(trigger.secret_env.c_str());
  if (secret == nullptr || *secret == '\0') {
    spdlog::error("webhook {}: environment variable {} is not set; requests are refused",
                  trigger.path, trigger.secret_env);
    return absl::UnavailableError(absl::StrCat(
        "webhook ", trigger.path, " is signed with the secret in environment variable ",
        trigger.secret_env, ", which is not set on the server"));
  }
  const std::string expected =
      absl::StrCat("sha256=", common::HmacSha256Hex(secret, call.http.body));
  const std::string sent =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(call.Header(trigger.signature_header)));
  if (sent.empty()) {
    return absl::UnauthenticatedError(absl::StrCat("missing signature: send the header ",
                                                   trigger.signature_header,
                                                   ": sha256=<hex HMAC-SHA256 of the body>"));
  }
  if (!common::ConstantTimeEquals(sent, expected)) {
    return absl::UnauthenticatedError(
        absl::StrCat("the signature in ", trigger.signature_header, " does not match the body"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<Reply> HandleWebhook(ServerContext& ctx, const WebhookTrigger& trigger, Call& call) {
  if (!trigger.secret_env.empty()) {
    RETURN_IF_ERROR(CheckSignature(trigger, call));
  } else {
    ASSIGN_OR_RETURN(call.principal,
                     ctx.tokens.Authorize(call.Header("Authorization"), Permission::kStartRun));
  }
  ASSIGN_OR_RETURN(Json input, JsonBody(call, "the webhook body", Json::object()));
  engine::StartRunRequest request;
  request.workflow = trigger.workflow;
  request.input = std::move(input);
  return StartRunReply(ctx, request, std::nullopt);
}

}  // namespace flowline::server
