// A SQLite database file standing in for a business's own system in tests of side effects (sql
// steps write to it; the test counts what arrived). Test-only.
#pragma once

#include <sqlite3.h>

#include <string>

#include "gtest/gtest.h"

namespace flowline::steps::testing {

// Runs `sql` (statements without results) on the database file at `path`, creating it.
inline void ExecSqlite(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
      << (error != nullptr ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

// The first column of the first row of `query` on the database file at `path`, as an integer.
inline int QuerySqliteInt(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db, query.c_str(), -1, &stmt, nullptr);
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW) << query;
  const int value = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

}  // namespace flowline::steps::testing
