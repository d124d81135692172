// Reading a file into a Document: the PDF text layer (poppler-cpp) where a page has one,
// Tesseract OCR (Leptonica) for pages without and for images (PNG, JPEG, TIFF), per page.
// See document.h for the result's form. Implemented in reader.cc; `document.read` is the step.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ai/document/document.h"

namespace flowline::steps {
class ArtifactStore;
}

namespace flowline::ai {

struct ReadOptions {
  // OCR language(s), Tesseract's names ("eng", "eng+deu").
  std::string languages = "eng";
  // Resolution at which pages without a text layer are rendered for OCR, and page images kept.
  int dpi = 300;
  // A page whose text layer has fewer characters than this is OCR'd instead.
  int min_text_chars = 16;
  // Render every page to a PNG artifact (for the review screen); needs `artifacts`.
  bool keep_page_images = true;
};

// Reads `bytes` (the whole file). `name` is used only in error messages. InvalidArgument for an
// empty, corrupt, encrypted or unsupported file, saying which and what to do; never crashes.
absl::StatusOr<Document> ReadDocument(std::string_view bytes, std::string_view name,
                                      const ReadOptions& options,
                                      steps::ArtifactStore* artifacts);

}  // namespace flowline::ai
