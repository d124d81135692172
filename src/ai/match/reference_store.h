// The reference database: tables of business reference data (vendors, purchase orders,
// customers) that `match` searches, loaded by `flowline reference load`.
//
// Each loaded table T is three things in one SQLite file:
//   - T itself: the file's columns (quoted as written) plus SQLite's rowid; number columns are
//     REAL, the others TEXT (values kept exactly as written: "00123" stays "00123");
//   - T__fts: an FTS5 table with tokenize='trigram' over T's text columns (its columns are named
//     c0, c1, ... so user column names never enter an FTS query), rowid = T's rowid;
//   - a row in flowline_reference_tables: the columns with their kinds (text, number, date) and
//     FTS names, the key column, the source file and its SHA-256, row count and load time.
// A column is a number column when every value is a plain decimal (-12.5, 1469.06, no leading
// zeros), a date column when every value is an ISO date (2026-03-14), else a text column.
//
// Loading replaces the table in one transaction: a reader sees the old table or the new one,
// and a failed load leaves the old one in place. Table names are checked (CheckTableName) and
// every identifier is quoted, so names cannot inject SQL.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ai/match/reference_data.h"

namespace flowline::ai {

inline constexpr const char* kReferenceCatalog = "flowline_reference_tables";

enum class ColumnKind { kText, kNumber, kDate };
const char* ColumnKindName(ColumnKind kind);

struct ReferenceColumn {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
  std::string fts_column;  // "c0", "c1"... for text columns, empty for others
};

struct ReferenceTableInfo {
  std::string name;
  std::vector<ReferenceColumn> columns;
  std::string key;  // the key column, or empty
  int64_t rows = 0;
  std::string source;
  std::string sha256;  // of the source file
  std::string loaded_at;

  // The column called `name` (exact), or null.
  const ReferenceColumn* Find(std::string_view name) const;
  // "id, name, city": for messages.
  std::string ColumnList() const;
};

// OK when `table` may name a reference table: a letter, then letters, digits or '_', at most 63
// characters, not ending in "__fts" nor starting with "sqlite_" or "flowline_". Otherwise
// InvalidArgument saying so.
absl::Status CheckTableName(std::string_view table);

// `name` as a quoted SQL identifier ("a""b").
std::string QuoteIdentifier(std::string_view name);

struct ReferenceLoadOptions {
  std::string db_path = "reference.db";  // created if missing
  std::string table;                     // required; see CheckTableName
  std::string key;                       // optional key column: values must be present and unique
  std::string source;                    // the file the data came from, recorded in the catalog
  absl::Time now = absl::UnixEpoch();
};

// Creates or replaces `options.table` with `data`, atomically. InvalidArgument for a bad table
// name, an unknown key column, or a missing or duplicate key (naming the source line); the
// database's error otherwise. Returns what the catalog now records.
absl::StatusOr<ReferenceTableInfo> LoadReferenceTable(const ReferenceData& data,
                                                      const ReferenceLoadOptions& options);

// The catalog entry for `table` in `db`. NotFound (listing the tables there are, and how to load
// one) if it is not loaded.
absl::StatusOr<ReferenceTableInfo> ReadReferenceTableInfo(sqlite3* db, std::string_view table);

}  // namespace flowline::ai
