// Where a store lives, as the command line's --store (or $FLOWLINE_STORE) names it.
//
// One text names either the embedded SQLite store (a file path) or a PostgreSQL database (a
// `postgresql://` / `postgres://` URL, or a libpq key=value conninfo such as
// "host=db1 dbname=flowline user=flowline"). Parsing is pure: nothing is opened here
// (open_store.h opens). Passwords are never echoed: `display` has them redacted, and every
// error message quotes the redacted form.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace flowline::store {

enum class StoreKind { kSqlite, kPostgres };

struct StoreLocation {
  StoreKind kind = StoreKind::kSqlite;
  // kSqlite: the database file. kPostgres: the URL or conninfo as given (libpq parses it; the
  // password, if any, is in it, so never print this).
  std::string target;
  // `target` with any password replaced by "***": for messages and logs.
  std::string display;

  bool is_postgres() const { return kind == StoreKind::kPostgres; }
};

// Classifies `text`: a `postgresql://` or `postgres://` URL, or a conninfo whose first keyword
// is host, hostaddr, dbname or service, is PostgreSQL; any other text without "://" is a SQLite
// file path. InvalidArgument for an empty text and for another URL scheme (e.g. "mysql://"),
// naming what is accepted.
absl::StatusOr<StoreLocation> ParseStoreLocation(std::string_view text);

// `conninfo` with the password of a URL of any scheme ("user:secret@host" → "user:***@host", and a
// "password=" query parameter) or of a key=value conninfo ("password=secret" or
// "password='se cret'") replaced by "***". Other text is returned unchanged.
std::string RedactConninfo(std::string_view conninfo);

}  // namespace flowline::store
