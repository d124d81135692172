// PgQueryBuilder: a statement assembled from optional parts (the filters of ListRuns, ListTasks,
// ListCorrections, ListShadowComparisons, the kinds of the record feed), with its parameters
// numbered in the order they are added.
//
// Each distinct SQL text is a prepared statement of its own: the builder interns the text for
// the life of the process and names it `<base>_<n>` (n counts the distinct texts of all bases),
// so PgTx may keep the name and text (pg_tx.h) and a connection prepares each shape once.
// Combinations of filters stay index-friendly plans instead of one generic
// `($1 IS NULL OR col = $1)` statement.
//
// Thread-safety: a builder belongs to one thread; interning is thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/postgres/pg_tx.h"

namespace flowline::store::postgres {

class PgQueryBuilder {
 public:
  // `base`: a short name for the statement family (at most ~40 characters: PostgreSQL cuts
  // names at 63 bytes). `sql`: its fixed beginning.
  PgQueryBuilder(std::string_view base, std::string_view sql);

  // Appends `text`; each '?' in it becomes the next parameter ($1, $2, ...) and takes the next
  // of `values`, in order. The number of '?' must equal the number of values.
  PgQueryBuilder& Add(std::string_view text, std::initializer_list<PgParam> values = {});

  // The statement (interned: valid until the process ends) and its parameters.
  PgQuery query() const;
  const std::vector<PgParam>& params() const { return params_; }

 private:
  std::string base_;
  std::string sql_;
  std::vector<PgParam> params_;
};

}  // namespace flowline::store::postgres
