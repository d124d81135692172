// A read document: what `document.read` produces and `extract` (and the review screen) consume.
//
// Coordinates: every box is [x0, y0, x1, y1] as fractions of its page's width and height, origin
// at the top-left, so positions compare across PDFs (points) and scans (pixels). A page's own
// size is in PDF points (1/72 inch); an image page's points come from its resolution (300 dpi
// when the file does not say).
//
// JSON form (the step's output):
//   {"sha256": "<hex of the file>", "media_type": "application/pdf", "page_count": 2,
//    "ocr_pages": [2], "text": "…all lines, pages separated by \f…",
//    "pages": [{"page": 1, "width": 595.3, "height": 841.9, "ocr": false,
//               "image": "sha256:<hex>.png",          // the rendered page (an artifact), or absent
//               "confidence": 0.91,                    // OCR pages: mean word confidence
//               "lines": [{"text": "Invoice no. 123", "box": [x0, y0, x1, y1],
//                          "words": [{"text": "Invoice", "box": [...], "conf": 0.96}, …]}]}]}
// Word "conf" (0..1) is present for OCR'd words only.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::ai {

struct Box {
  double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
  double width() const { return x1 - x0; }
  double height() const { return y1 - y0; }
  // The smallest box holding both.
  Box Union(const Box& other) const;
};

struct Word {
  std::string text;
  Box box;
  std::optional<double> confidence;  // OCR only, 0..1
};

struct Line {
  std::vector<Word> words;
  Box box;
  // The words joined by single spaces.
  std::string Text() const;
};

struct Page {
  int number = 1;                // 1-based
  double width = 0, height = 0;  // points
  bool ocr = false;
  std::string image;                 // artifact key of the rendered page; empty if not rendered
  std::optional<double> confidence;  // OCR pages: mean word confidence
  std::vector<Line> lines;
};

struct Document {
  std::string sha256;
  std::string media_type;
  std::vector<Page> pages;

  // All lines' text, one per line, pages separated by a form feed.
  std::string Text() const;
  Json ToJson() const;
  // Reads ToJson()'s form; InvalidArgument naming the first bad field.
  static absl::StatusOr<Document> FromJson(const Json& json);
};

}  // namespace flowline::ai
