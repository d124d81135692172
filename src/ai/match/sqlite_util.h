// Small RAII helpers over the SQLite C API for the reference database. Private to ai/match.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::ai::internal {

// A prepared statement, finalised on destruction.
class Statement {
 public:
  Statement() = default;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  absl::Status Prepare(sqlite3* db, std::string_view sql) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      return absl::InternalError(absl::StrCat("reference database: ", sqlite3_errmsg(db)));
    }
    return absl::OkStatus();
  }
  sqlite3_stmt* get() const { return stmt_; }

  void BindText(int index, std::string_view text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  }
  void BindOptionalText(int index, const std::optional<std::string>& text) {
    if (text.has_value()) {
      BindText(index, *text);
    } else {
      sqlite3_bind_null(stmt_, index);
    }
  }
  void BindDouble(int index, double value) { sqlite3_bind_double(stmt_, index, value); }
  void BindInt64(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

  // SQLITE_ROW, SQLITE_DONE, or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string Text(int column) const {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    return text == nullptr ? std::string()
                           : std::string(reinterpret_cast<const char*>(text),
                                         static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

// Runs `sql` (no results). The database's message on failure.
inline absl::Status Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    absl::Status status = absl::InternalError(
        absl::StrCat("reference database: ", error != nullptr ? error : sqlite3_errmsg(db)));
    sqlite3_free(error);
    return status;
  }
  return absl::OkStatus();
}

}  // namespace flowline::ai::internal
