// The libcurl side of mail: where a mail server is and how to reach it (shared by SMTP sending
// here and the IMAP client of the email trigger), and sending one message over SMTP.
//
// A MailServer is read from an `smtp` or `imap` connection (connections.yaml):
//   url: smtp://host:587 | smtps://host:465 | imap://host:143 | imaps://host:993
//   username / username_env / username_file, password_env / password_file   (optional: no AUTH)
//   tls: required | starttls | none   (plain schemes; default required — STARTTLS must succeed;
//        starttls: used when the server offers it; none: never. smtps/imaps are always TLS)
//   ca_file: a PEM file of certificates to trust besides the system's (a private CA)
//   timeout: 30s
// Secrets are read at use time and never put into a message, an error or a log.
//
// Thread-safe: every call uses its own libcurl handle.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "steps/connections.h"

typedef void CURL;  // NOLINT(modernize-use-using): libcurl's own declaration

namespace flowline::steps {

struct MailServer {
  enum class Tls { kRequired, kStartTls, kNone };
  std::string url;  // scheme://host:port, no path
  std::string username;
  std::string password;
  Tls tls = Tls::kRequired;
  std::string ca_file;
  absl::Duration timeout = absl::Seconds(30);
  std::string label;  // "connection mail_out (connections.yaml:3:3)", for messages

  // The secrets to keep out of messages.
  std::vector<std::string> Secrets() const { return {password}; }
  // Sets URL-independent options on `curl`: credentials, TLS, CA file, timeouts.
  void Configure(CURL* curl, absl::Duration timeout_cap) const;
};

// Reads `connection` (type smtp or imap), resolving its secrets now. FailedPrecondition naming
// the variable or file when a secret cannot be read.
absl::StatusOr<MailServer> ReadMailServer(const Connection& connection);

// libcurl's global initialisation, once per process (thread-safe).
void InitCurlOnce();

// A string as libcurl's upload source (an SMTP message, an IMAP APPEND):
// CURLOPT_READFUNCTION = &ReadUpload, CURLOPT_READDATA = &source.
struct UploadSource {
  const std::string* data;
  size_t offset = 0;
};
size_t ReadUpload(char* buffer, size_t size, size_t count, void* source);

// The outcome of a failed SMTP transaction, classified for the retry policy.
struct SmtpFailure {
  enum class Kind { kTransient, kPermanent, kTimeout };
  Kind kind = Kind::kTransient;
  int reply_code = 0;  // the server's last SMTP reply code, 0 when none came
  std::string message;
};

// Sends `message` to `recipients` (envelope addresses) from `sender`; nullopt when the server
// accepted it for every recipient. Failures: a connection
// that cannot be made, a dropped connection, a 4xx reply → transient; no answer in time →
// timeout; a 5xx reply (unknown recipient, rejected content), failed authentication, a TLS
// handshake or certificate failure → permanent. Nothing of the password is in the message.
std::optional<SmtpFailure> SendMail(const MailServer& server, const std::string& sender,
                                    const std::vector<std::string>& recipients,
                                    const std::string& message, absl::Duration timeout);

}  // namespace flowline::steps
