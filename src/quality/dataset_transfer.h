// Moving labelled cases into and out of stored datasets (docs/datasets.md): `flowline dataset
// import` (a folder in any format LoadDataset reads, or a JSONL/CSV file of cases) and `flowline
// dataset export` (a flowline labels.jsonl folder that LoadDataset reads back).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "quality/dataset.h"
#include "steps/artifacts.h"
#include "store/store.h"

namespace flowline::quality {

struct DatasetImport {
  std::string name;             // required
  std::string from;             // a folder, or a .jsonl / .csv file; required
  std::string format = "auto";  // auto, jsonl, csv, or one of DatasetFormats()
  // Used when the import creates the dataset; an existing dataset keeps its own.
  std::string workflow;
  std::string description;
  double validation_share = 0.2;
  double test_share = 0.2;
  uint64_t split_seed = 1;
  std::string note;  // the new version's note (default: "import <from> (<format>)")
  absl::Time now;
};

struct DatasetImportResult {
  store::DatasetAppendResult append;  // append.created false: the content was already there
  std::string format;                 // as detected
  size_t cases = 0;
  std::vector<std::string> warnings;  // labels dropped, files missing (folder formats)
};

// Reads `import.from`, copies its files into `artifacts`, and stores its cases as the new
// version of the dataset (the whole dataset: cases no longer there are removed), in one store
// transaction: nothing is stored when any case is bad. Errors as LoadDataset / LoadCaseFile
// (InvalidArgument naming file:line), and as the store's AppendDatasetCases.
absl::StatusOr<DatasetImportResult> ImportDataset(store::Store& store,
                                                  steps::ArtifactStore& artifacts,
                                                  const DatasetImport& import);

struct DatasetExportResult {
  size_t written = 0;
  size_t skipped = 0;  // cases with no document (a JSON input only): labels.jsonl cannot hold them
};

// Writes `dataset` to `out` as a flowline folder: each document's file under its case id,
// labels.jsonl (with source and slices) and fields.json (the field types). FailedPrecondition if
// `out` cannot be written or a case id is not a safe relative path.
absl::StatusOr<DatasetExportResult> ExportDataset(const Dataset& dataset, const std::string& out);

}  // namespace flowline::quality
