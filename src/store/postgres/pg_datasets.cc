// PostgresStore: datasets (docs/datasets.md). An append locks its dataset's row (FOR UPDATE)
// before it reads the latest version, so appends to one dataset from several processes run one
// after the other: each sees the version the one before made, and version numbers stay 1, 2,
// 3, ... with no two alike. The dataset_cases seqs of one dataset are then assigned in commit
// order too (an append takes its seqs only while holding the lock), which a version's
// "newest row per key up to max_seq" relies on.
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/dataset_append.h"
#include "store/postgres/pg_arrays.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_rows.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

#define FLOWLINE_DATASET_COLUMNS                                                        \
  "name, description, workflow, validation_share, test_share, split_seed, created_at, " \
  "latest_version, feed_seq"
#define FLOWLINE_CASE_COLUMNS                                                            \
  "seq, dataset, case_key, input_json, expected_json, source, source_ref, slices_json, " \
  "removed, added_at"
#define FLOWLINE_VERSION_COLUMNS \
  "dataset, version, max_seq, content_hash, case_count, note, created_at"

// A dataset made by two appends at once is made once: the second waits for the first's insert
// and then does nothing.
constexpr PgQuery kCreate{
    "datasets_create",
    "INSERT INTO datasets (name, description, workflow, validation_share, test_share, "
    "split_seed, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (name) DO NOTHING"};
constexpr PgQuery kLock{"datasets_lock", "SELECT " FLOWLINE_DATASET_COLUMNS
                                         " FROM datasets WHERE name = $1 FOR UPDATE"};
constexpr PgQuery kGet{"datasets_get",
                       "SELECT " FLOWLINE_DATASET_COLUMNS " FROM datasets WHERE name = $1"};
constexpr PgQuery kList{"datasets_list", "SELECT " FLOWLINE_DATASET_COLUMNS
                                         " FROM datasets ORDER BY name COLLATE \"C\""};
constexpr PgQuery kMoveFeed{"datasets_move_feed",
                            "UPDATE datasets SET feed_seq = $2 WHERE name = $1"};
// The cases of the version ending at $2: per key, the newest row up to it, unless that row
// removes the case; by key in bytewise order, as in SQLite.
constexpr PgQuery kCases{
    "datasets_cases",
    "SELECT * FROM (SELECT DISTINCT ON (case_key) " FLOWLINE_CASE_COLUMNS
    " FROM dataset_cases WHERE dataset = $1 AND seq <= $2 ORDER BY case_key, seq DESC) c "
    "WHERE NOT removed ORDER BY case_key COLLATE \"C\""};
// All rows of an append in one statement; RETURNING gives each row's seq by its (unique) key.
constexpr PgQuery kAddCases{
    "datasets_add_cases",
    "INSERT INTO dataset_cases (dataset, case_key, input_json, expected_json, source, "
    "source_ref, slices_json, removed, added_at) SELECT $1::text, u.*, $9::bigint FROM "
    "unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], "
    "$8::boolean[]) AS u RETURNING case_key, seq"};
constexpr PgQuery kAddVersion{"datasets_add_version",
                              "INSERT INTO dataset_versions (" FLOWLINE_VERSION_COLUMNS
                              ") VALUES ($1, $2, $3, $4, $5, $6, $7)"};
constexpr PgQuery kSetLatest{"datasets_set_latest",
                             "UPDATE datasets SET latest_version = $2 WHERE name = $1"};
constexpr PgQuery kVersions{"datasets_versions", "SELECT " FLOWLINE_VERSION_COLUMNS
                                                 " FROM dataset_versions WHERE dataset = $1 "
                                                 "ORDER BY version"};
constexpr PgQuery kVersion{"datasets_version", "SELECT " FLOWLINE_VERSION_COLUMNS
                                               " FROM dataset_versions WHERE dataset = $1 AND "
                                               "version = $2"};

#undef FLOWLINE_DATASET_COLUMNS
#undef FLOWLINE_CASE_COLUMNS
#undef FLOWLINE_VERSION_COLUMNS

DatasetInfo ReadDataset(const pqxx::row& row) {
  DatasetInfo info;
  info.name = PgText(row[0]);
  info.description = PgText(row[1]);
  info.workflow = PgText(row[2]);
  info.validation_share = PgDouble(row[3]);
  info.test_share = PgDouble(row[4]);
  info.split_seed = PgInt(row[5]);
  info.created_at = PgTime(row[6]);
  info.latest_version = static_cast<int>(PgInt(row[7]));
  info.feed_seq = PgInt(row[8]);
  return info;
}

