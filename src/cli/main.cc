// flowline: run a business's operations as AI workflows.
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "cli/commands.h"
#include "spdlog/spdlog.h"

int main(int argc, char** argv) {
  using flowline::cli::GlobalOptions;
  GlobalOptions global;
  if (const char* env = std::getenv("FLOWLINE_STORE"); env != nullptr && *env) {
    global.store_path = env;
  }
  CLI::App app{
      "flowline runs a business's operations as AI workflows: triggers start runs, AI\n"
      "does the steps it reliably can, people handle the exceptions, and every case is\n"
      "recorded and measured.",
      "flowline"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();
  app.add_option("--store", global.store_path,
                 "The store: a SQLite file (created if missing), or a PostgreSQL database as a "
                 "postgresql:// URL or a libpq conninfo (host=... dbname=...; passwords from "
                 "$PGPASSWORD or ~/.pgpass; docs/scale-out.md); also $FLOWLINE_STORE");
  if (const char* env = std::getenv("FLOWLINE_STORE_CONNECTIONS"); env != nullptr && *env) {
    if (!absl::SimpleAtoi(env, &global.store_connections) || global.store_connections < 1) {
      std::cerr << "flowline: error: $FLOWLINE_STORE_CONNECTIONS must be a number of at least 1, "
                   "not '"
                << env << "'\n";
      return 2;
    }
  }
  app.add_option("--store-connections", global.store_connections,
                 "PostgreSQL: connections this process's store pool opens at most (plus one "
                 "that listens for new work); give a worker at least its --workers; also "
                 "$FLOWLINE_STORE_CONNECTIONS")
      ->check(CLI::Range(1, 1000));
  if (const char* env = std::getenv("FLOWLINE_MODELS"); env != nullptr && *env) {
    global.models_dir = env;
  }
  app.add_option("--models", global.models_dir,
                 "Where model names in specs (classify, extract) resolve; also $FLOWLINE_MODELS");
  if (const char* env = std::getenv("FLOWLINE_REFERENCE"); env != nullptr && *env) {
    global.reference_db = env;
  }
  app.add_option("--reference", global.reference_db,
                 "The reference database `match` steps search and `reference load` writes; also "
                 "$FLOWLINE_REFERENCE");
  if (const char* env = std::getenv("FLOWLINE_AUDIT_KEYS"); env != nullptr && *env) {
    global.audit_keys = env;
  }
  app.add_option("--audit-keys", global.audit_keys,
                 "The audit key directory: the key that signs the decision record and the key "
                 "of personal data digests (default: <store>.keys; required with a PostgreSQL "
                 "store); also $FLOWLINE_AUDIT_KEYS");
  if (const char* env = std::getenv("FLOWLINE_ARTIFACTS"); env != nullptr && *env) {
    global.artifacts = env;
  }
  app.add_option("--artifacts", global.artifacts,
                 "Content-addressed files: uploaded documents, page images, dataset files "
                 "(default: <store>.artifacts, or flowline.artifacts on a PostgreSQL store; "
                 "hosts sharing a PostgreSQL store must share it); also $FLOWLINE_ARTIFACTS");
  if (const char* env = std::getenv("FLOWLINE_PROVIDERS"); env != nullptr && *env) {
    global.providers_file = env;
  }
  app.add_option("--providers", global.providers_file,
                 "The model providers of llm steps (providers.yaml, docs/llm.md; default: "
                 "providers.yaml in the working directory if there is one); also "
                 "$FLOWLINE_PROVIDERS");
  if (const char* env = std::getenv("FLOWLINE_CONNECTIONS"); env != nullptr && *env) {
    global.connections_file = env;
  }
  app.add_option("--connections", global.connections_file,
                 "The business's systems that steps and triggers name (connections.yaml, "
                 "docs/connectors.md; default: connections.yaml in the working directory if "
                 "there is one); also $FLOWLINE_CONNECTIONS");
  if (const char* env = std::getenv("FLOWLINE_LLM_CACHE"); env != nullptr && *env) {
    global.llm_cache = env;
  }
  app.add_option("--llm-cache", global.llm_cache,
                 "The llm steps' response cache, a SQLite file (default: <store>.llm-cache, or "
                 "flowline.llm-cache on a PostgreSQL store); also $FLOWLINE_LLM_CACHE");
  app.add_option("--log-level", global.log_level, "trace, debug, info, warn, error or off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));
  app.set_version_flag("--version", "flowline 0.1.0");

  int exit_code = 0;
  flowline::cli::AddValidateCommand(app, global, exit_code);
  flowline::cli::AddDeployCommand(app, global, exit_code);
  flowline::cli::AddRunCommand(app, global, exit_code);
  flowline::cli::AddServeCommand(app, global, exit_code);
  flowline::cli::AddWorkerCommand(app, global, exit_code);
  flowline::cli::AddMigrateCommand(app, global, exit_code);
  flowline::cli::AddRunsCommand(app, global, exit_code);
  flowline::cli::AddTasksCommand(app, global, exit_code);
  flowline::cli::AddTokenCommand(app, global, exit_code);
  CLI::App* train = flowline::cli::AddTrainCommand(app, global, exit_code);
  flowline::cli::AddTrainClassifyCommand(*train, global, exit_code);
  flowline::cli::AddTrainExtractCommand(*train, global, exit_code);
  flowline::cli::AddTrainScoreCommand(*train, global, exit_code);
  flowline::cli::AddReferenceCommand(app, global, exit_code);
  flowline::cli::AddSamplesCommand(app, global, exit_code);
  flowline::cli::AddEvalCommand(app, global, exit_code);
  flowline::cli::AddTuneCommand(app, global, exit_code);
  flowline::cli::AddReleaseCommands(app, global, exit_code);
  flowline::cli::AddPeopleCommands(app, global, exit_code);
  flowline::cli::AddAuditCommand(app, global, exit_code);
  flowline::cli::AddDriftCommands(app, global, exit_code);
  flowline::cli::AddReportCommand(app, global, exit_code);
  flowline::cli::AddDatasetCommand(app, global, exit_code);

  app.parse_complete_callback([&global] {
    spdlog::set_level(spdlog::level::from_str(global.log_level));
    spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // usage errors exit 2 (CLI11's codes), --help exits 0
  }
  return exit_code;
}
