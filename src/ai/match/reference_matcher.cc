#include "ai/match/reference_matcher.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/match/similarity.h"
#include "ai/match/sqlite_util.h"
#include "common/status_macros.h"
#include "common/strings.h"

namespace flowline::ai {
namespace {

using internal::Statement;

constexpr size_t kMaxTrigrams = 64;
constexpr int kMaxScanned = 200;

absl::StatusOr<const ReferenceColumn*> Column(const ReferenceTableInfo& table,
                                              std::string_view name, std::string_view param) {
  const ReferenceColumn* column = table.Find(name);
  if (column == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(param), ": \"", Sv(name), "\" is not a column of reference table ",
                     table.name, "; its columns are ", table.ColumnList()));
  }
  return column;
}

// The distinct trigrams of `text` (by code point), as FTS5 strings.
std::vector<std::string> TrigramTerms(std::string_view text) {
  std::vector<size_t> starts;  // byte offset of each code point
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  std::set<std::string> seen;
  std::vector<std::string> terms;
  for (size_t i = 0; i + 3 < starts.size() && terms.size() < kMaxTrigrams; ++i) {
    std::string gram(text.substr(starts[i], starts[i + 3] - starts[i]));
    if (!seen.insert(gram).second) continue;
    std::string quoted = "\"";
    for (char c : gram) {
      quoted.push_back(c);
      if (c == '"') quoted.push_back('"');
    }
    quoted.push_back('"');
    terms.push_back(std::move(quoted));
  }
  return terms;
}

Json ColumnValue(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_NULL:
      return Json();
    case SQLITE_INTEGER:
      return Json(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return Json(sqlite3_column_double(stmt, i));
    default: {
      const unsigned char* text = sqlite3_column_text(stmt, i);
      return Json(std::string(reinterpret_cast<const char*>(text),
                              static_cast<size_t>(sqlite3_column_bytes(stmt, i))));
    }
  }
}

}  // namespace

absl::StatusOr<MatchCandidates> FindMatchCandidates(sqlite3* db, const ReferenceTableInfo& table,
                                                    const MatchQuery& query) {
  std::vector<const ReferenceColumn*> fields;
  if (query.fields.empty()) {
    for (const ReferenceColumn& c : table.columns) {
      if (c.kind == ColumnKind::kText) fields.push_back(&c);
    }
    if (fields.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("reference table ", table.name, " has no text columns to match against"));
    }
  }
  for (const std::string& name : query.fields) {
    ASSIGN_OR_RETURN(const ReferenceColumn* column, Column(table, name, "fields"));
    if (column->fts_column.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "fields: \"", name, "\" is a ", ColumnKindName(column->kind),
          " column; match searches text columns (filter numbers with `amount`, dates with "
          "`date`)"));
    }
    fields.push_back(column);
  }
  MatchCandidates result;
  const std::string value = NormalizeName(query.value);
  if (value.empty()) {
    result.method = "none";
    return result;
  }

  const std::string main = QuoteIdentifier(table.name);
  const std::string fts = QuoteIdentifier(table.name + "__fts");
  std::vector<std::string> where;
  std::string sql;
  int next_param = 2;
  const std::vector<std::string> terms = TrigramTerms(value);
  if (!terms.empty()) {
    result.method = "trigram";
    std::vector<std::string> fts_columns;
    for (const ReferenceColumn* c : fields) fts_columns.push_back(c->fts_column);
    sql = absl::StrCat("SELECT ", main, ".rowid FROM ", fts, " JOIN ", main, " ON ", main,
                       ".rowid = ", fts, ".rowid WHERE ", fts, " MATCH ?1");
  } else {
    result.method = "scan";
    std::vector<std::string> likes;
    for (const ReferenceColumn* c : fields) {
      likes.push_back(absl::StrCat(main, ".", QuoteIdentifier(c->name), " LIKE ?1 ESCAPE '\\'"));
    }
    sql = absl::StrCat("SELECT ", main, ".rowid FROM ", main, " WHERE (",
                       absl::StrJoin(likes, " OR "), ")");
  }
  if (query.amount.has_value()) {
    ASSIGN_OR_RETURN(const ReferenceColumn* c,
                     Column(table, query.amount->column, "amount.column"));
    absl::StrAppend(&sql, " AND abs(CAST(", main, ".", QuoteIdentifier(c->name), " AS REAL) - ?",
                    next_param, ") <= ?", next_param + 1);
    next_param += 2;
  }
  if (query.date.has_value()) {
    ASSIGN_OR_RETURN(const ReferenceColumn* c, Column(table, query.date->column, "date.column"));
    absl::StrAppend(&sql, " AND abs(julianday(", main, ".", QuoteIdentifier(c->name),
                    ") - julianday(?", next_param, ")) <= ?", next_param + 1);
  }
  if (result.method == "trigram") {
    absl::StrAppend(&sql, " ORDER BY ", fts, ".rank LIMIT ", query.max_candidates);
  } else {
    absl::StrAppend(&sql, " ORDER BY ", main, ".rowid LIMIT ", kMaxScanned);
  }

  Statement select;
  RETURN_IF_ERROR(select.Prepare(db, sql));
  if (result.method == "trigram") {
    std::vector<std::string> fts_columns;
    for (const ReferenceColumn* c : fields) fts_columns.push_back(c->fts_column);
    select.BindText(1, absl::StrCat("{", absl::StrJoin(fts_columns, " "), "} : (",
                                    absl::StrJoin(terms, " OR "), ")"));
  } else {
    std::string pattern = "%";
    for (char c : value) {
      if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
      pattern.push_back(c);
    }
    select.BindText(1, pattern + "%");
  }
  int param = 2;
  if (query.amount.has_value()) {
    select.BindDouble(param++, query.amount->value);
    select.BindDouble(param++, query.amount->tolerance);
  }
  if (query.date.has_value()) {
    select.BindText(param++, query.date->date);
    select.BindDouble(param++, query.date->tolerance_days);
  }
  std::vector<int64_t> rowids;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW)
    rowids.push_back(sqlite3_column_int64(select.get(), 0));
  if (rc != SQLITE_DONE) {
    return absl::UnavailableError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
  }

  Statement fetch;
  RETURN_IF_ERROR(fetch.Prepare(db, absl::StrCat("SELECT * FROM ", main, " WHERE rowid = ?")));
  for (int64_t rowid : rowids) {
    fetch.BindInt64(1, rowid);
    if (fetch.Step() != SQLITE_ROW) {
      return absl::UnavailableError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
    }
    MatchCandidate candidate;
    candidate.rowid = rowid;
    candidate.row = Json::object();
    for (int i = 0; i < sqlite3_column_count(fetch.get()); ++i) {
      candidate.row[sqlite3_column_name(fetch.get(), i)] = ColumnValue(fetch.get(), i);
    }
    for (const ReferenceColumn* field : fields) {
      const Json& cell = candidate.row[field->name];
      if (!cell.is_string()) continue;
      const double score = NameSimilarity(query.value, cell.get_ref<const std::string&>());
      if (score > candidate.score || candidate.field.empty()) {
        candidate.score = score;
        candidate.field = field->name;
      }
    }
    result.ranked.push_back(std::move(candidate));
    fetch.Reset();
  }
  std::stable_sort(result.ranked.begin(), result.ranked.end(),
                   [](const MatchCandidate& a, const MatchCandidate& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.rowid < b.rowid;
                   });
  return result;
}

}  // namespace flowline::ai
