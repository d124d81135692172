// flowline train: the command group that trains the AI step kinds' models from labelled data.
// Each model family adds its own subcommand (cmd_train_classify.cc: `train classify`,
// cmd_train_score.cc: `train score`).
#include "CLI/CLI.hpp"
#include "cli/commands.h"

namespace flowline::cli {

CLI::App* AddTrainCommand(CLI::App& app, const GlobalOptions& /*global*/, int& /*exit_code*/) {
  auto* train = app.add_subcommand(
      "train",
      "Train models for the AI steps from labelled examples; each writes a versioned model "
      "directory (model files plus model.json) for `model:` in specs");
  train->require_subcommand(1);
  return train;
}

}  // namespace flowline::cli
