#include "ai/match/reference_store.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/match/sqlite_util.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

using internal::Exec;
using internal::Statement;

bool IsPlainNumber(std::string_view v) {
  size_t i = v.size() > 0 && v[0] == '-' ? 1 : 0;
  const size_t int_start = i;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i;
  const size_t int_digits = i - int_start;
  if (int_digits == 0 || (int_digits > 1 && v[int_start] == '0')) return false;
  if (i == v.size()) return int_digits <= 15;
  if (v[i] != '.') return false;
  ++i;
  const size_t frac_start = i;
  while (i < v.size() && absl::ascii_isdigit(v[i])) ++i;
  return i == v.size() && i > frac_start && int_digits + (i - frac_start) <= 15;
}

bool IsIsoDate(std::string_view v) {
  if (v.size() != 10 || v[4] != '-' || v[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(v[i])) return false;
  }
  const int month = (v[5] - '0') * 10 + (v[6] - '0');
  const int day = (v[8] - '0') * 10 + (v[9] - '0');
  return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

ColumnKind InferKind(const ReferenceData& data, size_t column) {
  bool number = true;
  bool date = true;
  bool any = false;
  for (const auto& row : data.rows) {
    if (!row[column].has_value() || row[column]->empty()) continue;
    any = true;
    number = number && IsPlainNumber(*row[column]);
    date = date && IsIsoDate(*row[column]);
  }
  if (!any) return ColumnKind::kText;
  return number ? ColumnKind::kNumber : date ? ColumnKind::kDate : ColumnKind::kText;
}

std::optional<ColumnKind> ParseKind(std::string_view name) {
  if (name == "text") return ColumnKind::kText;
  if (name == "number") return ColumnKind::kNumber;
  if (name == "date") return ColumnKind::kDate;
  return std::nullopt;
}

absl::Status WriteTable(sqlite3* db, const ReferenceData& data, const ReferenceLoadOptions& options,
                        const ReferenceTableInfo& info) {
  const std::string table = QuoteIdentifier(options.table);
  const std::string fts = QuoteIdentifier(options.table + "__fts");
  RETURN_IF_ERROR(Exec(db, absl::StrCat("CREATE TABLE IF NOT EXISTS ", kReferenceCatalog,
                                        " (name TEXT PRIMARY KEY, info TEXT NOT NULL)")));
  RETURN_IF_ERROR(Exec(db, absl::StrCat("DROP TABLE IF EXISTS ", fts)));
  RETURN_IF_ERROR(Exec(db, absl::StrCat("DROP TABLE IF EXISTS ", table)));
  std::vector<std::string> defs;
  std::vector<std::string> fts_columns;
  std::vector<std::string> placeholders;
  for (const ReferenceColumn& c : info.columns) {
    defs.push_back(absl::StrCat(QuoteIdentifier(c.name),
                                c.kind == ColumnKind::kNumber ? " REAL" : " TEXT",
                                c.name == options.key ? " NOT NULL UNIQUE" : ""));
    if (!c.fts_column.empty()) fts_columns.push_back(c.fts_column);
    placeholders.push_back("?");
  }
  RETURN_IF_ERROR(
      Exec(db, absl::StrCat("CREATE TABLE ", table, " (", absl::StrJoin(defs, ", "), ")")));
  if (!fts_columns.empty()) {
    RETURN_IF_ERROR(
        Exec(db, absl::StrCat("CREATE VIRTUAL TABLE ", fts, " USING fts5(",
                              absl::StrJoin(fts_columns, ", "), ", tokenize='trigram')")));
  }
  Statement insert;
  RETURN_IF_ERROR(insert.Prepare(db, absl::StrCat("INSERT INTO ", table, " VALUES (",
                                                  absl::StrJoin(placeholders, ", "), ")")));
  Statement insert_fts;
  if (!fts_columns.empty()) {
    placeholders.assign(fts_columns.size() + 1, "?");
    RETURN_IF_ERROR(insert_fts.Prepare(
        db, absl::StrCat("INSERT INTO ", fts, " (rowid, ", absl::StrJoin(fts_columns, ", "),
                         ") VALUES (", absl::StrJoin(placeholders, ", "), ")")));
  }
  for (size_t r = 0; r < data.rows.size(); ++r) {
    const auto& row = data.rows[r];
    int fts_index = 2;
    for (size_t c = 0; c < info.columns.size(); ++c) {
      const std::optional<std::string>& value = row[c];
      const bool present = value.has_value() && !value->empty();
      if (info.columns[c].kind == ColumnKind::kNumber && present) {
        insert.BindDouble(static_cast<int>(c + 1), std::stod(*value));
      } else {
        insert.BindOptionalText(static_cast<int>(c + 1), present ? value : std::nullopt);
      }
      if (!info.columns[c].fts_column.empty()) {
        insert_fts.BindOptionalText(fts_index++, present ? value : std::nullopt);
      }
    }
    if (insert.Step() != SQLITE_DONE) {
      const std::string why = sqlite3_errmsg(db);
      if (absl::StrContains(why, "UNIQUE")) {
        return absl::InvalidArgumentError(
            absl::StrCat(options.source, ":", data.lines[r], ": key column \"", options.key,
                         "\" repeats an earlier row's value; keys must be unique"));
      }
      return absl::InternalError(absl::StrCat(options.source, ":", data.lines[r], ": ", why));
    }
    insert.Reset();
    if (!fts_columns.empty()) {
      insert_fts.BindInt64(1, sqlite3_last_insert_rowid(db));
      if (insert_fts.Step() != SQLITE_DONE) {
        return absl::InternalError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
      }
      insert_fts.Reset();
    }
  }
  Json columns = Json::array();
  for (const ReferenceColumn& c : info.columns) {
    columns.push_back({{"name", c.name}, {"kind", ColumnKindName(c.kind)}, {"fts", c.fts_column}});
  }
  const Json record = {{"columns", columns},    {"key", info.key},
                       {"rows", info.rows},     {"source", info.source},
                       {"sha256", info.sha256}, {"loaded_at", info.loaded_at}};
  Statement catalog;
  RETURN_IF_ERROR(catalog.Prepare(
      db, absl::StrCat("INSERT OR REPLACE INTO ", kReferenceCatalog, " VALUES (?, ?)")));
  catalog.BindText(1, options.table);
  catalog.BindText(2, common::CanonicalJson(record));
  if (catalog.Step() != SQLITE_DONE) {
    return absl::InternalError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
  }
  return absl::OkStatus();
}

}  // namespace

