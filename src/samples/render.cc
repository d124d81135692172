#include "samples/render.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <zlib.h>

#include <cmath>
#include <cstdlib>
#include <numbers>

#include "absl/strings/str_cat.h"

namespace flowline::samples {
namespace {

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

double TextX(cairo_t* cr, const TextItem& item) {
  if (item.align == Align::kLeft) return item.x;
  cairo_text_extents_t extents;
  cairo_text_extents(cr, item.text.c_str(), &extents);
  return item.align == Align::kRight ? item.x - extents.x_advance : item.x - extents.x_advance / 2;
}

// Draws the page in points. `ink` mode draws coverage into an A8 surface: colour becomes alpha
// (black text = full coverage), and white text removes coverage.
void DrawPage(cairo_t* cr, const Page& page, bool ink) {
  auto set_grey = [&](double grey) {
    if (ink) {
      cairo_set_operator(cr, grey >= 0.99 ? CAIRO_OPERATOR_DEST_OUT : CAIRO_OPERATOR_OVER);
      cairo_set_source_rgba(cr, 0, 0, 0, grey >= 0.99 ? 1.0 : 1.0 - grey);
    } else {
      cairo_set_source_rgb(cr, grey, grey, grey);
    }
  };
  for (const Shade& shade : page.shades) {
    set_grey(shade.grey);
    cairo_rectangle(cr, shade.x, shade.y, shade.w, shade.h);
    cairo_fill(cr);
  }
  for (const Rule& rule : page.rules) {
    set_grey(0);
    cairo_set_line_width(cr, rule.width);
    cairo_move_to(cr, rule.x0, rule.y0);
    cairo_line_to(cr, rule.x1, rule.y1);
    cairo_stroke(cr);
  }
  for (const TextItem& item : page.texts) {
    cairo_select_font_face(cr, page.font_family.c_str(), CAIRO_FONT_SLANT_NORMAL,
                           item.bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, item.size);
    set_grey(item.grey);
    cairo_move_to(cr, TextX(cr, item), item.y);
    cairo_show_text(cr, item.text.c_str());
  }
  if (ink) cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
}

void PutChunk(std::string& png, const char* type, const std::string& data) {
  auto put32 = [&](uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) png.push_back(static_cast<char>(v >> shift));
  };
  put32(static_cast<uint32_t>(data.size()));
  std::string body = std::string(type, 4) + data;
  png += body;
  put32(static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
}

std::string Be32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

}  // namespace

absl::StatusOr<std::string> RenderPdf(const Page& page) {
  std::string bytes;
  cairo_surface_t* surface =
      cairo_pdf_surface_create_for_stream(AppendToString, &bytes, page.width, page.height);
  // A fixed date keeps the output a function of the page alone (cairo would stamp "now").
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, "2026-01-01T00:00:00");
  cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "flowline samples");
  cairo_t* cr = cairo_create(surface);
  DrawPage(cr, page, false);
  cairo_show_page(cr);
  cairo_status_t status = cairo_status(cr);
  cairo_destroy(cr);
  cairo_surface_finish(surface);
  if (status == CAIRO_STATUS_SUCCESS) status = cairo_surface_status(surface);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("rendering a PDF with cairo failed: ", cairo_status_to_string(status)));
  }
  return bytes;
}

absl::StatusOr<GreyImage> RenderInk(const Page& page, double dpi, double rotation_degrees,
                                    double shift_x, double shift_y) {
  double scale = dpi / 72.0;
  int width = static_cast<int>(std::lround(page.width * scale));
  int height = static_cast<int>(std::lround(page.height * scale));
  cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_A8, width, height);
  cairo_t* cr = cairo_create(surface);
  cairo_scale(cr, scale, scale);
  cairo_translate(cr, page.width / 2 + shift_x, page.height / 2 + shift_y);
  cairo_rotate(cr, rotation_degrees * std::numbers::pi / 180.0);
  cairo_translate(cr, -page.width / 2, -page.height / 2);
  DrawPage(cr, page, true);
  cairo_surface_flush(surface);
  cairo_status_t status = cairo_status(cr);
  GreyImage image;
  if (status == CAIRO_STATUS_SUCCESS) {
    image.width = width;
    image.height = height;
    image.dpi = dpi;
    image.pixels.resize(static_cast<size_t>(width) * height);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    int stride = cairo_image_surface_get_stride(surface);
    for (int y = 0; y < height; ++y) {
      std::copy(data + static_cast<size_t>(y) * stride,
                data + static_cast<size_t>(y) * stride + width,
                image.pixels.begin() + static_cast<size_t>(y) * width);
    }
  }
  cairo_destroy(cr);
  cairo_surface_destroy(surface);
  if (status != CAIRO_STATUS_SUCCESS) {
    return absl::InternalError(
        absl::StrCat("rendering an image with cairo failed: ", cairo_status_to_string(status)));
  }
  return image;
}

absl::StatusOr<std::string> EncodePng(const GreyImage& image) {
  // Each row is filtered with "Up" (the difference to the row above): scanned pages are mostly
  // flat paper, so the differences are mostly zero and deflate well.
  std::string raw;
  raw.reserve(static_cast<size_t>(image.width + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw.push_back(y == 0 ? 0 : 2);
    for (int x = 0; x < image.width; ++x) {
      uint8_t up = y == 0 ? 0 : image.at(x, y - 1);
      raw.push_back(static_cast<char>(static_cast<uint8_t>(image.at(x, y) - up)));
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(size, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(compressed.data()), &size,
                     reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 6);
  if (rc != Z_OK) return absl::InternalError(absl::StrCat("zlib compress2 failed: ", rc));
  compressed.resize(size);

  std::string png = "\x89PNG\r\n\x1a\n";
  std::string header = Be32(static_cast<uint32_t>(image.width)) +
                       Be32(static_cast<uint32_t>(image.height)) +
                       std::string("\x08\x00\x00\x00\x00", 5);
  PutChunk(png, "IHDR", header);
  uint32_t per_metre = static_cast<uint32_t>(std::lround(image.dpi / 0.0254));
  PutChunk(png, "pHYs", Be32(per_metre) + Be32(per_metre) + std::string("\x01", 1));
  PutChunk(png, "IDAT", compressed);
  PutChunk(png, "IEND", "");
  return png;
}

}  // namespace flowline::samples
