// Documents with known content, made on the spot with cairo (and Leptonica for TIFF/JPEG), for
// the reader's tests and benchmark: text-layer PDFs, image-only ("scanned") PDF pages, page
// images in PNG, TIFF and JPEG, and a password-protected PDF. Test and benchmark code only.
//
// Thread-safe (pure functions; cairo surfaces are local).
#pragma once

#include <string>
#include <vector>

namespace flowline::ai::testing {

// A piece of text drawn at (x, baseline y) in points from the page's top-left, in DejaVu Sans.
struct TextItem {
  std::string text;
  double x = 72;
  double y = 72;
  double size = 12;
};

struct PdfPageSpec {
  std::vector<TextItem> text;
  // Draw the text into a grey image (at `scan_dpi`) and put only the image on the page: a page
  // with no text layer, as a scanner makes.
  bool scanned = false;
  int scan_dpi = 200;
  double width = 595.28;  // A4
  double height = 841.89;
};

// A PDF with `pages`.
std::string MakePdf(const std::vector<PdfPageSpec>& pages);

enum class ImageFormat { kPng, kTiff, kJpeg };

// A white page `width` x `height` points with `text` in black, as an image at `dpi`. PNGs come
// from cairo (no resolution recorded); TIFF and JPEG from Leptonica (resolution recorded).
std::string MakePageImage(const std::vector<TextItem>& text, ImageFormat format, int dpi = 300,
                          double width = 595.28, double height = 841.89);

// A one-page PDF whose text ("Secret report") opens only with `user_password` (standard
// security handler, revision 2, RC4 40-bit), written by hand since no PDF tool is installed.
std::string MakeEncryptedPdf(const std::string& user_password);

// A typical invoice page's text (about 40 lines: header, addresses, a line-item table, totals),
// for benchmarks; `seed` varies the numbers.
std::vector<TextItem> InvoiceText(int seed);

}  // namespace flowline::ai::testing