const char* ColumnKindName(ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kText:
      return "text";
    case ColumnKind::kNumber:
      return "number";
    case ColumnKind::kDate:
      return "date";
  }
  return "text";
}

const ReferenceColumn* ReferenceTableInfo::Find(std::string_view column) const {
  for (const ReferenceColumn& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

std::string ReferenceTableInfo::ColumnList() const {
  std::vector<std::string> names;
  for (const ReferenceColumn& c : columns) names.push_back(c.name);
  return absl::StrJoin(names, ", ");
}

absl::Status CheckTableName(std::string_view table) {
  bool ok = !table.empty() && table.size() <= 63 && absl::ascii_isalpha(table[0]);
  for (char c : table) ok = ok && (absl::ascii_isalnum(c) || c == '_');
  const std::string lower = absl::AsciiStrToLower(Sv(table));
  if (ok && !absl::EndsWith(lower, "__fts") && !absl::StartsWith(lower, "sqlite_") &&
      !absl::StartsWith(lower, "flowline_")) {
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "\"", Sv(table),
      "\" is not a valid reference table name: use a letter followed by "
      "letters, digits or _ (at most 63), e.g. vendors or purchase_orders; names starting with "
      "sqlite_ or flowline_ or ending in __fts are reserved"));
}

std::string QuoteIdentifier(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
  return out;
}

absl::StatusOr<ReferenceTableInfo> LoadReferenceTable(const ReferenceData& data,
                                                      const ReferenceLoadOptions& options) {
  RETURN_IF_ERROR(CheckTableName(options.table));
  ReferenceTableInfo info;
  info.name = options.table;
  info.key = options.key;
  info.rows = static_cast<int64_t>(data.rows.size());
  info.source = options.source;
  info.sha256 = data.sha256;
  info.loaded_at = absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", options.now, absl::UTCTimeZone());
  int fts_count = 0;
  for (size_t c = 0; c < data.columns.size(); ++c) {
    ReferenceColumn column{data.columns[c], InferKind(data, c), ""};
    if (column.kind == ColumnKind::kText) column.fts_column = absl::StrCat("c", fts_count++);
    info.columns.push_back(std::move(column));
  }
  if (!options.key.empty()) {
    const ReferenceColumn* key = info.Find(options.key);
    if (key == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("--key \"", options.key,
                                                     "\" is not a column of ", options.source,
                                                     "; its columns are ", info.ColumnList()));
    }
    const size_t index = static_cast<size_t>(key - info.columns.data());
    for (size_t r = 0; r < data.rows.size(); ++r) {
      if (!data.rows[r][index].has_value() || data.rows[r][index]->empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            options.source, ":", data.lines[r], ": no value in key column \"", options.key, "\""));
      }
    }
  }

  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(options.db_path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close_v2(db); }
  } closer{db};
  if (rc != SQLITE_OK) {
    return absl::UnavailableError(absl::StrCat("cannot open reference database ", options.db_path,
                                               ": ", db ? sqlite3_errmsg(db) : "out of memory"));
  }
  sqlite3_busy_timeout(db, 10000);
  RETURN_IF_ERROR(Exec(db, "BEGIN IMMEDIATE"));
  absl::Status written = WriteTable(db, data, options, info);
  if (written.ok()) written = Exec(db, "COMMIT");
  if (!written.ok()) {
    (void)Exec(db, "ROLLBACK");
    return written;
  }
  return info;
}

