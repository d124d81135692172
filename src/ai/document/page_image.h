// Leptonica images as document.read passes them around: owned Pix pointers, PNG encoding, and
// the conversion from poppler's rendered pages. Private to src/ai/document.
//
// Thread-safe: each function touches only the images it is given.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct Pix;

namespace flowline::ai {

struct PixDeleter {
  void operator()(Pix* pix) const;
};
using PixPtr = std::unique_ptr<Pix, PixDeleter>;

// An 8-bit grey image copied from `rows` (height rows of `bytes_per_row` bytes, one byte per
// pixel), with its resolution set to `dpi`.
PixPtr GrayPixFromRows(const char* rows, int width, int height, int bytes_per_row, int dpi);

// The image as PNG bytes (fast zlib level: page images are written once per page read). Sets
// the image's "special" field, Leptonica's way to pass the level.
absl::StatusOr<std::string> EncodePng(Pix* pix);

// The image's resolution in dots per inch, or `fallback` when the file did not record a
// plausible one (under 50 or over 2400).
int PixDpi(Pix* pix, int fallback);

// Leptonica prints every decoding problem to stderr; document.read reports them as statuses
// instead. Idempotent and thread-safe.
void SilenceLeptonica();

}  // namespace flowline::ai
