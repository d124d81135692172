// Running an extract model (not a workflow) over a labelled dataset: what `flowline eval --model`
// and `flowline tune --model` score. Each document is read once (cli/document_cache.h), then the
// extract step's Prepare and Execute run on it as a workflow's step would.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cli/document_cache.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::cli {

struct ModelRunOptions {
  std::string models_dir;               // where a model name resolves (--models)
  std::string model;                    // a name under models_dir, or a path holding a '/'
  std::string cache;                    // read documents' cache; "" for none
  int jobs = 0;                         // documents read at once; 0 (default): one per core
  std::string ocr = "auto";             // auto, always or never
  TextSource text = TextSource::kRead;  // default: read as document.read does
  bool progress = true;                 // a progress bar on stderr; default true
};

// One result per document of `dataset`, in its order: the fields with their normalised values and
// confidences, or the error (reading or extracting) that made the document fail. InvalidArgument
// when the model cannot be loaded (saying why); the cache's errors otherwise.
absl::StatusOr<std::vector<quality::DocumentResult>> ExtractWithModel(
    const ModelRunOptions& options, const quality::Dataset& dataset);

// ExtractWithModel's two halves, for callers that run several models on the same documents
// (`flowline eval --folds`): every document of `dataset` read (or its transcript) once, ...
absl::StatusOr<std::vector<absl::StatusOr<ai::Document>>> ReadForModel(
    const ModelRunOptions& options, const quality::Dataset& dataset);
// ... and the model run on `documents` (at the same index as dataset.documents; a document that
// could not be read fails with its reading error). InvalidArgument when the model cannot be
// loaded.
absl::StatusOr<std::vector<quality::DocumentResult>> ExtractFromDocuments(
    const ModelRunOptions& options, const quality::Dataset& dataset,
    const std::vector<absl::StatusOr<ai::Document>>& documents);

}  // namespace flowline::cli
