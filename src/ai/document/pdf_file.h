// A PDF opened with poppler-cpp: its pages' text layers as lines, and pages rendered to images.
// Private to src/ai/document (the reader decides per page which to use).
//
// Poppler's own error messages are silenced process-wide on first use (they would flood the
// engine's stderr for every damaged file); the problems come back as statuses instead.
//
// Thread-safety: one PdfFile per thread; different PdfFiles may be used on different threads.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/document/page_image.h"

namespace poppler {
class document;
}

namespace flowline::ai {

class PdfFile {
 public:
  // Opens `bytes`, which must outlive the PdfFile (poppler reads them in place). InvalidArgument
  // for a damaged PDF, a PDF locked by a password, or one with no pages; `name` is for messages.
  static absl::StatusOr<std::unique_ptr<PdfFile>> Open(std::string_view bytes,
                                                       std::string_view name);
  ~PdfFile();

  int page_count() const;
  // A page's size in points (its crop box as displayed, i.e. after its /Rotate). `index` is
  // 0-based.
  absl::StatusOr<Page> PageFrame(int index) const;
  // The page's text layer as lines in reading order (see text_lines.h); empty without one.
  absl::StatusOr<std::vector<Line>> TextLines(int index) const;
  // The page rendered at `dpi` as an 8-bit grey image.
  absl::StatusOr<PixPtr> Render(int index, int dpi) const;

 private:
  PdfFile(std::unique_ptr<poppler::document> document, std::string name);

  std::unique_ptr<poppler::document> document_;
  std::string name_;
};

// The number of characters of `lines` that are real text: not spaces, not U+FFFD, not private-use
// code points (which a PDF font without a Unicode map yields). Below a threshold a page's text
// layer is not usable and the page is OCR'd.
int UsableChars(const std::vector<Line>& lines);

}  // namespace flowline::ai
