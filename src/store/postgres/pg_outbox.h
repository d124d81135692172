// The webhook outbox of the PostgreSQL store: notifications are queued in the transaction of the
// change they report (an escalated task, an alert) and delivered at least once by the engine.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "store/postgres/pg_tx.h"

namespace flowline::store::postgres {

// Queues a notification, due at once, inside the caller's transaction.
void InsertNotification(PgTx& tx, const std::string& url, const std::string& payload_json,
                        absl::Time now);

}  // namespace flowline::store::postgres
