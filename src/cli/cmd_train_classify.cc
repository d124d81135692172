// flowline train classify: a fastText text classifier for the `classify` step.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ai/classify/classifier_training.h"
#include "cli/commands.h"

namespace flowline::cli {

void AddTrainClassifyCommand(CLI::App& train, const GlobalOptions& /*global*/, int& exit_code) {
  auto options = std::make_shared<ai::ClassifierTrainingOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = train.add_subcommand(
      "classify",
      "Train a text classifier (document type, claim category, priority...) for the `classify` "
      "step from JSONL examples like {\"text\": \"...\", \"label\": \"invoice\"}. Part of each "
      "label is held out to measure accuracy; the same data, settings and seed give the same "
      "model.");
  cmd->add_option("--data", options->data_path, "Labelled examples, one JSON object a line")
      ->required();
  cmd->add_option("--out", options->out_dir,
                  "The model directory to write, e.g. models/doc-types (an earlier model there "
                  "is replaced)")
      ->required();
  cmd->add_option("--text-field", options->text_field, "The field that holds the text");
  cmd->add_option("--label-field", options->label_field, "The field that holds the label");
  cmd->add_option("--epochs", options->epochs, "Passes over the training examples (1-1000)");
  cmd->add_option("--lr", options->lr, "Learning rate (above 0, at most 5)");
  cmd->add_option("--ngrams", options->ngrams, "Word n-grams: 1 = single words (1-5)");
  cmd->add_option("--dim", options->dim, "Size of the word vectors (2-512)");
  cmd->add_option("--bucket", options->bucket, "Hash buckets for word n-grams");
  cmd->add_option("--seed", options->seed, "Seed for the held-out split and training");
  cmd->add_option("--holdout", options->holdout,
                  "Share of each label held out to measure accuracy (0-0.9; 0: none)");
  cmd->add_flag("--json", *json, "Print the model's model.json instead of a summary");
  cmd->callback([options, json, &exit_code] {
    options->now = absl::Now();
    absl::StatusOr<Json> manifest = ai::TrainClassifier(*options);
    if (!manifest.ok()) {
      exit_code = Fail(manifest.status());
      return;
    }
    if (*json) {
      std::cout << manifest->dump(2) << "\n";
      return;
    }
    const Json& m = *manifest;
    std::cout << "trained " << options->out_dir << " (sha256 "
              << m["sha256"].get<std::string>().substr(0, 12) << "): " << m["labels"].size()
              << " labels, " << m["counts"]["train"] << " training examples, "
              << m["counts"]["held_out"] << " held out\n";
    if (m["held_out_accuracy"].is_number()) {
      std::cout << absl::StrFormat("held-out accuracy %.1f%%\n",
                                   100 * m["held_out_accuracy"].get<double>());
      for (const Json& label : m["per_label"]) {
        if (!label["held_out_accuracy"].is_number()) continue;
        std::cout << absl::StrFormat("  %-24s %5.1f%% of %d\n", label["label"].get<std::string>(),
                                     100 * label["held_out_accuracy"].get<double>(),
                                     label["held_out"].get<int>());
      }
    } else {
      std::cout << "no examples held out: accuracy not measured\n";
    }
  });
}

}  // namespace flowline::cli
