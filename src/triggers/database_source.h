// The `database` trigger: one run per new row of a table in the business's own database, for
// systems that cannot call out.
//
//   triggers:
//     - database:
//         connection: crm_db        # a postgres or sqlite connection of connections.yaml
//         query: SELECT id, email FROM signups WHERE id > :cursor ORDER BY id LIMIT 100
//         cursor: id                # the column whose last value the trigger remembers
//         start: 0                  # :cursor before the first row (default 0)
//         interval: 10s             # how often to run the query when nothing is new (default 10s)
//
// Each pass runs the query with :cursor bound to the last row's cursor value (kept in the store's
// trigger state, so it survives restarts), read-only (SQLite: a read-only connection and a
// statement SQLite reports as read-only; PostgreSQL: a READ ONLY transaction). For every row, in
// the order the query returns them: StartRun (input: the row as an object, column → value;
// default business key "<trigger id>:<cursor value>"), then save the row's cursor value. A crash
// between the two runs the row again after the restart; its key makes it the same run.
//
// The cursor column must be in the rows and its values must increase strictly from row to row
// (ORDER BY the cursor, unique values: an id, a sequence, a unique timestamp); a pass that sees
// otherwise fails before it starts that row, saying why. A row the workflow refuses (its input
// breaks the input schema) is logged and skipped: the cursor moves past it. A full batch (as
// many rows as came back, when any did) is followed by the next pass at once; an empty one waits
// `interval`.
//
// Not thread-safe: the trigger host calls one source from one thread.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

struct DatabaseTriggerSettings {
  std::string connection;
  std::string query;
  std::string cursor;
  Json start = 0;  // a number or a string
  absl::Duration interval = absl::Seconds(10);
  static absl::StatusOr<DatabaseTriggerSettings> FromBlock(const Json& with);
};

// The factory (TriggerRegistry): reads the block, checks its connection exists and is a postgres
// or sqlite connection, and that the query is one read-only statement using only :cursor.
absl::StatusOr<std::unique_ptr<TriggerSource>> NewDatabaseSource(const engine::TriggerSpec& spec,
                                                                 const SourceEnv& env);

class DatabaseSource final : public TriggerSource {
 public:
  explicit DatabaseSource(DatabaseTriggerSettings settings);

  absl::Status Poll(TriggerContext& context, absl::Duration budget) override;
  absl::Duration NextPollIn(absl::Time now) const override;

 private:
  DatabaseTriggerSettings settings_;
  absl::Time next_pass_ = absl::InfinitePast();
};

}  // namespace flowline::triggers
