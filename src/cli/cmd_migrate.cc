// flowline migrate [--status]: the store's schema migrations.
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "store/open_store.h"

namespace flowline::cli {
namespace {

void PrintStatus(const store::StoreLocation& location, const store::SchemaStatus& status) {
  std::vector<std::vector<std::string>> rows;
  for (const store::SchemaMigrationState& migration : status.migrations) {
    std::string state = migration.applied ? "applied" : "pending";
    if (migration.version > status.latest) state += " (unknown to this flowline)";
    rows.push_back({std::to_string(migration.version), state, HumanTime(migration.applied_at)});
  }
  PrintTable(std::cout, {"MIGRATION", "STATE", "APPLIED"}, rows);
  std::cout << "store " << location.display << ": " << status.applied() << " applied, "
            << status.pending() << " pending; this flowline knows migrations 1-" << status.latest
            << "\n";
}

int Migrate(const GlobalOptions& global, bool status_only) {
  absl::StatusOr<store::StoreLocation> location = store::ParseStoreLocation(global.store_path);
  if (!location.ok()) return Fail(location.status());
  absl::StatusOr<store::SchemaStatus> before = store::ReadSchemaStatus(*location);
  if (!before.ok()) return Fail(before.status());
  if (status_only) {
    PrintStatus(*location, *before);
    if (before->newer_than_program()) {
      std::cout << "the schema was written by a newer flowline: upgrade flowline to use it\n";
    }
    return 0;
  }
  absl::StatusOr<store::SchemaStatus> after = store::MigrateSchema(*location);
  if (!after.ok()) return Fail(after.status());
  const int applied = after->applied() - before->applied();
  PrintStatus(*location, *after);
  std::cout << (applied == 0 ? std::string("nothing to apply: the schema is up to date")
                             : absl::StrCat("applied ", applied, " migration(s)"))
            << "\n";
  return 0;
}

}  // namespace

void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto status_only = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "migrate",
      "Bring the store's schema up to date and list its migrations. On PostgreSQL the "
      "migrations run under an advisory lock, so several processes starting at once apply "
      "each one once; run it once per upgrade, before starting the new version's processes "
      "(docs/scale-out.md). A SQLite store is migrated whenever it is opened; this command "
      "does it explicitly. A schema written by a newer flowline is refused.");
  cmd->add_flag("--status", *status_only,
                "Only list the applied and pending migrations; change nothing");
  cmd->callback([status_only, &global, &exit_code] { exit_code = Migrate(global, *status_only); });
}

}  // namespace flowline::cli
