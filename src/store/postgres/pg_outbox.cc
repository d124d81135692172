#include "store/postgres/pg_outbox.h"

namespace flowline::store::postgres {

void InsertNotification(PgTx& tx, const std::string& url, const std::string& payload_json,
                        absl::Time now) {
  static constexpr PgQuery kInsert{
      "insert_notification",
      "INSERT INTO notifications (url, payload_json, created_at, next_attempt_at) VALUES ($1, "
      "$2, $3, $3)"};
  tx.Exec(kInsert, {url, payload_json, now});
}

}  // namespace flowline::store::postgres
