#include "steps/mail_message.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

constexpr char kCrlf[] = "\r\n";
constexpr size_t kLineLimit = 76;  // RFC 2045's limit for encoded lines

bool IsAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

// RFC 5322 "specials" and controls: a display name holding any of them is quoted.
bool NeedsQuoting(std::string_view name) {
  return name.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos;
}

// Where a UTF-8 sequence starting at text[i] ends (never splitting a character).
size_t Utf8CharEnd(std::string_view text, size_t i) {
  const auto lead = static_cast<unsigned char>(text[i]);
  size_t length = 1;
  if (lead >= 0xF0) {
    length = 4;
  } else if (lead >= 0xE0) {
    length = 3;
  } else if (lead >= 0xC0) {
    length = 2;
  }
  return std::min(text.size(), i + length);
}

// RFC 2047 "B" encoded words for a header value that is not ASCII, each 60 characters at most
// (36 bytes of UTF-8 → 48 base64 characters + 12 of framing, so that "Subject: " and the first
// word fit in 78), split between characters and folded onto continuation lines.
std::string EncodedWords(std::string_view text) {
  constexpr size_t kMaxBytes = 36;
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size()) {
      const size_t next = Utf8CharEnd(text, end);
      if (next - start > kMaxBytes) break;
      end = next;
    }
    if (end == start) end = Utf8CharEnd(text, start);
    absl::StrAppend(&out, out.empty() ? "" : "\r\n ", "=?UTF-8?B?",
                    absl::Base64Escape(Sv(text.substr(start, end - start))), "?=");
    start = end;
  }
  return out;
}

// An unstructured header value (Subject): as is when ASCII, else encoded words.
std::string HeaderText(std::string_view text) {
  std::string flat = absl::StrReplaceAll(Sv(text), {{"\r\n", " "}, {"\r", " "}, {"\n", " "}});
  return IsAscii(flat) ? flat : EncodedWords(flat);
}

// Quoted-printable (RFC 2045 §6.7) with CRLF line ends and soft breaks before 76 characters.
std::string QuotedPrintable(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  size_t line = 0;
  auto emit = [&](std::string_view piece) {
    if (line + piece.size() > kLineLimit - 1) {
      out += "=\r\n";
      line = 0;
    }
    out += piece;
    line += piece.size();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')) {
      if (c == '\r') ++i;
      out += kCrlf;
      line = 0;
      continue;
    }
    const bool at_line_end = i + 1 == text.size() || text[i + 1] == '\n' || text[i + 1] == '\r';
    const bool literal =
        (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_line_end);
    // A line starting with "." or "From " is left alone by SMTP (curl dot-stuffs), but some
    // gateways mangle "From " lines: encoding the F keeps them intact.
    if (literal && !(c == 'F' && line == 0 && text.substr(i, 5) == "From ")) {
      const char ch = static_cast<char>(c);
      emit(std::string_view(&ch, 1));
    } else {
      const std::array<char, 3> encoded = {'=', kHex[c >> 4], kHex[c & 15]};
      emit(std::string_view(encoded.data(), encoded.size()));
    }
  }
  return out;
}

std::string Base64Lines(std::string_view bytes) {
  const std::string encoded = absl::Base64Escape(Sv(bytes));
  std::string out;
  for (size_t i = 0; i < encoded.size(); i += kLineLimit) {
    absl::StrAppend(&out, encoded.substr(i, kLineLimit), kCrlf);
  }
  return out;
}

// A MIME parameter value: quoted ASCII, or RFC 2231 extended (`name*=UTF-8''%E2%82%AC.pdf`).
std::string Parameter(std::string_view name, std::string_view value) {
  if (IsAscii(value) && value.find_first_of("\"\\\r\n") == std::string_view::npos) {
    return absl::StrCat(Sv(name), "=\"", Sv(value), "\"");
  }
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_') {
      encoded.push_back(static_cast<char>(c));
    } else {
      encoded += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return absl::StrCat(Sv(name), "*=UTF-8''", encoded);
}

std::string TextPart(std::string_view subtype, std::string_view body) {
  return absl::StrCat("Content-Type: text/", Sv(subtype), "; charset=utf-8\r\n",
                      "Content-Transfer-Encoding: quoted-printable\r\n\r\n", QuotedPrintable(body),
                      kCrlf);
}

std::string AttachmentPart(const MailAttachment& attachment) {
  return absl::StrCat(
      "Content-Type: ", attachment.media_type, "; ", Parameter("name", attachment.name), "\r\n",
      "Content-Disposition: attachment; ", Parameter("filename", attachment.name),
      "\r\nContent-Transfer-Encoding: base64\r\n\r\n", Base64Lines(attachment.bytes));
}

std::string Multipart(std::string_view subtype, std::string_view boundary,
                      const std::vector<std::string>& parts) {
  std::string out = absl::StrCat("Content-Type: multipart/", Sv(subtype), ";\r\n boundary=\"",
                                 Sv(boundary), "\"\r\n\r\n");
  for (const std::string& part : parts) absl::StrAppend(&out, "--", Sv(boundary), kCrlf, part);
  absl::StrAppend(&out, "--", Sv(boundary), "--", kCrlf);
  return out;
}

