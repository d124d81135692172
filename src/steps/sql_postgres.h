// The sql step on a PostgreSQL connection (libpqxx): one statement, parameterised, in one
// transaction; a write commits together with its idempotency key. Private to steps/.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "common/json_util.h"
#include "steps/connections.h"
#include "steps/sql_text.h"
#include "steps/step_kind.h"

namespace flowline::steps {

struct PostgresSqlCall {
  const Connection* connection = nullptr;  // type postgres
  const NamedStatement* statement = nullptr;
  const Json* params = nullptr;  // may be null
  int max_rows = 1000;
  std::string idempotency_key;
  absl::Duration timeout = absl::InfiniteDuration();  // the statement's time limit
};

// Runs the call. Output as the sql step's ({"rows", "row_count", "changes", "replayed"}).
// Connection failures, serialization failures, deadlocks and lock timeouts are transient; a
// statement timeout is kTimeout; constraint violations and SQL errors are permanent. The URL and
// its password are redacted from every message.
StepOutcome RunPostgresSql(const PostgresSqlCall& call);

}  // namespace flowline::steps
