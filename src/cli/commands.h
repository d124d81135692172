// The flowline commands. Each Add*Command registers a subcommand on the CLI11 app; when it runs
// it stores its process exit code in `exit_code` (0 ok, 1 failure, 2 usage error).
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cli/app.h"
#include "monitor/prices.h"

namespace CLI {
class App;
}

namespace flowline::cli {

void AddValidateCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddDeployCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddRunCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline worker`: executes steps of a PostgreSQL store, no HTTP (docs/scale-out.md).
void AddWorkerCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline migrate [--status]`: the store's schema migrations.
void AddMigrateCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddRunsCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddTasksCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddTokenCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline train`, the group each model family adds its `train <family>` subcommand to.
CLI::App* AddTrainCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddTrainClassifyCommand(CLI::App& train, const GlobalOptions& global, int& exit_code);
void AddTrainExtractCommand(CLI::App& train, const GlobalOptions& global, int& exit_code);
void AddTrainScoreCommand(CLI::App& train, const GlobalOptions& global, int& exit_code);
void AddReferenceCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddSamplesCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddEvalCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline tune`: per-field confidence thresholds for the exception policy.
void AddTuneCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddPeopleCommands(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline audit verify | export | prune | checkpoint | key`: the decision record.
void AddAuditCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline drift check` and `flowline alerts list|ack|resolve`.
void AddDriftCommands(CLI::App& app, const GlobalOptions& global, int& exit_code);
void AddReportCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline dataset import|list|show|cases|export|sync` (docs/datasets.md).
void AddDatasetCommand(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `flowline workflows`, `promote`, `rollback`, `shadow report`, `replay` (docs/releases.md).
void AddReleaseCommands(CLI::App& app, const GlobalOptions& global, int& exit_code);
// --prices FILE, defaulting to $FLOWLINE_PRICES: the measures' price table (docs/measures.md).
void AddPricesOption(CLI::App& cmd, std::string& path);
// The price table of a command: the --prices file (may be empty), with the model providers'
// prices from the providers file (ProvidersPath) for the models the file does not price,
// labelled "<provider>/<model>" as llm steps report them. nullopt when neither prices anything.
// InvalidArgument when the two files name different currencies; the files' own errors as they
// report them.
absl::StatusOr<std::optional<monitor::PriceTable>> LoadPriceTable(const std::string& prices_path,
                                                                  const GlobalOptions& global);

// Prints "flowline: error: <message>" to stderr and returns 1.
int Fail(const absl::Status& status);

}  // namespace flowline::cli
