// The email trigger (docs/triggers.md): each new message in an IMAP folder starts one run with
// the message as input (triggers/email_message.h: addresses, subject, date, text and HTML
// bodies, attachments as artifact keys); the default business key is the Message-ID, else the
// SHA-256 of the raw message.
//
//   - email: { connection: mailbox, folder: INBOX, interval: 30s, attachments: "*.pdf",
//              after: seen }          # after: seen | delete | move:FOLDER
//
// State (in the store, per workflow and trigger id): {"uidvalidity": V, "last_uid": U}. A pass:
// STATUS of the folder; if its UIDVALIDITY is not V the folder was rebuilt and every UID means
// something new, so the pass starts again from UID 0 (re-scan), and the business key makes the
// messages that already had a run the same runs. Then, for each UID above U in order: (1) FETCH
// the raw message; (2) store its attachments and the raw message in the artifact store;
// (3) StartRun (durable on return); (4) only then `after:` — set \Seen, delete it, or move it to
// FOLDER; (5) save U = its UID. A crash between 3 and 5 repeats 1-4 for that message on restart;
// the key turns its StartRun into the same run. A message whose run is refused for good (its
// input breaks the workflow's input schema) is left where it is and logged; the cursor moves
// past it. At most 50 messages per pass; the next pass follows at once when more are waiting.
//
// The connection's password is read at each pass and never logged.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

// FailedPrecondition when the trigger's connection is missing or not an imap connection (naming
// the connections file); InvalidArgument for a block the spec checker would have refused.
absl::StatusOr<std::unique_ptr<TriggerSource>> NewEmailSource(const engine::TriggerSpec& spec,
                                                              const SourceEnv& env);

}  // namespace flowline::triggers
