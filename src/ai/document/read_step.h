// The `document.read` step kind (actor ai): a PDF or image file into a Document (reader.h).
//
//   - id: read
//     actor: ai
//     uses: document.read
//     with:
//       file: ${{ input.file }}     # required: a path, or an artifact key "sha256:<hex>.<ext>"
//       languages: eng              # Tesseract languages, "eng+deu" (default "eng")
//       dpi: 300                    # OCR resolution for PDF pages, 50..1200 (default 300)
//       ocr: auto                   # auto | always | never (default auto)
//       keep_page_images: true      # page images as artifacts for review (default true)
//
// Output: the document's JSON form (document.h): sha256, media_type, page_count, ocr_pages,
// text, pages → lines → words with boxes (fractions of the page) and OCR confidences, and each
// page's "image" artifact key. Confidence: the lowest mean word confidence of the OCR'd pages;
// 1 when every page has a text layer; 0 when nothing readable was found.
//
// Fails (permanent) on a missing, empty, damaged, encrypted or unsupported file and on an OCR
// language that is not installed, with the reason and the fix; a failing artifact store is a
// transient failure (retried). Thread-safe: workers read documents in parallel, each with its
// own Tesseract engine.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/step_kind.h"

namespace flowline::ai {

class DocumentReadStep final : public steps::StepKind {
 public:
  DocumentReadStep();
  const steps::StepKindInfo& Info() const override { return info_; }
  // Checks the literal parameters: `file` a string, `ocr` one of auto/always/never, `dpi` in
  // 50..1200, `languages` a '+'-joined list of names.
  std::unique_ptr<steps::PreparedStep> Prepare(
      std::string_view step_id, const Json& with,
      std::vector<steps::ConfigError>* errors) const override;

 private:
  steps::StepKindInfo info_;
};

}  // namespace flowline::ai
