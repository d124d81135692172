// Reading a file into a Document: the PDF text layer (poppler-cpp) where a page has one,
// Tesseract OCR (Leptonica) for pages without and for images (PNG, JPEG, TIFF), per page.
// See document.h for the result's form; `document.read` (read_step.h) is the step.
//
// The file's type comes from its first bytes (file_type.h), not its name. PDF pages whose text
// layer has at least `min_text_chars` real characters keep it (exact words and boxes, no
// confidences); the others are rendered at `dpi` and OCR'd (ocr.h). Images are OCR'd page by page
// (a TIFF may hold several), at the resolution they record (300 dpi when they do not).
//
// Page images (for the review screen) go to `artifacts` as content-addressed files: a PDF page
// as an 8-bit grey PNG at `page_image_dpi`; a PNG or JPEG file as itself (its own bytes and
// extension); a TIFF page as a PNG.
//
// Thread-safe: any number of threads may read documents at once (each OCRs with its own
// Tesseract engine, see ocr.h).
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ai/document/document.h"

namespace flowline::steps {
class ArtifactStore;
}

namespace flowline::ai {

enum class OcrMode {
  kAuto,    // OCR pages without a usable text layer, and images
  kAlways,  // OCR every page, ignoring text layers
  kNever,   // text layers only: a page without one has no lines, and an image is an error
};

struct ReadOptions {
  // OCR language(s), Tesseract's names ("eng", "eng+deu"). Default "eng".
  std::string languages = "eng";
  // Resolution at which pages without a text layer are rendered for OCR. Default 300; 50..1200.
  int dpi = 300;
  // A page whose text layer has fewer real characters than this is OCR'd instead. Default 16.
  int min_text_chars = 16;
  // Default kAuto.
  OcrMode ocr = OcrMode::kAuto;
  // Keep every page's image as an artifact (for the review screen); needs `artifacts`, and is
  // skipped without one. Default true.
  bool keep_page_images = true;
  // Resolution of the kept images of PDF pages. Default 150 (sharp on screen, ~4x smaller and
  // faster to encode than 300). 50..1200.
  int page_image_dpi = 150;
};

// What this program's reader produces from the same bytes and options, as a short string for
// cache keys ("reader 2, tesseract 5.3.0"): the reader's own version, raised whenever OCR or
// text-layer reading changes its output (reader.cc, kReaderVersion), and the OCR library's.
std::string ReaderVersion();

// Reads `bytes` (the whole file). `name` is used only in error messages.
// InvalidArgument for an empty, corrupt, encrypted or unsupported file, and for bad options,
// saying which and what to do; FailedPrecondition when an OCR language is not installed;
// errors of `artifacts` as they come. Never throws, never crashes on bad input.
absl::StatusOr<Document> ReadDocument(std::string_view bytes, std::string_view name,
                                      const ReadOptions& options, steps::ArtifactStore* artifacts);

}  // namespace flowline::ai
