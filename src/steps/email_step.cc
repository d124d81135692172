#include "steps/email_step.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/strings.h"
#include "steps/artifacts.h"
#include "steps/mail_message.h"
#include "steps/mail_transport.h"
#include "steps/params.h"
#include "steps/secrets.h"
#include "steps/text_template.h"

namespace flowline::steps {
namespace {

// The templates, compiled once per version.
struct Templates {
  std::optional<TextTemplate> subject;
  std::optional<TextTemplate> body;
  std::optional<TextTemplate> html;
};

std::optional<TextTemplate> ReadTemplate(ParamReader& r, std::string_view name) {
  std::optional<std::string> text = r.String(name);
  if (!text) return std::nullopt;
  absl::StatusOr<TextTemplate> compiled = TextTemplate::Compile(*std::move(text));
  if (!compiled.ok()) {
    r.Error(std::string(name),
            absl::StrCat("the template is not valid mustache: ", compiled.status().message()),
            "close every {{#section}} with {{/section}}");
    return std::nullopt;
  }
  return *std::move(compiled);
}

// `to`, `cc`, `bcc`: one address or a list of them. Deferred values are skipped at Prepare.
std::vector<MailAddress> ReadAddresses(ParamReader& r, std::string_view name) {
  std::vector<MailAddress> out;
  const Json* value = r.Get(name);
  if (value == nullptr) return out;
  const Json list = value->is_array() ? *value : Json::array({*value});
  for (size_t i = 0; i < list.size(); ++i) {
    const Json& item = list[i];
    const std::string path = value->is_array() ? absl::StrCat(Sv(name), ".", i) : std::string(name);
    if (r.Deferred(item)) continue;
    if (!item.is_string()) {
      r.Error(path, absl::StrCat("an address must be a string, got ", DescribeValue(item)));
      continue;
    }
    absl::StatusOr<MailAddress> address = ParseMailAddress(item.get<std::string>());
    if (!address.ok()) {
      r.Error(path, std::string(address.status().message()));
      continue;
    }
    out.push_back(*std::move(address));
  }
  return out;
}

std::optional<MailAddress> ReadAddress(ParamReader& r, std::string_view name) {
  std::optional<std::string> text = r.String(name);
  if (!text) return std::nullopt;
  absl::StatusOr<MailAddress> address = ParseMailAddress(*text);
  if (!address.ok()) {
    r.Error(std::string(name), std::string(address.status().message()));
    return std::nullopt;
  }
  return *std::move(address);
}

struct AttachmentRef {
  std::string key;
  std::string name;
};

std::vector<AttachmentRef> ReadAttachments(ParamReader& r) {
  std::vector<AttachmentRef> out;
  const Json* list = r.Get("attachments");
  if (list == nullptr) return out;
  for (size_t i = 0; i < list->size(); ++i) {
    const Json& item = (*list)[i];
    const std::string path = absl::StrCat("attachments.", i);
    if (r.Deferred(item) || item.is_null()) continue;
    AttachmentRef ref;
    if (item.is_string()) {
      ref.key = item.get<std::string>();
    } else if (item.is_object() && item.contains("file") && item["file"].is_string()) {
      ref.key = item["file"].get<std::string>();
      if (item.contains("name") && item["name"].is_string()) ref.name = item["name"];
    } else {
      r.Error(path,
              absl::StrCat("an attachment is an artifact key or {file: KEY, name: NAME}, got ",
                           DescribeValue(item)));
      continue;
    }
    if (r.Deferred(Json(ref.key))) continue;
    if (!IsArtifactKey(ref.key)) {
      r.Error(path, absl::StrCat("\"", Truncate(ref.key, 80), "\" is not an artifact key"),
              "pass a key such as ${{ input.file }} (sha256:<hex>.<ext>)");
      continue;
    }
    if (ref.name.empty()) {
      // "sha256:<hex>.pdf" → "attachment-1.pdf"
      ref.name = absl::StrCat("attachment-", i + 1, ref.key.substr(ref.key.rfind('.')));
    }
    out.push_back(std::move(ref));
  }
  return out;
}

// One attempt's message, read from the evaluated parameters.
struct Email {
  std::optional<MailAddress> from;
  std::vector<MailAddress> to, cc, bcc;
  std::optional<MailAddress> reply_to;
  std::vector<AttachmentRef> attachments;
  std::optional<absl::Duration> timeout;
};

Email ReadEmail(ParamReader& r) {
  Email email;
  email.from = ReadAddress(r, "from");
  email.to = ReadAddresses(r, "to");
  email.cc = ReadAddresses(r, "cc");
  email.bcc = ReadAddresses(r, "bcc");
  email.reply_to = ReadAddress(r, "reply_to");
  email.attachments = ReadAttachments(r);
  if (std::optional<absl::Duration> timeout = r.Duration("timeout")) {
    if (*timeout <= absl::ZeroDuration()) {
      r.Error("timeout", "the timeout must be more than zero");
    } else {
      email.timeout = timeout;
    }
  }
  return email;
}

Json Addresses(const std::vector<MailAddress>& list) {
  Json out = Json::array();
  for (const MailAddress& address : list) out.push_back(FormatMailAddress(address));
  return out;
}

class PreparedEmail final : public PreparedStep {
 public:
  PreparedEmail(const StepKindInfo& info, const Connection& connection, Templates templates)
      : info_(info), connection_(connection), templates_(std::move(templates)) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    Email email = ReadEmail(r);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    if (!email.from) {
      absl::StatusOr<MailAddress> from = ParseMailAddress(connection_.settings.value("from", ""));
      if (!from.ok()) {
        return StepOutcome::Failed(
            absl::StrCat("no sender: set `from` in the step or in ", connection_.Describe()));
      }
      email.from = *std::move(from);
    }
    if (email.to.empty() && email.cc.empty() && email.bcc.empty()) {
      return StepOutcome::Failed("no recipients: `to` evaluated to an empty list");
    }