DatasetCase ReadCase(const pqxx::row& row) {
  DatasetCase c;
  c.seq = PgInt(row[0]);
  c.dataset = PgText(row[1]);
  c.value.case_key = PgText(row[2]);
  c.value.input_json = PgText(row[3]);
  c.value.expected_json = PgText(row[4]);
  c.value.source = PgText(row[5]);
  c.value.source_ref = PgText(row[6]);
  c.value.slices_json = PgText(row[7]);
  c.value.removed = PgBool(row[8]);
  c.added_at = PgTime(row[9]);
  return c;
}

DatasetVersion ReadVersion(const pqxx::row& row) {
  DatasetVersion v;
  v.dataset = PgText(row[0]);
  v.version = static_cast<int>(PgInt(row[1]));
  v.max_seq = PgInt(row[2]);
  v.content_hash = PgText(row[3]);
  v.case_count = PgInt(row[4]);
  v.note = PgText(row[5]);
  v.created_at = PgTime(row[6]);
  return v;
}

absl::Status NoDataset(const std::string& name) {
  return absl::NotFoundError(absl::StrCat("no dataset named '", name,
                                          "' (see `flowline dataset list`; import one with "
                                          "`flowline dataset import NAME --from PATH`)"));
}

absl::StatusOr<DatasetInfo> SelectDataset(PgTx& tx, const std::string& name) {
  pqxx::result rows = tx.Exec(kGet, {name});
  if (rows.empty()) return NoDataset(name);
  return ReadDataset(rows[0]);
}

std::vector<DatasetCase> CasesUpTo(PgTx& tx, const std::string& name, int64_t max_seq) {
  pqxx::result rows = tx.Exec(kCases, {name, max_seq});
  std::vector<DatasetCase> cases;
  cases.reserve(rows.size());
  for (const pqxx::row& row : rows) cases.push_back(ReadCase(row));
  return cases;
}

// `version` 0: the newest.
absl::StatusOr<DatasetVersion> SelectVersion(PgTx& tx, const std::string& name, int version) {
  ASSIGN_OR_RETURN(DatasetInfo info, SelectDataset(tx, name));
  if (version == 0) version = info.latest_version;
  if (version <= 0) {
    return absl::NotFoundError(absl::StrCat("dataset ", name, " has no version yet"));
  }
  pqxx::result rows = tx.Exec(kVersion, {name, version});
  if (rows.empty()) {
    return absl::NotFoundError(absl::StrCat("dataset ", name, " has no version ", version,
                                            " (its newest is ", info.latest_version, ")"));
  }
  return ReadVersion(rows[0]);
}

// Inserts the rows; returns each one's seq, in the rows' order.
absl::StatusOr<std::vector<int64_t>> InsertCases(PgTx& tx, const std::string& name,
                                                 const std::vector<NewDatasetCase>& rows,
                                                 absl::Time now) {
  std::vector<std::string> keys, inputs, expected, sources, refs, slices;
  std::vector<bool> removed;
  for (const NewDatasetCase& row : rows) {
    keys.push_back(row.case_key);
    inputs.push_back(row.input_json);
    expected.push_back(row.expected_json);
    sources.push_back(row.source);
    refs.push_back(row.source_ref);
    slices.push_back(row.slices_json);
    removed.push_back(row.removed);
  }
  pqxx::result inserted =
      tx.Exec(kAddCases, {name, PgTextArray(keys), PgTextArray(inputs), PgTextArray(expected),
                          PgTextArray(sources), PgTextArray(refs), PgTextArray(slices),
                          PgBoolArray(removed), now});
  std::map<std::string, int64_t> seq_of;
  for (const pqxx::row& row : inserted) seq_of[PgText(row[0])] = PgInt(row[1]);
  std::vector<int64_t> seqs;
  seqs.reserve(rows.size());
  for (const NewDatasetCase& row : rows) {
    auto it = seq_of.find(row.case_key);
    if (it == seq_of.end()) {
      return absl::InternalError(absl::StrCat("dataset ", name, ": the insert of case '",
                                              row.case_key, "' returned no seq"));
    }
    seqs.push_back(it->second);
  }
  return seqs;
}

