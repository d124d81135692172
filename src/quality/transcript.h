// A labelled set's own text transcripts, read as Documents: the "given text" protocol of
// `flowline train extract --text given` and `flowline eval --text given` (docs/accuracy.md).
//
// Some public sets ship the text of each scan next to its labels (SROIE: box/NNN.csv, one text
// line per row, `x1,y1,x2,y2,x3,y3,x4,y4,transcript` in pixels, 4 corners clockwise from the
// top-left). The competition evaluates key-information extraction on that text, so extraction
// can be measured apart from our OCR. The Document built from it:
//   - one page, its size the image's (JPEG/PNG header; 72 pixels per point unless the JPEG says
//     its density), or the rows' extent when the image cannot be measured;
//   - the rows of one visual line (vertical centres within half a row's height of each other)
//     joined into one Line, left to right, as document.read's lines span the page (the set's
//     rows are often column segments: "TOTAL:" and "9.00" apart);
//   - each row's transcript split at spaces into Words whose boxes share the row's box in
//     proportion to their characters; no confidence (it is not OCR).
//
// Pure functions; thread-safe.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "ai/document/document.h"

namespace flowline::quality {

// Reads the box CSV at `csv_path` for the image at `image_path` (only its header is read, for
// the page size; may be empty). NotFound if the CSV cannot be read; InvalidArgument naming the
// file and line for a row that is not 8 integers and a transcript.
absl::StatusOr<ai::Document> ReadBoxTranscript(const std::string& csv_path,
                                               const std::string& image_path);

// The same from the CSV's text; `where` names it in errors. `width`/`height` in pixels (0:
// the rows' extent), `dpi` for the page's points.
absl::StatusOr<ai::Document> ParseBoxTranscript(std::string_view csv, const std::string& where,
                                                int width = 0, int height = 0, double dpi = 72);

}  // namespace flowline::quality
