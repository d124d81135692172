// Rendering a laid-out Page with cairo: to a PDF with a real text layer (fonts embedded, so
// poppler and any PDF reader extract the words and their boxes), or to a grey raster that
// scan.h degrades and writes as a PNG for OCR.
//
// Fonts come from fontconfig through cairo's toy font API (Debian's DejaVu families). Cairo
// contexts are created per call, so the functions are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "samples/layout.h"

namespace flowline::samples {

// The PDF bytes of `page` (one page). The creation date is fixed, so the same page gives the
// same bytes. Returns Internal if cairo fails (e.g. out of memory).
absl::StatusOr<std::string> RenderPdf(const Page& page);

// An 8-bit grey image, row-major, 0 = black, 255 = white.
struct GreyImage {
  int width = 0;
  int height = 0;
  double dpi = 0;
  std::vector<uint8_t> pixels;

  uint8_t& at(int x, int y) { return pixels[static_cast<size_t>(y) * width + x]; }
  uint8_t at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// How much ink covers each pixel of `page` rendered at `dpi`, rotated by `rotation_degrees`
// about the page centre and shifted by (shift_x, shift_y) points, as a scanner would see a
// slightly skewed sheet: 0 = paper, 255 = full ink. Returns Internal if cairo fails.
absl::StatusOr<GreyImage> RenderInk(const Page& page, double dpi, double rotation_degrees,
                                    double shift_x, double shift_y);

// The PNG bytes of `image` (8-bit greyscale, with a pHYs chunk stating its dpi so OCR knows the
// scale). Deterministic. Returns Internal if compression fails.
absl::StatusOr<std::string> EncodePng(const GreyImage& image);

}  // namespace flowline::samples