absl::StatusOr<DatasetAppendResult> Append(PgTx& tx, const DatasetAppend& append) {
  const DatasetInfo& given = append.dataset;
  const std::string& name = given.name;
  tx.Exec(kCreate, {name, given.description, given.workflow, given.validation_share,
                    given.test_share, given.split_seed, append.now});
  pqxx::result locked = tx.Exec(kLock, {name});
  if (locked.empty()) return NoDataset(name);  // dropped meanwhile: not expected
  const DatasetInfo info = ReadDataset(locked[0]);
  if (append.feed_from.has_value()) {
    if (info.feed_seq != *append.feed_from) {
      return absl::FailedPreconditionError(
          absl::StrCat("dataset ", name, ": the corrections cursor is at ", info.feed_seq, ", not ",
                       *append.feed_from, ": another fold added these corrections first"));
    }
    tx.Exec(kMoveFeed, {name, append.feed_to});
  }

  DatasetAppendResult result;
  DatasetCaseMap cases;  // the latest version's, then the new one's
  if (info.latest_version > 0) {
    ASSIGN_OR_RETURN(result.version, SelectVersion(tx, name, info.latest_version));
    for (DatasetCase& c : CasesUpTo(tx, name, result.version.max_seq)) {
      cases.emplace(c.value.case_key, std::move(c));
    }
  }
  const std::vector<NewDatasetCase> rows = DatasetRowsToWrite(cases, append);
  if (rows.empty()) return result;  // nothing changed: no new version

  ASSIGN_OR_RETURN(std::vector<int64_t> seqs, InsertCases(tx, name, rows, append.now));
  BuildDatasetVersion(cases, rows, seqs, append, info.latest_version, result);
  const DatasetVersion& v = result.version;
  tx.Exec(kAddVersion,
          {name, v.version, v.max_seq, v.content_hash, v.case_count, v.note, v.created_at});
  tx.Exec(kSetLatest, {name, v.version});
  return result;
}

}  // namespace

absl::StatusOr<DatasetAppendResult> PostgresStore::AppendDatasetCases(const DatasetAppend& append) {
  RETURN_IF_ERROR(ValidateDatasetAppend(append));
  return pool_->Run<DatasetAppendResult>(
      "AppendDatasetCases",
      [&](PgTx& tx) -> absl::StatusOr<DatasetAppendResult> { return Append(tx, append); });
}

absl::StatusOr<DatasetInfo> PostgresStore::GetDataset(const std::string& name) {
  return pool_->Run<DatasetInfo>("GetDataset", [&](PgTx& tx) -> absl::StatusOr<DatasetInfo> {
    return SelectDataset(tx, name);
  });
}

absl::StatusOr<std::vector<DatasetInfo>> PostgresStore::ListDatasets() {
  return pool_->Run<std::vector<DatasetInfo>>(
      "ListDatasets", [&](PgTx& tx) -> absl::StatusOr<std::vector<DatasetInfo>> {
        pqxx::result rows = tx.Exec(kList);
        std::vector<DatasetInfo> datasets;
        datasets.reserve(rows.size());
        for (const pqxx::row& row : rows) datasets.push_back(ReadDataset(row));
        return datasets;
      });
}

absl::StatusOr<std::vector<DatasetVersion>> PostgresStore::ListDatasetVersions(
    const std::string& name) {
  return pool_->Run<std::vector<DatasetVersion>>(
      "ListDatasetVersions", [&](PgTx& tx) -> absl::StatusOr<std::vector<DatasetVersion>> {
        RETURN_IF_ERROR(SelectDataset(tx, name).status());
        pqxx::result rows = tx.Exec(kVersions, {name});
        std::vector<DatasetVersion> versions;
        versions.reserve(rows.size());
        for (const pqxx::row& row : rows) versions.push_back(ReadVersion(row));
        return versions;
      });
}

absl::StatusOr<DatasetVersion> PostgresStore::GetDatasetVersion(const std::string& name,
                                                                int version) {
  return pool_->Run<DatasetVersion>(
      "GetDatasetVersion",
      [&](PgTx& tx) -> absl::StatusOr<DatasetVersion> { return SelectVersion(tx, name, version); });
}

absl::StatusOr<std::vector<DatasetCase>> PostgresStore::ListDatasetCases(const std::string& name,
                                                                         int version) {
  return pool_->Run<std::vector<DatasetCase>>(
      "ListDatasetCases", [&](PgTx& tx) -> absl::StatusOr<std::vector<DatasetCase>> {
        ASSIGN_OR_RETURN(DatasetVersion found, SelectVersion(tx, name, version));
        return CasesUpTo(tx, name, found.max_seq);
      });
}

}  // namespace flowline::store::postgres
