#include "ai/document/page_image.h"

#include <leptonica/allheaders.h>

#include <mutex>

namespace flowline::ai {

void PixDeleter::operator()(Pix* pix) const { pixDestroy(&pix); }

PixPtr GrayPixFromRows(const char* rows, int width, int height, int bytes_per_row, int dpi) {
  PixPtr pix(pixCreate(width, height, 8));
  if (pix == nullptr) return pix;
  pixSetResolution(pix.get(), dpi, dpi);
  l_uint32* data = pixGetData(pix.get());
  const int wpl = pixGetWpl(pix.get());
  for (int y = 0; y < height; ++y) {
    const unsigned char* src =
        reinterpret_cast<const unsigned char*>(rows) + static_cast<size_t>(y) * bytes_per_row;
    l_uint32* line = data + static_cast<size_t>(y) * wpl;
    for (int x = 0; x < width; ++x) SET_DATA_BYTE(line, x, src[x]);
  }
  return pix;
}

absl::StatusOr<std::string> EncodePng(Pix* pix) {
  // Leptonica's documented way to choose the zlib level: special = 10 + level. (Pix is opaque
  // in Leptonica 1.82, so the field cannot be read back and restored; nothing else uses it.)
  pixSetSpecial(pix, 10 + 3);
  l_uint8* data = nullptr;
  size_t size = 0;
  const l_ok failed = pixWriteMemPng(&data, &size, pix, 0.0);
  if (failed != 0 || data == nullptr) {
    if (data != nullptr) lept_free(data);
    return absl::InternalError("could not encode the page image as PNG");
  }
  std::string png(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return png;
}

int PixDpi(Pix* pix, int fallback) {
  const l_int32 dpi = pixGetXRes(pix);
  return dpi >= 50 && dpi <= 2400 ? dpi : fallback;
}

void SilenceLeptonica() {
  static std::once_flag once;
  std::call_once(once, [] { setMsgSeverity(L_SEVERITY_NONE); });
}

}  // namespace flowline::ai
