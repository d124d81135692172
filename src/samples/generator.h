// flowline samples: synthetic business documents with ground truth, for the demo, the
// always-run tests and a first model (docs/samples.md).
//
// GenerateSamples writes DIR/labels.jsonl (the dataset format of docs/design/document-ai.md)
// and one file per document: invoices and other documents as PDFs with a text layer, and a
// share as scanned-style greyscale PNGs. Everything is a function of the options: the same seed
// gives byte-identical labels and files.
//
// PlanSamples is the same generation without rendering: the documents, their layouts and labels
// in memory (tests use it to check the labels against what the layout printed).
//
// Thread-safe: no shared state (each call owns its data).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "samples/layout.h"
#include "samples/sample_document.h"

namespace flowline::samples {

struct GenerateOptions {
  int count = 0;                  // documents to generate; required, 1..100000
  std::string out_dir;            // where labels.jsonl and the files go; created if missing
  uint64_t seed = 1;              // same seed, same documents
  double scanned_share = 0.25;    // share of documents rendered as scanned PNGs, [0, 1]
  double other_share = 0.2;       // share of non-invoices (receipts, letters, ...), [0, 1]
  double defect_share = 0.05;     // share of invoices with an arithmetic or date defect, [0, 1]
  double duplicate_share = 0.03;  // share of invoices re-sent as duplicates, [0, 1]
  double dpi = 200;               // scan resolution, 72..600
};

// InvalidArgument naming the option, the value and the allowed range; OK otherwise.
absl::Status ValidateOptions(const GenerateOptions& options);

struct PlannedSample {
  std::string file;  // "sample-00001.pdf" or ".png", relative to out_dir
  bool scanned = false;
  SampleDocument document;
  LaidOutDocument layout;
  nlohmann::ordered_json label;  // the labels.jsonl line
};

// The documents, layouts and labels of a batch, without rendering or writing anything.
absl::StatusOr<std::vector<PlannedSample>> PlanSamples(const GenerateOptions& options);

// The label line for one planned sample: fields are included exactly when the layout printed
// them (a text item names the field), normalised per docs/design/document-ai.md.
nlohmann::ordered_json LabelFor(const std::string& file, bool scanned, const SampleDocument& doc,
                                const LaidOutDocument& layout);

struct GenerateSummary {
  int documents = 0;
  int scanned = 0;
  int defects = 0;  // arithmetic / date defects (excluding duplicates)
  int duplicates = 0;
  int64_t bytes = 0;                   // total size of the files written, labels included
  std::map<std::string, int> by_type;  // doc_type -> count
};

// Generates and writes the batch. `progress` (may be empty) is called after each document with
// (done, total). Errors: InvalidArgument for bad options; Internal/PermissionDenied-style
// statuses naming the path when a file cannot be written.
absl::StatusOr<GenerateSummary> GenerateSamples(const GenerateOptions& options,
                                                const std::function<void(int, int)>& progress = {});

}  // namespace flowline::samples
