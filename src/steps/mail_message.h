// Internet mail messages as the `email` step sends them: addresses, and the RFC 5322 text of a
// message with MIME parts (RFC 2045-2047, 2183, 2231).
//
// BuildMailMessage() writes a message with CRLF line ends and only 7-bit lines of at most 78
// characters: the plain text and HTML bodies are quoted-printable, attachments base64, headers
// with non-ASCII text RFC 2047 encoded words, so any SMTP server accepts it as is. The MIME
// boundaries are derived from `boundary_seed` (the step's idempotency key), so a retried attempt
// builds the same bytes.
//
// Thread-safe (pure functions).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::steps {

struct MailAddress {
  std::string name;     // display name, may be empty
  std::string address;  // local@domain
};

// "Ann Example <ann@example.com>", "\"Example, Ann\" <ann@example.com>" or "ann@example.com".
// InvalidArgument saying what is wrong with `text` (no @, spaces, a line break, angle brackets
// that do not close).
absl::StatusOr<MailAddress> ParseMailAddress(std::string_view text);

// The address as a header value: `address` alone, or the display name (quoted when it holds
// specials, an encoded word when it is not ASCII) and <address>.
std::string FormatMailAddress(const MailAddress& address);

// The domain of an address ("example.com" for ann@example.com).
std::string_view MailDomain(std::string_view address);

struct MailAttachment {
  std::string name;        // file name shown to the recipient
  std::string media_type;  // "application/pdf"
  std::string bytes;
};

struct MailContent {
  MailAddress from;
  std::vector<MailAddress> to;
  std::vector<MailAddress> cc;  // Bcc recipients are envelope-only and never in the text
  std::optional<MailAddress> reply_to;
  std::string subject;  // line breaks become spaces
  std::string text;     // plain-text body (may be empty when html is set)
  std::string html;     // HTML body, optional
  std::vector<MailAttachment> attachments;
  std::string message_id;  // without angle brackets: "abc@example.com"
  absl::Time date;
  // More header fields, written as given after the standard ones (names and values must be
  // single-line ASCII; the caller checks).
  std::vector<std::pair<std::string, std::string>> headers;
};

// The message's text, ready for SMTP DATA.
std::string BuildMailMessage(const MailContent& content, std::string_view boundary_seed);

// RFC 5322 date-time in UTC: "Tue, 24 Nov 2026 23:40:01 +0000".
std::string FormatMailDate(absl::Time time);

// The media type for a file name's extension ("application/pdf" for "a.PDF"), or
// "application/octet-stream".
std::string MediaTypeForName(std::string_view name);

}  // namespace flowline::steps
