// The `sql` step kind: one parameterised statement against the business's own database.
//
//   uses: sql
//   with:
//     connection: ledger                 # literal; a sqlite connection (docs/connectors.md)
//     # or database: sqlite:accounting.db  (a file path, relative to the working directory)
//     statement: >
//       INSERT INTO invoices (vendor, number, total) VALUES (:vendor, :number, :total)
//     params:                            # values for the statement's :names
//       vendor: ${{ steps.extract.output.fields.vendor_name.normalized }}
//       number: ${{ steps.extract.output.fields.invoice_number.normalized }}
//       total: ${{ steps.extract.output.fields.total_amount.normalized }}
//
// Values are always bound, never spliced into the SQL (strings, numbers, booleans as 0/1, null;
// objects and arrays as JSON text). The statement is exactly one statement, written in the spec
// (a literal: expressions cannot build SQL). The database file must exist: a wrong path fails
// instead of creating an empty database.
//
// Output: {"rows": [{column: value}…] (at most max_rows, default 1000), "row_count",
// "changes" (rows inserted/updated/deleted), "replayed"}.
//
// Writes are applied once: a statement that writes runs in a transaction that also records the
// step's idempotency key in the table flowline_step_writes (created on first use); a retried
// attempt whose key is already there (the first attempt committed, then the process died before
// flowline recorded it) does not write again and returns the first attempt's output with
// "replayed": true. Busy/locked databases are transient errors (retried per the step's policy);
// constraint violations and SQL errors are permanent.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/connections.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class SqlStep final : public StepKind {
 public:
  // `connections`: the connections a step may name (not null).
  explicit SqlStep(std::shared_ptr<const Connections> connections);
  const StepKindInfo& Info() const override { return info_; }
  // Exactly one of `connection` (a sqlite connection) and `database` ("sqlite:<path>");
  // `statement` must be one non-empty statement.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;
};

}  // namespace flowline::steps
