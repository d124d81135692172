// PostgresStore: trigger state (src/triggers/, docs/triggers.md), one opaque value per
// (workflow, trigger id). A save is an upsert, so processes that run the same trigger write
// without conflict; the last writer wins, which the triggers' business keys make harmless.
#include "common/status_macros.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/postgres_store.h"
#include "store/request_checks.h"

namespace flowline::store::postgres {
namespace {

constexpr PgQuery kGet{"trigger_state_get",
                       "SELECT value FROM trigger_state WHERE workflow = $1 AND trigger_id = $2"};
constexpr PgQuery kPut{"trigger_state_put",
                       "INSERT INTO trigger_state (workflow, trigger_id, value) VALUES ($1, $2, "
                       "$3) ON CONFLICT (workflow, trigger_id) DO UPDATE SET value = "
                       "excluded.value"};

}  // namespace

absl::StatusOr<std::optional<std::string>> PostgresStore::GetTriggerState(
    const std::string& workflow, const std::string& trigger_id) {
  RETURN_IF_ERROR(ValidateTriggerStateKey(workflow, trigger_id));
  return pool_->Run<std::optional<std::string>>(
      "GetTriggerState", [&](PgTx& tx) -> absl::StatusOr<std::optional<std::string>> {
        pqxx::result rows = tx.Exec(kGet, {workflow, trigger_id});
        if (rows.empty()) return std::optional<std::string>();
        return std::optional<std::string>(PgText(rows[0][0]));
      });
}

absl::Status PostgresStore::PutTriggerState(const std::string& workflow,
                                            const std::string& trigger_id,
                                            const std::string& value) {
  RETURN_IF_ERROR(ValidateTriggerStateKey(workflow, trigger_id));
  return pool_->Run("PutTriggerState", [&](PgTx& tx) -> absl::Status {
    tx.Exec(kPut, {workflow, trigger_id, value});
    return absl::OkStatus();
  });
}

}  // namespace flowline::store::postgres