    const Json& data = ctx.run != nullptr ? *ctx.run : empty;
    MailContent content;
    content.from = *email.from;
    content.to = email.to;
    content.cc = email.cc;
    content.reply_to = email.reply_to;
    content.subject = templates_.subject->Render(data);
    if (templates_.body) content.text = templates_.body->Render(data);
    if (templates_.html) content.html = templates_.html->RenderHtml(data);
    content.message_id =
        absl::StrCat("flowline.", common::Sha256Hex(ctx.idempotency_key).substr(0, 32), "@",
                     Sv(MailDomain(content.from.address)));
    const common::Clock& clock = ctx.clock != nullptr ? *ctx.clock : common::SystemClock::Get();
    content.date = clock.Now();
    content.headers = {{"Auto-Submitted", "auto-generated"}};
    std::vector<std::string> recipients;
    for (const auto* list : {&email.to, &email.cc, &email.bcc}) {
      for (const MailAddress& address : *list) recipients.push_back(address.address);
    }

    if (ctx.suppress_side_effects) return Suppressed(content, email, recipients);

    for (const AttachmentRef& ref : email.attachments) {
      if (ctx.artifacts == nullptr) return StepOutcome::Failed("internal: no artifact store");
      absl::StatusOr<std::string> bytes = ctx.artifacts->Get(ref.key);
      if (!bytes.ok()) {
        return StepOutcome::Failed(
            absl::StrCat("attachment ", ref.key, ": ", bytes.status().message()));
      }
      content.attachments.push_back({ref.name, MediaTypeForName(ref.name), *std::move(bytes)});
    }
    const std::string message = BuildMailMessage(content, ctx.idempotency_key);

    absl::StatusOr<MailServer> server = ReadMailServer(connection_);
    if (!server.ok()) return StepOutcome::Failed(std::string(server.status().message()));
    const absl::Duration remaining = ctx.deadline - clock.Now();
    if (remaining <= absl::ZeroDuration()) {
      return StepOutcome::Failed("the step's deadline passed before sending", ErrorClass::kTimeout);
    }
    const absl::Duration timeout = std::min(email.timeout.value_or(server->timeout), remaining);
    std::optional<SmtpFailure> failure =
        SendMail(*server, content.from.address, recipients, message, timeout);
    if (failure) {
      const std::string detail =
          Redact(absl::StrCat("sending mail through ", server->label, ": ", failure->message),
                 server->Secrets());
      switch (failure->kind) {
        case SmtpFailure::Kind::kTimeout:
          return StepOutcome::Failed(detail, ErrorClass::kTimeout);
        case SmtpFailure::Kind::kPermanent:
          return StepOutcome::Failed(detail, ErrorClass::kPermanent);
        case SmtpFailure::Kind::kTransient:
          return StepOutcome::Failed(detail, ErrorClass::kTransient);
      }
    }
    return StepOutcome::Completed(Json{{"message_id", absl::StrCat("<", content.message_id, ">")},
                                       {"recipients", recipients}});
  }

