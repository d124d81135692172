// Loading a labelled dataset (docs/design/document-ai.md: a folder with labels.jsonl) as
// LabelledDocuments for training.
//
// Each document is read once: `<cache_dir>/<file>.document.json` holds the read Document and is
// used when present; otherwise `reader` reads the file and the cache is written. So training can
// also run from pre-read documents only (no reader needed when every cache file exists), and a
// second training on the same data skips OCR.
//
// Thread-compatible; the reader is called from the calling thread only.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/document/document.h"
#include "ai/extract/trainer.h"

namespace flowline::ai {

// Reads the file at `path` into a Document (e.g. ReadDocument over the file's bytes).
using DocumentReader = std::function<absl::StatusOr<Document>(const std::string& path)>;

struct DatasetOptions {
  // Where "<file>.document.json" caches live; default (empty): beside the files in the dataset.
  std::string cache_dir;
  // Write a cache file for each document read (default true).
  bool write_cache = true;
  // Optional: called once per document with (index, total, file) before it is loaded.
  std::function<void(int, int, const std::string&)> progress;
};

struct Dataset {
  std::vector<LabelledDocument> documents;
  // SHA-256 over labels.jsonl and every document's content hash: the training data's identity.
  std::string sha256;
};

// One document: `cache_file` when it exists (a Document's JSON), else `reader(file)`, then
// written to `cache_file` when `write_cache` (folders created). Errors name the file.
absl::StatusOr<Document> LoadCachedDocument(const std::string& file, const std::string& cache_file,
                                            const DocumentReader& reader, bool write_cache);

// Loads `<dir>/labels.jsonl`. InvalidArgument naming the line for a malformed line (not JSON, no
// "file", "fields" not an object, bad date_order); NotFound for a missing labels.jsonl; a document
// that cannot be read (no cache and no reader, or the reader fails) is an error naming the file.
// Label values that are numbers are written as decimal strings; nested values (line_items) are
// skipped.
absl::StatusOr<Dataset> LoadDataset(const std::string& dir, const DocumentReader& reader,
                                    const DatasetOptions& options);

}  // namespace flowline::ai
