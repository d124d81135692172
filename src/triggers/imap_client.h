// A small IMAP client over libcurl for the email trigger: what it needs of a mailbox and no more
// (RFC 3501 with UIDPLUS and MOVE where the server has them).
//
// Messages are addressed by UID within a folder's UIDVALIDITY: a UID is never reused while the
// folder's UIDVALIDITY stays the same, so "every UID above the last one handled" is exactly the
// new mail. Fetch() reads the whole raw message (RFC 5322 text) with libcurl's FETCH BODY[], which
// also sets \Seen.
//
// One libcurl handle per client, so a poll pass logs in once and reuses the connection (libcurl
// keeps the selected folder). Not thread-safe: one client per trigger source.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "steps/mail_transport.h"

namespace flowline::triggers {

struct FolderStatus {
  uint64_t uidvalidity = 0;
  uint64_t uidnext = 0;
};

class ImapClient {
 public:
  // `server.url` is imap://host:port or imaps://host:port (no folder).
  explicit ImapClient(steps::MailServer server);
  ~ImapClient();
  ImapClient(const ImapClient&) = delete;
  ImapClient& operator=(const ImapClient&) = delete;

  // STATUS of `folder`. NotFound when the folder does not exist; Unavailable when the server
  // cannot be reached or refuses the login (the message says which, never the password).
  absl::StatusOr<FolderStatus> Status(std::string_view folder);
  // The UIDs above `after_uid` in `folder`, ascending.
  absl::StatusOr<std::vector<uint64_t>> SearchAfter(std::string_view folder, uint64_t after_uid);
  // The raw message `uid`. FailedPrecondition when the folder's UIDVALIDITY is no longer
  // `uidvalidity`; NotFound when the message is gone.
  absl::StatusOr<std::string> Fetch(std::string_view folder, uint64_t uidvalidity, uint64_t uid);
  // Sets \Seen on `uid`.
  absl::Status MarkSeen(std::string_view folder, uint64_t uid);
  // Deletes `uid` (\Deleted, then UID EXPUNGE of that message alone, or EXPUNGE without UIDPLUS).
  absl::Status Delete(std::string_view folder, uint64_t uid);
  // Moves `uid` to `target` (UID MOVE, or UID COPY + Delete without MOVE).
  absl::Status Move(std::string_view folder, uint64_t uid, std::string_view target);
  // Appends `message` to `folder` (tests; a mail archive).
  absl::Status Append(std::string_view folder, const std::string& message);
  // Creates `folder`; OK when it exists already.
  absl::Status Create(std::string_view folder);

 private:
  // Runs `command` (a custom request) on the folder in `url_path` ("" for none) and returns the
  // untagged response lines.
  absl::StatusOr<std::string> Command(std::string_view url_path, const std::string& command);
  absl::StatusOr<std::string> Perform(const std::string& url, std::string_view what);
  absl::Status Error(int code, std::string_view what) const;

  steps::MailServer server_;
  void* curl_ = nullptr;  // CURL*, owned
  std::string error_buffer_;
  std::string capabilities_;  // from the server's CAPABILITY response, once asked
};

// `name` as an IMAP quoted string ("INBOX", "My \"files\"").
std::string ImapQuote(std::string_view name);

}  // namespace flowline::triggers
