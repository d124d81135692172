// A received email as a run's input: the raw RFC 5322 message parsed with GMime 3, its
// attachments (and the raw message itself) stored in the artifact store.
//
// The input (docs/triggers.md, email):
//   {"message_id": "abc@example.com",        // without angle brackets; "" when the mail has none
//    "from": "ann@example.com", "from_name": "Ann Example",
//    "to": ["orders@acme.example"], "cc": [],  // addresses only
//    "subject": "Order 4711",                 // decoded (RFC 2047) to UTF-8
//    "date": "2026-11-24T23:37:08+01:00",     // the Date header, ISO 8601 with its offset; "" if
//    none "text": "...", "html": "...",            // the first text/plain and text/html bodies,
//    UTF-8 "attachments": [{"file": "sha256:….pdf", "name": "order.pdf",
//                     "media_type": "application/pdf", "size": 1234, "sha256": "…"}],
//    "file": "sha256:….pdf",                  // the first attachment's key (absent without one)
//    "raw": "sha256:….eml"}                   // the whole message as received
// The default business key is the Message-ID, else the SHA-256 of the raw message.
//
// Thread-safe: GMime is initialised once; each call has its own parser.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "steps/artifacts.h"

namespace flowline::triggers {

struct ReceivedEmail {
  Json input;
  std::string key;  // the default business key
};

// Parses `raw` and stores its attachments whose file name matches `attachment_pattern` (a glob,
// case-insensitive: "*.pdf"; "" or "*" for all) and the raw message in `artifacts`.
// InvalidArgument when `raw` is not a message; the artifact store's errors as they are.
absl::StatusOr<ReceivedEmail> ParseReceivedEmail(std::string_view raw,
                                                 steps::ArtifactStore& artifacts,
                                                 std::string_view attachment_pattern);

}  // namespace flowline::triggers
