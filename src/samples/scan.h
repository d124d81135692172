// Turning a rendered page into a plausible scan: the sheet lies slightly skewed on the glass,
// paper is not white, toner is not black, optics blur, dust leaves specks, the lid leaves a
// shadow at an edge and the lamp lights the page unevenly. OCR has to cope with all of it.
//
// Deterministic given the Rng; thread-safe (no shared state).
#pragma once

#include "absl/status/statusor.h"
#include "samples/render.h"
#include "samples/rng.h"

namespace flowline::samples {

struct ScanOptions {
  double dpi = 200;             // the scan resolution
  double max_skew_degrees = 2;  // rotation drawn from [-max, max]
};

// What ScanPage drew, for tests and statistics.
struct ScanParameters {
  double skew_degrees = 0;
  int paper = 255;  // background grey level
  int ink = 0;      // darkest text grey level
  bool blurred = false;
  bool grainy = false;  // per-pixel sensor noise
  int specks = 0;
};

// Renders `page` as a degraded greyscale scan (0 = black).
absl::StatusOr<GreyImage> ScanPage(const Page& page, const ScanOptions& options, Rng& rng,
                                   ScanParameters* parameters = nullptr);

}  // namespace flowline::samples
