// Helpers for queries that return lists (private to the SQLite store).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/status_macros.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

// Collects every row of a prepared, bound statement; `read_row` returns T or StatusOr<T>.
template <typename T, typename ReadRow>
absl::StatusOr<std::vector<T>> AllRows(StatementRef& stmt, ReadRow read_row) {
  std::vector<T> rows;
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return rows;
    if constexpr (std::is_same_v<decltype(read_row(*stmt)), T>) {
      rows.push_back(read_row(*stmt));
    } else {
      ASSIGN_OR_RETURN(T value, read_row(*stmt));
      rows.push_back(std::move(value));
    }
  }
}

// A LIMIT to bind: a non-positive limit means none (-1 to SQLite).
inline int64_t SqlLimit(int limit) { return limit > 0 ? limit : -1; }

}  // namespace flowline::store::sqlite
