#include "store/sqlite/dataset_rows.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/dataset_append.h"

namespace flowline::store::sqlite {
namespace {

constexpr char kDatasetColumns[] =
    "name, description, workflow, validation_share, test_share, split_seed, created_at, "
    "latest_version, feed_seq";
constexpr char kCaseColumns[] =
    "seq, dataset, case_key, input_json, expected_json, source, source_ref, slices_json, "
    "removed, added_at";
constexpr char kVersionColumns[] =
    "dataset, version, max_seq, content_hash, case_count, note, created_at";

DatasetInfo ReadDataset(const Statement& row) {
  DatasetInfo info;
  info.name = row.Text(0);
  info.description = row.Text(1);
  info.workflow = row.Text(2);
  info.validation_share = row.Double(3);
  info.test_share = row.Double(4);
  info.split_seed = row.Int(5);
  info.created_at = row.Time(6);
  info.latest_version = static_cast<int>(row.Int(7));
  info.feed_seq = row.Int(8);
  return info;
}

DatasetCase ReadCase(const Statement& row) {
  DatasetCase c;
  c.seq = row.Int(0);
  c.dataset = row.Text(1);
  c.value.case_key = row.Text(2);
  c.value.input_json = row.Text(3);
  c.value.expected_json = row.Text(4);
  c.value.source = row.Text(5);
  c.value.source_ref = row.Text(6);
  c.value.slices_json = row.Text(7);
  c.value.removed = row.Int(8) != 0;
  c.added_at = row.Time(9);
  return c;
}

DatasetVersion ReadVersion(const Statement& row) {
  DatasetVersion v;
  v.dataset = row.Text(0);
  v.version = static_cast<int>(row.Int(1));
  v.max_seq = row.Int(2);
  v.content_hash = row.Text(3);
  v.case_count = row.Int(4);
  v.note = row.Text(5);
  v.created_at = row.Time(6);
  return v;
}

// The cases of the version ending at `max_seq`: per key, the newest row up to it, unless that
// row removes the case.
absl::StatusOr<std::vector<DatasetCase>> CasesUpTo(Connection& db, const std::string& name,
                                                   int64_t max_seq) {
  ASSIGN_OR_RETURN(
      auto stmt,
      db.Prepare(absl::StrCat(
          "SELECT ", kCaseColumns,
          " FROM dataset_cases AS c WHERE dataset = ?1 AND seq = (SELECT max(seq) FROM "
          "dataset_cases WHERE dataset = ?1 AND case_key = c.case_key AND seq <= ?2) AND "
          "removed = 0 ORDER BY case_key")));
  stmt->Bind(1, name);
  stmt->Bind(2, max_seq);
  std::vector<DatasetCase> cases;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) break;
    cases.push_back(ReadCase(*stmt));
  }
  return cases;
}

absl::StatusOr<int64_t> InsertCase(Connection& db, const std::string& dataset,
                                   const NewDatasetCase& c, absl::Time now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO dataset_cases (dataset, case_key, "
                                         "input_json, expected_json, source, source_ref, "
                                         "slices_json, removed, added_at) VALUES (?1, ?2, ?3, "
                                         "?4, ?5, ?6, ?7, ?8, ?9) RETURNING seq"));
  stmt->Bind(1, dataset);
  stmt->Bind(2, c.case_key);
  stmt->Bind(3, c.input_json);
  stmt->Bind(4, c.expected_json);
  stmt->Bind(5, c.source);
  stmt->Bind(6, c.source_ref);
  stmt->Bind(7, c.slices_json);
  stmt->Bind(8, c.removed ? 1 : 0);
  stmt->Bind(9, now);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::InternalError("INSERT ... RETURNING gave no row");
  return stmt->Int(0);
}

absl::Status InsertDataset(Connection& db, const DatasetInfo& info, absl::Time now) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO datasets (name, description, workflow, "
                                         "validation_share, test_share, split_seed, created_at) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  stmt->Bind(1, info.name);
  stmt->Bind(2, info.description);
  stmt->Bind(3, info.workflow);
  stmt->Bind(4, info.validation_share);
  stmt->Bind(5, info.test_share);
  stmt->Bind(6, info.split_seed);
  stmt->Bind(7, now);
  return stmt->Run();
}

