// The `email` step kind: sends one message over SMTP through a connection (connections.yaml).
//
//   uses: email
//   with:
//     connection: mail_out             # an smtp connection (url, credentials, from, tls)
//     to: ${{ input.email }}           # an address or a list; "Name <a@b>" or "a@b"
//     cc: [audit@acme.example]         # optional; bcc: likewise (envelope only)
//     from: "Acme <hello@acme.example>"  # optional: default the connection's `from`
//     reply_to: support@acme.example   # optional
//     subject: "Welcome, {{input.name}}"   # mustache over input/steps/run (steps/text_template.h)
//     body: |                          # the plain-text body (mustache)
//       Hello {{input.name}}, ...
//     html: "<p>Hello {{input.name}}</p>"  # optional HTML body (mustache, {{x}} HTML-escaped)
//     attachments:                     # optional: artifact keys, or {file: KEY, name: NAME}
//       - ${{ input.file }}
//     timeout: 30s                     # default: the connection's, else 30s
//
// The message is RFC 5322 with MIME parts (steps/mail_message.h): Date from the step's clock,
// Message-ID <flowline.HASH@SENDER-DOMAIN> where HASH comes from the step's idempotency key, so
// every attempt of one step sends the same Message-ID and a receiver can tell a retried send
// from a new one; Auto-Submitted: auto-generated (RFC 3834) so auto-responders do not reply.
//
// Output: {"message_id": "<...>", "recipients": [every envelope address, to + cc + bcc]}; the
// server accepted the message for all of them (a refused recipient fails the step).
//
// Failures (mail_transport.h): connection refused or dropped, 4xx → transient; no answer in time
// → timeout; 5xx, failed login, TLS failures, a bad address, a missing artifact → permanent.
// The connection's password is read at send time and never appears in the output or an error.
// A suppressed run (shadow, replay, evaluation) sends nothing and completes with the message it
// would have sent: {"suppressed": true, "request": {from, to, cc, bcc, subject, message_id,
// attachments}}.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/connections.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class EmailStep final : public StepKind {
 public:
  // `connections`: where `connection:` names are looked up; null means none.
  explicit EmailStep(std::shared_ptr<const Connections> connections);
  const StepKindInfo& Info() const override { return info_; }
  // Checks the connection (exists, is smtp), the templates, and every literal address.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;
};

}  // namespace flowline::steps
