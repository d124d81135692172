// Finding the rows of a reference table that best match a value, for `match`.
//
// Candidates come from the table's trigram index (FTS5, tokenize='trigram'): the rows sharing
// the most character trigrams with the normalised value (bm25 order, at most max_candidates),
// restricted by the optional amount and date filters in the same query. A value shorter than
// three characters after normalisation has no trigram; it falls back to a substring scan
// (LIKE) of the fields, reported as method "scan". Each candidate is then scored with
// NameSimilarity (similarity.h) against each searched field, and its best field counts: a real
// similarity in [0, 1], not bm25's unbounded rank.
//
// Thread-safety: stateless; `db` must not be used by another thread during the call.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/match/reference_store.h"
#include "common/json_util.h"

namespace flowline::ai {

struct AmountFilter {
  std::string column;
  double value = 0;
  double tolerance = 0;  // absolute: |row - value| <= tolerance
};

struct DateFilter {
  std::string column;
  std::string date;  // ISO YYYY-MM-DD
  int tolerance_days = 0;
};

struct MatchQuery {
  std::string value;
  std::vector<std::string> fields;  // columns to compare; empty: every text column
  std::optional<AmountFilter> amount;
  std::optional<DateFilter> date;
  int max_candidates = 50;
};

struct MatchCandidate {
  Json row;  // column -> value (number columns as numbers, null for no value)
  double score = 0;
  std::string field;  // the column that matched best
  int64_t rowid = 0;
};

struct MatchCandidates {
  std::vector<MatchCandidate> ranked;  // best first (ties: earlier row first)
  std::string method;                  // "trigram", "scan", or "none" (nothing to search for)
};

// InvalidArgument when a field or filter column is not in the table (listing its columns) or a
// field is not a text column; Unavailable for database errors.
absl::StatusOr<MatchCandidates> FindMatchCandidates(sqlite3* db, const ReferenceTableInfo& table,
                                                    const MatchQuery& query);

}  // namespace flowline::ai