absl::Status MoveFeedCursor(Connection& db, const DatasetAppend& append) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE datasets SET feed_seq = ?3 WHERE name = ?1 AND "
                                         "feed_seq = ?2"));
  stmt->Bind(1, append.dataset.name);
  stmt->Bind(2, *append.feed_from);
  stmt->Bind(3, append.feed_to);
  RETURN_IF_ERROR(stmt->Run());
  if (stmt->Changes() != 1) {
    ASSIGN_OR_RETURN(DatasetInfo info, SelectDataset(db, append.dataset.name));
    return absl::FailedPreconditionError(absl::StrCat(
        "dataset ", append.dataset.name, ": the corrections cursor is at ", info.feed_seq, ", not ",
        *append.feed_from, ": another fold added these corrections first"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DatasetAppendResult> AppendCases(Connection& db, const DatasetAppend& append) {
  RETURN_IF_ERROR(ValidateDatasetAppend(append));
  const std::string& name = append.dataset.name;
  absl::StatusOr<DatasetInfo> info = SelectDataset(db, name);
  if (absl::IsNotFound(info.status())) {
    RETURN_IF_ERROR(InsertDataset(db, append.dataset, append.now));
    info = SelectDataset(db, name);
  }
  if (!info.ok()) return info.status();
  if (append.feed_from.has_value()) RETURN_IF_ERROR(MoveFeedCursor(db, append));

  DatasetAppendResult result;
  DatasetCaseMap cases;  // the latest version's, then the new one's
  if (info->latest_version > 0) {
    ASSIGN_OR_RETURN(result.version, SelectDatasetVersion(db, name, info->latest_version));
    ASSIGN_OR_RETURN(std::vector<DatasetCase> latest, CasesUpTo(db, name, result.version.max_seq));
    for (DatasetCase& c : latest) cases.emplace(c.value.case_key, std::move(c));
  }

  const std::vector<NewDatasetCase> rows = DatasetRowsToWrite(cases, append);
  if (rows.empty()) return result;  // nothing changed: no new version

  std::vector<int64_t> seqs;
  seqs.reserve(rows.size());
  for (const NewDatasetCase& row : rows) {
    ASSIGN_OR_RETURN(int64_t seq, InsertCase(db, name, row, append.now));
    seqs.push_back(seq);
  }
  BuildDatasetVersion(cases, rows, seqs, append, info->latest_version, result);
  const DatasetVersion& version = result.version;
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO dataset_versions (dataset, version, "
                                           "max_seq, content_hash, case_count, note, created_at) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    stmt->Bind(1, name);
    stmt->Bind(2, version.version);
    stmt->Bind(3, version.max_seq);
    stmt->Bind(4, version.content_hash);
    stmt->Bind(5, version.case_count);
    stmt->Bind(6, version.note);
    stmt->Bind(7, version.created_at);
    RETURN_IF_ERROR(stmt->Run());
  }
  {
    ASSIGN_OR_RETURN(auto stmt,
                     db.Prepare("UPDATE datasets SET latest_version = ?2 WHERE name = ?1"));
    stmt->Bind(1, name);
    stmt->Bind(2, version.version);
    RETURN_IF_ERROR(stmt->Run());
  }
  return result;
}

absl::StatusOr<DatasetInfo> SelectDataset(Connection& db, const std::string& name) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(absl::StrCat("SELECT ", kDatasetColumns,
                                                      " FROM datasets WHERE name = ?1")));
  stmt->Bind(1, name);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("no dataset named '", name,
                                            "' (see `flowline dataset list`; import one with "
                                            "`flowline dataset import NAME --from PATH`)"));
  }
  return ReadDataset(*stmt);
}

absl::StatusOr<std::vector<DatasetInfo>> SelectDatasets(Connection& db) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(absl::StrCat("SELECT ", kDatasetColumns,
                                                      " FROM datasets ORDER BY name")));
  std::vector<DatasetInfo> datasets;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return datasets;
    datasets.push_back(ReadDataset(*stmt));
  }
}

absl::StatusOr<std::vector<DatasetVersion>> SelectDatasetVersions(Connection& db,
                                                                  const std::string& name) {
  RETURN_IF_ERROR(SelectDataset(db, name).status());
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(absl::StrCat("SELECT ", kVersionColumns,
                                                      " FROM dataset_versions WHERE dataset = ?1 "
                                                      "ORDER BY version")));
  stmt->Bind(1, name);
  std::vector<DatasetVersion> versions;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return versions;
    versions.push_back(ReadVersion(*stmt));
  }
}

absl::StatusOr<DatasetVersion> SelectDatasetVersion(Connection& db, const std::string& name,
                                                    int version) {
  ASSIGN_OR_RETURN(DatasetInfo info, SelectDataset(db, name));
  if (version == 0) version = info.latest_version;
  if (version <= 0) {
    return absl::NotFoundError(absl::StrCat("dataset ", name, " has no version yet"));
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(absl::StrCat("SELECT ", kVersionColumns,
                                                      " FROM dataset_versions WHERE dataset = ?1 "
                                                      "AND version = ?2")));
  stmt->Bind(1, name);
  stmt->Bind(2, version);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(absl::StrCat("dataset ", name, " has no version ", version,
                                            " (its newest is ", info.latest_version, ")"));
  }
  return ReadVersion(*stmt);
}

absl::StatusOr<std::vector<DatasetCase>> SelectDatasetCases(Connection& db, const std::string& name,
                                                            int version) {
  ASSIGN_OR_RETURN(DatasetVersion found, SelectDatasetVersion(db, name, version));
  return CasesUpTo(db, name, found.max_seq);
}

}  // namespace flowline::store::sqlite
