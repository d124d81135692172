#include "samples/scan.h"

#include <algorithm>
#include <cmath>

#include "common/status_macros.h"

namespace flowline::samples {
namespace {

uint8_t Clamp(double v) { return static_cast<uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

// A [1 2 1] x [1 2 1] blur: the softness of a cheap scanner's optics.
void Blur(GreyImage& image) {
  std::vector<uint8_t> out(image.pixels.size());
  int w = image.width;
  int h = image.height;
  for (int y = 0; y < h; ++y) {
    int y0 = std::max(y - 1, 0);
    int y1 = std::min(y + 1, h - 1);
    for (int x = 0; x < w; ++x) {
      int x0 = std::max(x - 1, 0);
      int x1 = std::min(x + 1, w - 1);
      int sum = image.at(x0, y0) + 2 * image.at(x, y0) + image.at(x1, y0) + 2 * image.at(x0, y) +
                4 * image.at(x, y) + 2 * image.at(x1, y) + image.at(x0, y1) + 2 * image.at(x, y1) +
                image.at(x1, y1);
      out[static_cast<size_t>(y) * w + x] = static_cast<uint8_t>((sum + 8) / 16);
    }
  }
  image.pixels = std::move(out);
}

// Dust and toner specks: small dark blobs anywhere on the page.
int AddSpecks(GreyImage& image, Rng& rng, int ink) {
  int count = static_cast<int>(rng.Int(50, 600));
  for (int i = 0; i < count; ++i) {
    int cx = static_cast<int>(rng.Int(0, image.width - 1));
    int cy = static_cast<int>(rng.Int(0, image.height - 1));
    int r = rng.Chance(0.9) ? 0 : 1;
    uint8_t level = static_cast<uint8_t>(ink + rng.Int(0, 120));
    for (int y = std::max(cy - r, 0); y <= std::min(cy + r, image.height - 1); ++y) {
      for (int x = std::max(cx - r, 0); x <= std::min(cx + r, image.width - 1); ++x) {
        image.at(x, y) = std::min(image.at(x, y), level);
      }
    }
  }
  return count;
}

}  // namespace

absl::StatusOr<GreyImage> ScanPage(const Page& page, const ScanOptions& options, Rng& rng,
                                   ScanParameters* parameters) {
  ScanParameters p;
  p.skew_degrees = rng.Real(-options.max_skew_degrees, options.max_skew_degrees);
  double shift_x = rng.Real(-6, 6);
  double shift_y = rng.Real(-6, 6);
  ASSIGN_OR_RETURN(GreyImage image, RenderInk(page, options.dpi, p.skew_degrees, shift_x, shift_y));

  p.paper = static_cast<int>(rng.Int(218, 250));
  p.ink = static_cast<int>(rng.Int(10, 75));
  // Uneven lighting: brightness drifts linearly by up to ±5% across one axis.
  double drift = rng.Real(-0.05, 0.05);
  bool along_x = rng.Chance(0.5);
  // A lid shadow along one edge on some scans.
  int shadow_edge = rng.Chance(0.3) ? static_cast<int>(rng.Int(0, 3)) : -1;
  int shadow_width = static_cast<int>(options.dpi * rng.Real(0.03, 0.12));
  int w = image.width;
  int h = image.height;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double t = along_x ? static_cast<double>(x) / w : static_cast<double>(y) / h;
      double paper = p.paper * (1.0 + drift * (t - 0.5));
      double coverage = image.at(x, y) / 255.0;
      double value = paper - (paper - p.ink) * coverage;
      if (shadow_edge >= 0) {
        int distance = shadow_edge == 0   ? x
                       : shadow_edge == 1 ? w - 1 - x
                       : shadow_edge == 2 ? y
                                          : h - 1 - y;
        if (distance < shadow_width) value *= 0.35 + 0.65 * distance / shadow_width;
      }
      image.at(x, y) = Clamp(value);
    }
  }
  p.specks = AddSpecks(image, rng, p.ink);
  p.blurred = rng.Chance(0.6);
  if (p.blurred) Blur(image);
  // Grain costs PNG size (noise does not compress), so only a share of scans get it.
  p.grainy = rng.Chance(0.1);
  if (p.grainy) {
    for (uint8_t& px : image.pixels) {
      // Triangular noise in [-3, 3] from two 2-bit draws.
      uint64_t r = rng.Next64();
      int noise = static_cast<int>(r & 3) + static_cast<int>((r >> 2) & 3) - 3;
      px = Clamp(px + noise);
    }
  }
  if (parameters != nullptr) *parameters = p;
  return image;
}

}  // namespace flowline::samples
