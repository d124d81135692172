// Reading many labelled documents for `flowline eval` and `flowline train`: in parallel, and
// once. A read Document is cached as JSON under the cache folder, keyed by the file's SHA-256
// and the read options, so a second evaluation or training on the same files skips OCR.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/document/reader.h"
#include "quality/dataset.h"

namespace flowline::cli {

struct DocumentCacheOptions {
  // Default: $FLOWLINE_CACHE, else $XDG_CACHE_HOME/flowline/documents, else
  // ~/.cache/flowline/documents. Empty after DefaultCacheDir(): no caching.
  std::string dir;
  ai::ReadOptions read;  // keep_page_images is ignored: no artifacts here
  int jobs = 0;          // threads; 0: one per core
};

std::string DefaultCacheDir();

// Reads every file of `paths` (the result at the same index: the Document or why it could not
// be read). `progress(done, total)` is called from the calling thread.
std::vector<absl::StatusOr<ai::Document>> ReadDocuments(
    const std::vector<std::string>& paths, const DocumentCacheOptions& options,
    const std::function<void(int, int)>& progress);

// Where a labelled document's text comes from (`--text` of train extract and eval;
// docs/accuracy.md): kRead, the file read as document.read does (text layer, else our OCR) — the
// end-to-end protocol; kGiven, the set's own transcript (quality/transcript.h, SROIE's box/NNN.csv)
// — extraction measured apart from OCR, the protocol of the SROIE competition's task 3.
enum class TextSource { kRead, kGiven };
std::optional<TextSource> ParseTextSource(std::string_view name);  // "read", "given"
const char* TextSourceName(TextSource source);                     // "read", "given"
// One line for reports: what the text source is.
const char* TextSourceDescription(TextSource source);

// The documents of `dataset` (the result at the same index as dataset.documents): read through
// ReadDocuments, or built from their transcripts (not cached: no OCR). InvalidArgument when
// `source` is kGiven and no document of the set has a transcript; a document without one is a
// NotFound at its index.
absl::StatusOr<std::vector<absl::StatusOr<ai::Document>>> ReadDatasetDocuments(
    const quality::Dataset& dataset, TextSource source, const DocumentCacheOptions& options,
    const std::function<void(int, int)>& progress);

}  // namespace flowline::cli
