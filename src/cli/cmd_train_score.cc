// flowline train score: an XGBoost model for the `score` step from tabular history.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ai/score/score_training.h"
#include "cli/commands.h"
#include "cli/table.h"

namespace flowline::cli {
namespace {

// "0.843", or with `general` the shortest form ("18", "0.3"); "-" for null.
std::string Number(const Json& value, bool general = false) {
  if (!value.is_number()) return "-";
  const double x = value.get<double>();
  return general ? absl::StrFormat("%g", x) : absl::StrFormat("%.3f", x);
}

// What the training learned and measured, as tables.
void PrintSummary(const std::string& out_dir, const Json& m) {
  const Json& counts = m["counts"];
  const std::string positive = m["labels"]["positive"].get<std::string>();
  std::cout << "trained " << out_dir << " (sha256 " << m["sha256"].get<std::string>().substr(0, 12)
            << "): " << m["features"].size() << " features, " << counts["train"]
            << " training rows, " << counts["held_out"] << " held out; "
            << absl::StrFormat("%.1f%%", 100.0 * counts["positive"].get<double>() /
                                             counts["rows"].get<double>())
            << " of rows are " << positive << "\n\n";
  std::vector<std::vector<std::string>> features;
  for (const Json& f : m["features"]) {
    const bool categorical = f["type"] == "categorical";
    features.push_back(
        {f["name"].get<std::string>(), f["type"].get<std::string>(),
         categorical ? absl::StrCat(f["categories"].size(), " categories")
                     : (f["min"].is_number()
                            ? absl::StrCat(Number(f["min"], true), " .. ", Number(f["max"], true))
                            : "no values")});
  }
  PrintTable(std::cout, {"feature", "type", "training values"}, features);
  const Json& held = m["held_out"];
  if (!held.is_object()) {
    std::cout << "\nno rows held out: the model is not measured\n";
    return;
  }
  std::cout << "\nheld out (" << held["rows"] << " rows; the score is P(" << positive << "))\n";
  PrintTable(std::cout, {"measure", "value"},
             {{"AUC", Number(held["auc"])},
              {absl::StrFormat("accuracy at threshold %g", m["threshold"].get<double>()),
               Number(held["accuracy"])},
              {"calibration error (ECE, 10 bins)", Number(held["ece"])},
              {"log loss", Number(held["log_loss"])}});
  std::vector<std::vector<std::string>> bins;
  for (const Json& bin : held["calibration"]) {
    bins.push_back({bin["bin"].get<std::string>(), absl::StrCat(bin["count"].get<int>()),
                    Number(bin["mean_score"]), Number(bin["positive_rate"])});
  }
  std::cout << "\n";
  PrintTable(std::cout, {"score bin", "rows", "mean score", absl::StrCat("share ", positive)},
             bins);
}

}  // namespace

void AddTrainScoreCommand(CLI::App& train, const GlobalOptions& /*global*/, int& exit_code) {
  auto options = std::make_shared<ai::ScoreTrainingOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = train.add_subcommand(
      "score",
      "Train a risk/propensity model for the `score` step (XGBoost) from tabular history: a CSV "
      "file with a header row or JSONL, one row per past case, with the outcome in --target. "
      "Numeric and categorical features; part of each outcome is held out to measure AUC, "
      "accuracy at the threshold and calibration; the same data, settings and seed give the "
      "same model (model.json records its SHA-256, the data's SHA-256, the features with their "
      "categories and ranges, the settings and the measures).");
  cmd->add_option("--data", options->data_path, "The history: FILE.csv (header row) or FILE.jsonl")
      ->required();
  cmd->add_option("--target", options->target, "The column holding the outcome to predict")
      ->required();
  cmd->add_option("--positive", options->positive,
                  "The outcome the score is the probability of, e.g. bad (needed unless the "
                  "target is 0/1 or false/true)");
  cmd->add_option("--features", options->features,
                  "The feature columns, comma-separated, in the order the model keeps them "
                  "(default: every column but the target)")
      ->delimiter(',');
  cmd->add_option("--categorical", options->categorical,
                  "Feature columns to treat as categories even when their values are numbers "
                  "(codes, postcodes), comma-separated; a column with any non-number value is "
                  "categorical anyway")
      ->delimiter(',');
  cmd->add_option("--out", options->out_dir,
                  "The model directory to write, e.g. models/onboarding-risk (an earlier model "
                  "there is replaced)")
      ->required();
  cmd->add_option("--threshold", options->threshold,
                  "The model's threshold: `label` is the positive outcome at or above this score "
                  "(default 0.5; a step's `threshold:` overrides it)");
  cmd->add_option("--holdout", options->holdout,
                  "Share of each outcome held out to measure the model (0-0.9; default 0.2)");
  cmd->add_option("--rounds", options->booster.rounds, "Boosting rounds (1-5000; default 100)");
  cmd->add_option("--max-depth", options->booster.max_depth, "Tree depth (1-16; default 3)");
  cmd->add_option("--eta", options->booster.eta, "Learning rate (above 0, at most 1; default 0.1)");
  cmd->add_option("--seed", options->booster.seed, "Seed for the held-out split and training");
  cmd->add_flag("--json", *json, "Print the model's model.json instead of tables");
  cmd->callback([options, json, &exit_code] {
    options->now = absl::Now();
    absl::StatusOr<Json> manifest = ai::TrainScoreModel(*options);
    if (!manifest.ok()) {
      exit_code = Fail(manifest.status());
      return;
    }
    if (*json) {
      std::cout << manifest->dump(2) << "\n";
      return;
    }
    PrintSummary(options->out_dir, *manifest);
  });
}

}  // namespace flowline::cli
