// The datasets of the SQLite store (docs/datasets.md): appending cases as a new version (with
// the corrections fold's cursor), and reading datasets, versions and a version's cases back.
// Semantics as documented in store/store.h.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// Runs on the writer thread, inside the request's transaction.
absl::StatusOr<DatasetAppendResult> AppendCases(Connection& db, const DatasetAppend& append);

absl::StatusOr<DatasetInfo> SelectDataset(Connection& db, const std::string& name);
absl::StatusOr<std::vector<DatasetInfo>> SelectDatasets(Connection& db);
absl::StatusOr<std::vector<DatasetVersion>> SelectDatasetVersions(Connection& db,
                                                                  const std::string& name);
absl::StatusOr<DatasetVersion> SelectDatasetVersion(Connection& db, const std::string& name,
                                                    int version);
absl::StatusOr<std::vector<DatasetCase>> SelectDatasetCases(Connection& db, const std::string& name,
                                                            int version);

}  // namespace flowline::store::sqlite
