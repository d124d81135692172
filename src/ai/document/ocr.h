// Tesseract OCR of one page image into lines of words with boxes and confidences.
//
// Each thread keeps its own tesseract::TessBaseAPI (thread_local), initialised once per language
// set and reused for every page, so several engine workers OCR in parallel without sharing an
// engine (TessBaseAPI is not thread-safe). Initialising costs ~0.1–0.3 s, recognising a page ~1 s.
//
// Tesseract's Debian build parallelises inside one page with OpenMP; with one page per worker
// thread that only oversubscribes the cores (and its spinning threads slow everything down).
// Measured on 2 cores, 2 workers: ~20% more pages/s with OMP_THREAD_LIMIT=1. libgomp reads it
// only at process start, so a program linking this file re-executes itself once, before main,
// with OMP_THREAD_LIMIT=1 added, unless the environment already sets it (see ocr.cc).
//
// The trained data is found in $TESSDATA_PREFIX (the tessdata folder or its parent), else in the
// Debian and /usr/local locations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"

struct Pix;

namespace flowline::ai {

struct OcrResult {
  std::vector<Line> lines;  // boxes as fractions of the image, word confidences 0..1
  double confidence = 0;    // mean word confidence; 0 when nothing was recognised
};

// Recognises the text of `image` (any depth) scanned at `dpi`. A page of small print (median
// line under 20 px) is read a second time, upscaled to ~32 px lines, as one block (ocr.cc).
// `languages` is Tesseract's form
// ("eng", "eng+deu"). InvalidArgument for a malformed language list; FailedPrecondition when a
// language's trained data is not installed (naming the Debian package); Internal if Tesseract
// fails on the image.
absl::StatusOr<OcrResult> RecognisePage(Pix* image, int dpi, std::string_view languages);

// The Tesseract library's version ("5.3.0"): what a cache of OCR'd text must key on besides this
// program's own reader version (reader.h, ReaderVersion).
std::string OcrEngineVersion();

// The folder holding `<language>.traineddata` for every language in `languages`.
// FailedPrecondition saying where it looked and what to install.
absl::StatusOr<std::string> FindTessdata(std::string_view languages);

}  // namespace flowline::ai
