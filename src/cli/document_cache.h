// Reading many labelled documents for `flowline eval` and `flowline train`: in parallel, and
// once. A read Document is cached as JSON under the cache folder, keyed by the file's SHA-256
// and the read options, so a second evaluation or training on the same files skips OCR.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/document/reader.h"

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

}  // namespace flowline::cli
