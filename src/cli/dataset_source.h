// Where `flowline tune` and `flowline train extract` read labelled cases from: a folder
// (--data DIR, in any importer format) or a stored dataset (--dataset NAME[@VERSION],
// docs/datasets.md), optionally with the corrections people made in a workflow
// (--with-corrections WORKFLOW: the train part of "<workflow>.reviewed", folded first).
//
// A folder is split with the command's --validation-share/--test-share/--split-seed; a stored
// dataset with its own shares and seed, so every command sees the same parts of it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "cli/app.h"
#include "quality/dataset.h"

namespace flowline::cli {

struct DatasetSource {
  std::string data;     // a folder; or
  std::string dataset;  // NAME[@VERSION] in the store
  std::string format = "auto";
  double validation_share = 0.2;  // a folder's split; default 0.2 / 0.2 / seed 1
  double test_share = 0.2;
  uint64_t split_seed = 1;
  std::string with_corrections;  // a workflow whose reviewed cases join (train part); "": none
};

struct LoadedDataset {
  quality::Dataset dataset;  // every document (and the reviewed cases' train part, if asked)
  int corrections = 0;       // how many of them are reviewed cases
  // The store, open while a stored dataset's files are read (null for a folder).
  std::unique_ptr<App> app;
  // The documents of `split` (a reviewed case counts as train).
  quality::Dataset Part(quality::Split split) const;
};

// InvalidArgument unless exactly one of data and dataset is given; the loaders' errors
// otherwise (NotFound for an unknown dataset or version).
absl::StatusOr<LoadedDataset> LoadDatasetSource(const DatasetSource& source,
                                                const GlobalOptions& global);

}  // namespace flowline::cli
