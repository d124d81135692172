// flowline train classify: a fastText text classifier for the `classify` step.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ai/classify/classifier_training.h"
#include "cli/commands.h"
#include "cli/document_cache.h"
#include "cli/progress.h"
#include "common/temp_dir.h"
#include "quality/dataset.h"

namespace flowline::cli {
namespace {

// A labelled document folder as classifier examples: each document's text, labelled with its
// doc_type. Writes them as JSONL to `out`.
absl::Status DocumentsToExamples(const std::string& dir, const std::string& cache_dir,
                                 const std::string& out) {
  absl::StatusOr<quality::Dataset> dataset = quality::LoadDataset(dir);
  if (!dataset.ok()) return dataset.status();
  std::vector<std::string> paths;
  for (const quality::LabelledDocument& doc : dataset->documents) paths.push_back(doc.path);
  DocumentCacheOptions cache;
  cache.dir = cache_dir;
  ProgressBar bar("reading", static_cast<int64_t>(paths.size()));
  auto documents = ReadDocuments(paths, cache, [&bar](int done, int) { bar.Update(done); });
  bar.Finish();
  std::ofstream examples(out);
  for (size_t i = 0; i < documents.size(); ++i) {
    if (!documents[i].ok()) {
      return absl::Status(documents[i].status().code(),
                          absl::StrCat(paths[i], ": ", documents[i].status().message()));
    }
    examples << common::CanonicalJson(
                    Json{{"text", documents[i]->Text()}, {"label", dataset->documents[i].doc_type}})
             << "\n";
  }
  if (!examples) return absl::UnavailableError(absl::StrCat("cannot write ", out));
  return absl::OkStatus();
}

}  // namespace

void AddTrainClassifyCommand(CLI::App& train, const GlobalOptions& /*global*/, int& exit_code) {
  auto options = std::make_shared<ai::ClassifierTrainingOptions>();
  auto json = std::make_shared<bool>(false);
  auto* cmd = train.add_subcommand(
      "classify",
      "Train a text classifier (document type, claim category, priority...) for the `classify` "
      "step from JSONL examples like {\"text\": \"...\", \"label\": \"invoice\"}, or from a "
      "labelled document folder (labels.jsonl: each document's text, labelled with its "
      "doc_type). Part of each label is held out to measure accuracy; the same data, settings "
      "and seed give the same model.");
  cmd->add_option("--data", options->data_path,
                  "Labelled examples, one JSON object a line; or a labelled document folder")
      ->required();
  auto cache = std::make_shared<std::string>(DefaultCacheDir());
  cmd->add_option("--cache", *cache,
                  "Where read documents are cached, for a document folder (empty: no cache)");
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
  cmd->callback([options, json, cache, &exit_code] {
    options->now = absl::Now();
    ai::ClassifierTrainingOptions run = *options;
    common::TempDir scratch;
    if (std::filesystem::is_directory(options->data_path)) {
      run.data_path = scratch.path() + "/examples.jsonl";
      run.text_field = "text";
      run.label_field = "label";
      if (absl::Status status = DocumentsToExamples(options->data_path, *cache, run.data_path);
          !status.ok()) {
        exit_code = Fail(status);
        return;
      }
    }
    absl::StatusOr<Json> manifest = ai::TrainClassifier(run);
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
