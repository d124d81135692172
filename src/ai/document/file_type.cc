#include "ai/document/file_type.h"

#include <algorithm>
#include <cctype>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

bool StartsWith(std::string_view bytes, std::string_view magic) {
  return bytes.substr(0, magic.size()) == magic;
}

// What an unsupported file seems to be, for the error message.
std::string Describe(std::string_view bytes) {
  if (StartsWith(bytes, "GIF87a") || StartsWith(bytes, "GIF89a")) return "a GIF image";
  if (StartsWith(bytes, "BM")) return "a BMP image";
  if (StartsWith(bytes, "RIFF") && bytes.substr(8, 4) == "WEBP") return "a WebP image";
  if (StartsWith(bytes, "PK\x03\x04")) return "a ZIP archive (or an Office document)";
  if (StartsWith(bytes, "\xD0\xCF\x11\xE0")) return "an old Office document";
  const std::string_view head = bytes.substr(0, 512);
  const bool printable = std::all_of(head.begin(), head.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isprint(u) || std::isspace(u);
  });
  if (printable) {
    std::string start(bytes.substr(0, 24));
    std::replace_if(
        start.begin(), start.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return absl::StrCat("plain text (starting \"", start, "\")");
  }
  std::string hex;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
    absl::StrAppendFormat(&hex, "%s%02x", i == 0 ? "" : " ", static_cast<unsigned char>(bytes[i]));
  }
  return absl::StrCat("unknown binary data (first bytes ", hex, ")");
}

}  // namespace

const char* MediaType(FileType type) {
  switch (type) {
    case FileType::kPdf:
      return "application/pdf";
    case FileType::kPng:
      return "image/png";
    case FileType::kJpeg:
      return "image/jpeg";
    case FileType::kTiff:
      return "image/tiff";
  }
  return "application/octet-stream";
}

absl::StatusOr<FileType> DetectFileType(std::string_view bytes, std::string_view name) {
  if (bytes.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        Sv(name), ": the file is empty (0 bytes); check that the upload or copy completed"));
  }
  if (StartsWith(bytes, "\x89PNG\r\n\x1a\n")) return FileType::kPng;
  if (StartsWith(bytes, "\xFF\xD8\xFF")) return FileType::kJpeg;
  if (StartsWith(bytes, std::string_view("II*\0", 4)) ||
      StartsWith(bytes, std::string_view("MM\0*", 4))) {
    return FileType::kTiff;
  }
  // The PDF header may follow some junk (PDF 32000-1 §7.5.2 readers look in the first 1024 bytes).
  if (bytes.substr(0, 1024).find("%PDF-") != std::string_view::npos) return FileType::kPdf;
  return absl::InvalidArgumentError(absl::StrCat(
      Sv(name), ": unsupported file type: ", Describe(bytes),
      "; document.read takes PDF, PNG, JPEG or TIFF files (detected by content, not by name)"));
}

}  // namespace flowline::ai
