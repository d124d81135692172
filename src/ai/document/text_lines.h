// Lines from a PDF page's words: poppler gives words with boxes; document.read wants lines in
// reading order. Private to src/ai/document; separate so the geometry is tested on its own.
//
// Rules (why: invoices are tables and label/value pairs, not flowing prose):
//  - Pieces of one word that the PDF drew separately (a font change inside "INV-001") are
//    joined: no space after the first and the next starts where it ends.
//  - Words whose vertical extents overlap by at least half the smaller height are on one row.
//  - A row is cut into separate lines at horizontal gaps wider than twice its text height, as a
//    table's columns or a label far from its value; Tesseract cuts its lines the same way, so
//    PDFs and scans give alike lines.
//  - Rows go top to bottom, the lines of a row left to right, the words of a line left to right.
// Thread-safe (a pure function).
#pragma once

#include <string>
#include <vector>

#include "ai/document/document.h"

namespace flowline::ai {

struct PlacedWord {
  std::string text;
  Box box;  // in page units (points), origin top-left
  bool space_after = true;
};

// The lines of `words` (given in the order the PDF shows them), with boxes divided by the page's
// `width` and `height` so they are fractions of the page.
std::vector<Line> GroupIntoLines(std::vector<PlacedWord> words, double width, double height);

}  // namespace flowline::ai