 private:
  StepOutcome Suppressed(const MailContent& content, const Email& email,
                         const std::vector<std::string>& recipients) const {
    Json attachments = Json::array();
    for (const AttachmentRef& ref : email.attachments) {
      attachments.push_back({{"file", ref.key}, {"name", ref.name}});
    }
    Json would = {{"connection", connection_.name},
                  {"from", FormatMailAddress(content.from)},
                  {"to", Addresses(email.to)},
                  {"cc", Addresses(email.cc)},
                  {"bcc", Addresses(email.bcc)},
                  {"subject", content.subject},
                  {"message_id", absl::StrCat("<", content.message_id, ">")},
                  {"recipients", recipients},
                  {"attachments", std::move(attachments)}};
    return StepOutcome::Completed(Json{{"suppressed", true}, {"request", std::move(would)}});
  }

  const StepKindInfo info_;
  const Connection connection_;  // a copy: a prepared step may outlive the connections
  Templates templates_;
};

}  // namespace

EmailStep::EmailStep(std::shared_ptr<const Connections> connections)
    : connections_(connections != nullptr ? std::move(connections)
                                          : std::make_shared<const Connections>()) {
  info_.name = "email";
  info_.description = "Sends one email through an SMTP connection.";
  info_.actors = {Actor::kSystem};
  info_.side_effects = true;
  info_.suppressible = true;
  info_.params = {
      {"connection", ParamType::kString, true, true,
       "the smtp connection in connections.yaml (server, credentials, default sender)"},
      {"to", ParamType::kAny, true, false,
       "recipient address or list of addresses (\"Name <a@example.com>\" or \"a@example.com\")"},
      {"cc", ParamType::kAny, false, false, "copy recipients: an address or a list"},
      {"bcc", ParamType::kAny, false, false,
       "blind copy recipients: an address or a list (not shown in the message)"},
      {"from", ParamType::kString, false, false,
       "the sender address (default: the connection's `from`)"},
      {"reply_to", ParamType::kString, false, false, "the Reply-To address"},
      {"subject", ParamType::kString, true, true, "the subject (mustache over input, steps, run)"},
      {"body", ParamType::kString, false, true,
       "the plain-text body (mustache); required unless html is given"},
      {"html", ParamType::kString, false, true,
       "an HTML body (mustache; {{x}} is HTML-escaped, {{{x}}} is not)"},
      {"attachments", ParamType::kArray, false, false,
       "files to attach: artifact keys, or {file: KEY, name: NAME}"},
      {"timeout", ParamType::kDuration, false, false,
       "how long the SMTP exchange may take (default: the connection's timeout, else 30s)"},
  };
}

std::unique_ptr<PreparedStep> EmailStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                 std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  const Connection* connection = nullptr;
  if (std::optional<std::string> name = r.String("connection")) {
    absl::StatusOr<const Connection*> found = connections_->Get(*name, "smtp");
    if (found.ok()) {
      connection = *found;
    } else {
      r.Error("connection", std::string(found.status().message()),
              "name an smtp connection of connections.yaml (docs/connectors.md)");
    }
  }
  Templates templates;
  templates.subject = ReadTemplate(r, "subject");
  templates.body = ReadTemplate(r, "body");
  templates.html = ReadTemplate(r, "html");
  if (!r.Has("body") && !r.Has("html")) {
    r.Error("body", "the message has no body", "write `body:` (plain text) and/or `html:`");
  }
  Email email = ReadEmail(r);
  if (connection != nullptr && !r.Has("from") && !connection->settings.contains("from")) {
    r.Error("from", absl::StrCat("no sender: ", connection->Describe(), " has no `from`"),
            "write `from:` here or in the connection");
  }
  if (!r.Report(errors) || connection == nullptr || !templates.subject) return nullptr;
  return std::make_unique<PreparedEmail>(info_, *connection, std::move(templates));
}

}  // namespace flowline::steps