std::string AddressList(const std::vector<MailAddress>& addresses) {
  std::string out;
  for (const MailAddress& address : addresses) {
    absl::StrAppend(&out, out.empty() ? "" : ",\r\n ", FormatMailAddress(address));
  }
  return out;
}

}  // namespace

absl::StatusOr<MailAddress> ParseMailAddress(std::string_view text) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(Sv(text));
  if (trimmed.find_first_of("\r\n") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", trimmed, "\" holds a line break; write one address per item"));
  }
  MailAddress parsed;
  absl::string_view address = trimmed;
  const size_t open = trimmed.rfind('<');
  if (open != std::string_view::npos) {
    if (trimmed.back() != '>') {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", trimmed, "\": the <address> is not closed with >"));
    }
    address = trimmed.substr(open + 1, trimmed.size() - open - 2);
    absl::string_view name = absl::StripAsciiWhitespace(trimmed.substr(0, open));
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
      name = name.substr(1, name.size() - 2);
    }
    parsed.name = std::string(name);
  }
  const size_t at = address.find('@');
  const bool ok = at != std::string_view::npos && at > 0 && at + 1 < address.size() &&
                  address.find('@', at + 1) == std::string_view::npos &&
                  address.find_first_of(" \t<>,;\"()[]\\") == std::string_view::npos &&
                  IsAscii(std::string_view(address.data(), address.size()));
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", trimmed,
        "\" is not an email address; write name@example.com or Name <name@example.com>"));
  }
  parsed.address = std::string(address);
  return parsed;
}

std::string FormatMailAddress(const MailAddress& address) {
  if (address.name.empty()) return address.address;
  std::string name;
  if (!IsAscii(address.name)) {
    name = EncodedWords(address.name);
  } else if (NeedsQuoting(address.name)) {
    name = absl::StrCat("\"", absl::StrReplaceAll(address.name, {{"\\", "\\\\"}, {"\"", "\\\""}}),
                        "\"");
  } else {
    name = address.name;
  }
  return absl::StrCat(name, " <", address.address, ">");
}

std::string_view MailDomain(std::string_view address) {
  const size_t at = address.rfind('@');
  return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

std::string FormatMailDate(absl::Time time) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S +0000", time, absl::UTCTimeZone());
}

std::string MediaTypeForName(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"pdf", "application/pdf"},   {"png", "image/png"},       {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},       {"gif", "image/gif"},       {"tif", "image/tiff"},
      {"tiff", "image/tiff"},       {"txt", "text/plain"},      {"csv", "text/csv"},
      {"json", "application/json"}, {"xml", "application/xml"}, {"html", "text/html"},
      {"zip", "application/zip"},   {"eml", "message/rfc822"},
  };
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  const std::string extension = absl::AsciiStrToLower(Sv(name.substr(dot + 1)));
  for (const auto& [known, type] : kTypes) {
    if (extension == known) return std::string(type);
  }
  return "application/octet-stream";
}

std::string BuildMailMessage(const MailContent& content, std::string_view boundary_seed) {
  // "=_" cannot occur in quoted-printable or base64 text, so the boundaries never collide with
  // a part's content.
  const std::string seed_hash = common::Sha256Hex(boundary_seed);
  auto boundary = [&](std::string_view level) {
    return absl::StrCat("=_flowline_", Sv(level), "_", seed_hash.substr(0, 24));
  };

  std::string out;
  absl::StrAppend(&out, "Date: ", FormatMailDate(content.date), kCrlf);
  absl::StrAppend(&out, "From: ", FormatMailAddress(content.from), kCrlf);
  if (!content.to.empty()) absl::StrAppend(&out, "To: ", AddressList(content.to), kCrlf);
  if (!content.cc.empty()) absl::StrAppend(&out, "Cc: ", AddressList(content.cc), kCrlf);
  if (content.reply_to) {
    absl::StrAppend(&out, "Reply-To: ", FormatMailAddress(*content.reply_to), kCrlf);
  }
  absl::StrAppend(&out, "Subject: ", HeaderText(content.subject), kCrlf);
  absl::StrAppend(&out, "Message-ID: <", content.message_id, ">", kCrlf);
  for (const auto& [name, value] : content.headers) {
    absl::StrAppend(&out, name, ": ", value, kCrlf);
  }
  absl::StrAppend(&out, "MIME-Version: 1.0", kCrlf);

  std::string body;
  if (!content.html.empty() && !content.text.empty()) {
    body = Multipart("alternative", boundary("alt"),
                     {TextPart("plain", content.text), TextPart("html", content.html)});
  } else if (!content.html.empty()) {
    body = TextPart("html", content.html);
  } else {
    body = TextPart("plain", content.text);
  }
  if (content.attachments.empty()) return out + body;

  std::vector<std::string> parts = {std::move(body)};
  for (const MailAttachment& attachment : content.attachments) {
    parts.push_back(AttachmentPart(attachment));
  }
  return out + Multipart("mixed", boundary("mixed"), parts);
}

}  // namespace flowline::steps
