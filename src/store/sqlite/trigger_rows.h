// Trigger state in the SQLite store: one opaque value per (workflow, trigger id), replaced by
// each save (src/triggers/, docs/triggers.md).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

absl::StatusOr<std::optional<std::string>> SelectTriggerState(Connection& db,
                                                              const std::string& workflow,
                                                              const std::string& trigger_id);
absl::Status UpsertTriggerState(Connection& db, const std::string& workflow,
                                const std::string& trigger_id, const std::string& value);

}  // namespace flowline::store::sqlite
