// Webhook triggers: a POST to a path a live workflow declares starts a run with the body as its
// input.
//
// A signed trigger (`secret_env`) authenticates the sender by an HMAC-SHA256 of the raw body
// under the secret in that environment variable, sent as "sha256=<hex>" in the trigger's
// signature header; no API token is needed. An unsigned trigger needs an API token that may
// start runs, like the API itself.
//
// A trigger's `files` fields carry a file inside the JSON body as {name, content_base64}: the
// bytes go into the artifact store before the run is created (so a run never names bytes that
// are not durable) and the field becomes {file: <artifact key>, name, size, sha256}, so the
// run's input and its records hold a key, not megabytes of base64.
#include <algorithm>
#include <cstdlib>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "spdlog/spdlog.h"
#include "steps/artifacts.h"

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

// The artifact extension of an uploaded file: its type told by content, else the name's
// extension when it is a plausible one, else "bin".
std::string FileExtension(const std::string& bytes, const std::string& name) {
  std::string extension = DocumentExtension(bytes);
  if (!extension.empty()) return extension;
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    extension = absl::AsciiStrToLower(name.substr(dot + 1));
    if (!extension.empty() && extension.size() <= 8 &&
        std::all_of(extension.begin(), extension.end(),
                    [](char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)); })) {
      return extension;
    }
  }
  return "bin";
}

// Stores each of the trigger's file fields present in `input` and replaces it by its artifact.
absl::Status StoreFiles(ServerContext& ctx, const WebhookTrigger& trigger, Json& input) {
  if (trigger.files.empty() || !input.is_object()) return absl::OkStatus();
  for (const std::string& field : trigger.files) {
    auto it = input.find(field);
    if (it == input.end() || it->is_null()) continue;  // the input schema decides if required
    const std::string hint = absl::StrCat("send `\"", field,
                                          "\": {\"name\": \"scan.png\", \"content_base64\": "
                                          "\"<the file's bytes, base64>\"}`");
    if (!it->is_object() || !it->contains("content_base64") ||
        !(*it)["content_base64"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook ", trigger.path, ": field ", field,
                       " carries a file and must be an object with content_base64; ", hint));
    }
    std::string bytes;
    if (!absl::Base64Unescape((*it)["content_base64"].get<std::string>(), &bytes)) {
      return absl::InvalidArgumentError(absl::StrCat("webhook ", trigger.path, ": field ", field,
                                                     ".content_base64 is not valid base64; ",
                                                     hint));
    }
    if (bytes.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("webhook ", trigger.path, ": field ", field, " holds an empty file"));
    }
    std::string name;
    if (it->contains("name") && (*it)["name"].is_string()) name = (*it)["name"];
    if (ctx.options.artifacts == nullptr) {
      return absl::UnavailableError(absl::StrCat(
          "webhook ", trigger.path, " receives files but this server keeps no artifacts"));
    }
    ASSIGN_OR_RETURN(std::string key,
                     ctx.options.artifacts->Put(bytes, FileExtension(bytes, name)));
    if (name.empty()) name = key;
    *it = Json{{"file", key},
               {"name", name},
               {"size", bytes.size()},
               {"sha256", common::Sha256Hex(bytes)}};
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
  RETURN_IF_ERROR(StoreFiles(ctx, trigger, input));
  engine::StartRunRequest request;
  request.workflow = trigger.workflow;
  request.input = std::move(input);
  return StartRunReply(ctx, request, std::nullopt);
}

}  // namespace flowline::server
