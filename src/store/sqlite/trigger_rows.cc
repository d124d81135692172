#include "store/sqlite/trigger_rows.h"

#include "common/status_macros.h"

namespace flowline::store::sqlite {

absl::StatusOr<std::optional<std::string>> SelectTriggerState(Connection& db,
                                                              const std::string& workflow,
                                                              const std::string& trigger_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("SELECT value FROM trigger_state WHERE workflow = ?1 "
                                         "AND trigger_id = ?2"));
  stmt->Bind(1, workflow);
  stmt->Bind(2, trigger_id);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return std::nullopt;
  return stmt->Text(0);
}

absl::Status UpsertTriggerState(Connection& db, const std::string& workflow,
                                const std::string& trigger_id, const std::string& value) {
  ASSIGN_OR_RETURN(auto stmt,
                   db.Prepare("INSERT INTO trigger_state (workflow, trigger_id, value) VALUES "
                              "(?1, ?2, ?3) ON CONFLICT (workflow, trigger_id) DO UPDATE SET "
                              "value = excluded.value"));
  stmt->Bind(1, workflow);
  stmt->Bind(2, trigger_id);
  stmt->Bind(3, value);
  return stmt->Run();
}

}  // namespace flowline::store::sqlite
