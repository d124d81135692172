// Reading a SQL statement's text without a database: its `:name` placeholders, whether it is
// one statement, whether it writes. Used for PostgreSQL, whose statements the sql step checks
// when a version is prepared (SQLite compiles them instead: sql_step.cc).
//
// The scanner knows PostgreSQL's lexical structure enough to skip what is not code: '…' and
// E'…' strings, "…" identifiers, $tag$…$tag$ strings, -- and /* */ comments; `::` is a cast.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::steps {

struct NamedStatement {
  std::string sql;                 // with $1, $2… in place of the :names
  std::vector<std::string> names;  // the name of $1, $2…, in order (a repeated name repeats)
  // False when it starts with SELECT, VALUES, TABLE, SHOW, EXPLAIN or WITH and has no INSERT,
  // UPDATE, DELETE, MERGE or INTO anywhere; everything else counts as a write.
  bool writes = true;
};

// InvalidArgument (what and how to fix) for more than one statement, an empty one, positional
// parameters ($1, ?) or an unterminated string, identifier or comment.
absl::StatusOr<NamedStatement> ParseNamedStatement(std::string_view sql);

}  // namespace flowline::steps
