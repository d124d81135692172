// The email trigger's block: `- email: { connection: mailbox, folder: INBOX, interval: 30s,
// attachments: "*.pdf", after: seen }` (src/triggers/email_source.cc). The connection itself is
// checked when the trigger starts (it lives in connections.yaml, not in the spec).
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {

void CheckEmailTrigger(const Field& block, TriggerSpec& /*trigger*/, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- email: { connection: mailbox, folder: INBOX }` (an imap connection of "
      "connections.yaml)";
  auto fields = TriggerFields(block, kHint,
                              {"connection", "folder", "interval", "attachments", "after"}, sink);
  if (!fields) return;
  TriggerString(*fields, block, "connection", kHint, /*required=*/true, sink);
  TriggerString(*fields, block, "folder", "name an IMAP folder, e.g. INBOX or Orders/Incoming",
                false, sink);
  if (const Field* field = fields->Find("interval")) {
    auto interval = ReadDuration(*field, "email interval", sink);
    if (interval && *interval <= absl::ZeroDuration()) {
      sink.Add(field->location, "email interval must be more than 0",
               "write how often to look into the mailbox, e.g. `interval: 30s`");
    }
  }
  if (auto pattern = TriggerString(*fields, block, "attachments",
                                   "write a file name pattern, e.g. \"*.pdf\"", false, sink)) {
    if (pattern->find('/') != std::string::npos) {
      sink.Add(fields->Find("attachments")->location,
               absl::StrCat("email attachments pattern '", *pattern, "' contains '/'"),
               "a pattern matches attachment file names, e.g. \"*.pdf\" or \"invoice-*\"");
    }
  }
  constexpr std::string_view kAfterHint =
      "write `after: seen` (the default: mark it read), `after: delete` or "
      "`after: move:Processed` (an existing folder)";
  if (auto after = TriggerString(*fields, block, "after", kAfterHint, false, sink)) {
    const bool move = absl::StartsWith(*after, "move:") && after->size() > 5;
    if (*after != "seen" && *after != "delete" && !move) {
      sink.Add(fields->Find("after")->location,
               absl::StrCat("email after must be seen, delete or move:FOLDER, not '", *after, "'"),
               std::string(kAfterHint));
    }
  }
}

}  // namespace flowline::engine::internal
