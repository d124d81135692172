// What every Store implementation does alike when it appends dataset cases (docs/datasets.md):
// checking the request, finding the rows that differ from the latest version, and building the
// new version from the rows once they are written. The SQL around it (reading the latest
// version's cases, inserting the rows with their seqs) is each implementation's own.
//
// Pure functions over values; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "store/store.h"

namespace flowline::store {

// InvalidArgument for an empty name or case key, a key given twice, shares outside [0, 1] or
// summing over 1, or a corrections cursor moving back. The message names the dataset and key.
absl::Status ValidateDatasetAppend(const DatasetAppend& append);

// The latest version's cases, by case key.
using DatasetCaseMap = std::map<std::string, DatasetCase>;

// The rows `append` writes against the latest version's `cases`: the given cases whose content
// differs (or that are new), removals of cases that exist, and, when `append.replace`, removals
// of every existing key not given. Empty: nothing changes and no version is made.
std::vector<NewDatasetCase> DatasetRowsToWrite(const DatasetCaseMap& cases,
                                               const DatasetAppend& append);

// Folds the written `rows` (row i stored with seqs[i], ascending) into `cases`, counts what was
// added, changed and removed, and fills `result` with the new version (number
// `latest_version` + 1, its max seq, content hash and case count) and created = true.
// Precondition: rows.size() == seqs.size() > 0.
void BuildDatasetVersion(DatasetCaseMap& cases, const std::vector<NewDatasetCase>& rows,
                         const std::vector<int64_t>& seqs, const DatasetAppend& append,
                         int latest_version, DatasetAppendResult& result);

}  // namespace flowline::store
