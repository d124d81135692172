// What kind of file document.read was given, told by its first bytes (magic numbers), never by
// its name: an uploaded "invoice.pdf" may well be a JPEG from a phone.
//
// Thread-safe (pure functions).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"

namespace flowline::ai {

enum class FileType { kPdf, kPng, kJpeg, kTiff };

// "application/pdf", "image/png", "image/jpeg", "image/tiff".
const char* MediaType(FileType type);

// The type of `bytes`. InvalidArgument for an empty file and for anything that is not a PDF,
// PNG, JPEG or TIFF, saying what the bytes look like (a GIF, plain text, unknown binary) and
// what to do; `name` (a path or key) is only used in the message.
absl::StatusOr<FileType> DetectFileType(std::string_view bytes, std::string_view name);

}  // namespace flowline::ai
