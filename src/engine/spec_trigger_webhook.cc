// The webhook trigger's block: `- webhook: { path: /hooks/x, secret_env: VAR, signature_header:
// X-Signature, files: [field] }` (the server's webhook routes read the typed fields and `files`
// from the block).
#include <algorithm>
#include <cctype>

#include "absl/strings/str_cat.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {
namespace {

bool IsEnvironmentName(std::string_view text) {
  if (text.empty() || std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

}  // namespace

void CheckWebhookTrigger(const Field& block, TriggerSpec& trigger, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- webhook: { path: /hooks/<name>, secret_env: <ENV_VAR> }`";
  auto fields =
      TriggerFields(block, kHint, {"path", "secret_env", "signature_header", "files"}, sink);
  if (!fields) return;
  if (const Field* path = fields->Find("path")) {
    if (auto text = ReadString(*path, "webhook path", kHint, sink)) {
      trigger.path = *text;
      if (trigger.path.empty() || trigger.path[0] != '/') {
        sink.Add(path->location,
                 absl::StrCat("webhook path '", trigger.path, "' must start with '/'"),
                 absl::StrCat("write `path: /", trigger.path, "`"));
      }
    }
  } else {
    sink.Add(trigger.location, "webhook has no `path:`",
             "add the URL path it listens on, e.g. `path: /hooks/invoices`");
  }
  if (const Field* secret = fields->Find("secret_env")) {
    if (auto text = ReadString(*secret, "webhook secret_env", kHint, sink)) {
      if (!IsEnvironmentName(*text)) {
        sink.Add(
            secret->location,
            absl::StrCat("webhook secret_env '", *text, "' is not an environment variable name"),
            "name the variable that holds the signing key, e.g. INVOICE_HOOK_SECRET; "
            "never the secret itself");
      } else {
        trigger.secret_env = *text;
      }
    }
  }
  if (const Field* header = fields->Find("signature_header")) {
    if (auto text = ReadString(*header, "webhook signature_header", kHint, sink)) {
      if (text->empty()) {
        sink.Add(header->location, "webhook signature_header is empty",
                 "name the HTTP header that carries the signature, e.g. X-Signature");
      } else {
        trigger.signature_header = *text;
      }
    }
  }
  if (const Field* files = fields->Find("files")) {
    constexpr std::string_view kFilesHint =
        "list the body's fields that carry a file as {name, content_base64}, e.g. "
        "`files: [id_document]`";
    if (auto names = ReadNameList(*files, "webhook files", kFilesHint, sink)) {
      for (const auto& [name, location] : *names) {
        if (name.empty() || name.find_first_of(". ") != std::string::npos) {
          sink.Add(location, absl::StrCat("webhook files: '", name, "' is not a field name"),
                   "name a top-level field of the JSON body, e.g. id_document");
        }
      }
    }
  }
}

}  // namespace flowline::engine::internal