absl::StatusOr<ReferenceTableInfo> ReadReferenceTableInfo(sqlite3* db, std::string_view table) {
  const std::string how = absl::StrCat("load it with `flowline reference load --table ", Sv(table),
                                       " --from FILE.csv`");
  std::vector<std::string> tables;
  Statement stmt;
  if (!stmt.Prepare(db,
                    absl::StrCat("SELECT name, info FROM ", kReferenceCatalog, " ORDER BY name"))
           .ok()) {
    return absl::NotFoundError(absl::StrCat("reference table \"", Sv(table),
                                            "\" is not loaded (the reference database holds no "
                                            "tables); ",
                                            how));
  }
  int rc;
  while ((rc = stmt.Step()) == SQLITE_ROW) {
    const std::string name = stmt.Text(0);
    if (name != table) {
      tables.push_back(name);
      continue;
    }
    absl::StatusOr<Json> record = common::ParseJson(stmt.Text(1), "reference catalog");
    if (!record.ok()) return record.status();
    ReferenceTableInfo info;
    info.name = name;
    try {
      for (const Json& c : (*record)["columns"]) {
        const std::optional<ColumnKind> kind = ParseKind(c["kind"].get<std::string>());
        info.columns.push_back({c["name"].get<std::string>(), kind.value_or(ColumnKind::kText),
                                c["fts"].get<std::string>()});
      }
      info.key = (*record)["key"].get<std::string>();
      info.rows = (*record)["rows"].get<int64_t>();
      info.source = (*record)["source"].get<std::string>();
      info.sha256 = (*record)["sha256"].get<std::string>();
      info.loaded_at = (*record)["loaded_at"].get<std::string>();
    } catch (const Json::exception& e) {
      return absl::DataLossError(
          absl::StrCat("reference catalog entry for \"", name, "\" is damaged: ", e.what()));
    }
    return info;
  }
  if (rc != SQLITE_DONE) {
    return absl::UnavailableError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
  }
  return absl::NotFoundError(
      absl::StrCat("reference table \"", Sv(table), "\" is not loaded (",
                   tables.empty() ? std::string("there are no tables")
                                  : absl::StrCat("tables: ", absl::StrJoin(tables, ", ")),
                   "); ", how));
}

}  // namespace flowline::ai
