// flowline train classify: a fastText text classifier for the `classify` step.
#include <filesystem>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "ai/classify/classifier_training.h"
#include "cli/commands.h"
#include "cli/dataset_source.h"
#include "cli/document_cache.h"
#include "cli/progress.h"
#include "common/temp_dir.h"
#include "quality/dataset.h"

namespace flowline::cli {
namespace {

// Labelled documents as classifier examples: each document's text, labelled with its doc_type
// (documents without one, e.g. reviewed cases nobody typed, are left out and counted). Writes
// them as JSONL to `out`.
absl::Status DocumentsToExamples(const quality::Dataset& all, const std::string& cache_dir,
                                 const std::string& out) {
  quality::Dataset typed;
  for (const quality::LabelledDocument& doc : all.documents) {
    if (!doc.doc_type.empty()) typed.documents.push_back(doc);
  }
  if (typed.documents.size() < all.documents.size()) {
    std::cerr << "flowline: " << all.documents.size() - typed.documents.size()
              << " document(s) without a doc_type left out\n";
  }
  if (typed.documents.empty()) {
    return absl::InvalidArgumentError(
        "no document has a doc_type to learn from: label the documents' doc_type (labels.jsonl, "
        "docs/datasets.md)");
  }
  std::vector<std::string> paths;
  for (const quality::LabelledDocument& doc : typed.documents) paths.push_back(doc.path);
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
                    Json{{"text", documents[i]->Text()}, {"label", typed.documents[i].doc_type}})
             << "\n";
  }
  if (!examples) return absl::UnavailableError(absl::StrCat("cannot write ", out));
  return absl::OkStatus();
}

}  // namespace

void AddTrainClassifyCommand(CLI::App& train, const GlobalOptions& global, int& exit_code) {
  auto options = std::make_shared<ai::ClassifierTrainingOptions>();
  auto source = std::make_shared<DatasetSource>();
  auto split = std::make_shared<std::string>("train");
  auto json = std::make_shared<bool>(false);
  auto* cmd = train.add_subcommand(
      "classify",
      "Train a text classifier (document type, claim category, priority...) for the `classify` "
      "step from JSONL examples like {\"text\": \"...\", \"label\": \"invoice\"}, or from a "
      "labelled document folder (labels.jsonl: each document's text, labelled with its "
      "doc_type), or a stored dataset's train part (with the cases people corrected). Part of "
      "each label is held out to measure accuracy; the same data, settings and seed give the "
      "same model.");
  cmd->add_option("--data", options->data_path,
                  "Labelled examples, one JSON object a line; or a labelled document folder");
  cmd->add_option("--dataset", source->dataset,
                  "Instead of --data: a stored dataset, NAME[@VERSION] (docs/datasets.md); its "
                  "documents' text, labelled with their doc_type");
  cmd->add_option("--split", *split,
                  "With --dataset: which part to train on (default train; all, train, "
                  "validation, test)")
      ->check(CLI::IsMember({"all", "train", "validation", "test"}));
  cmd->add_option("--with-corrections", source->with_corrections,
                  "With --dataset: also train on the cases people corrected in this workflow "
                  "(the train part of its <workflow>.reviewed dataset; docs/models.md)");
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
  cmd->callback([options, json, cache, source, split, &global, &exit_code] {
    if (options->data_path.empty() == source->dataset.empty()) {
      exit_code = Fail(absl::InvalidArgumentError(
          "give exactly one of --data (examples or a document folder) and --dataset (a stored "
          "dataset, NAME[@VERSION]; `flowline dataset list` lists them)"));
      return;
    }
    if (source->dataset.empty() && !source->with_corrections.empty()) {
      exit_code = Fail(absl::InvalidArgumentError(
          "--with-corrections needs --dataset (for a folder: `flowline labels export` and "
          "train on both)"));
      return;
    }
    options->now = absl::Now();
    ai::ClassifierTrainingOptions run = *options;
    common::TempDir scratch;
    absl::Status converted = absl::OkStatus();
    if (!source->dataset.empty()) {
      absl::StatusOr<LoadedDataset> loaded = LoadDatasetSource(*source, global);
      if (!loaded.ok()) {
        exit_code = Fail(loaded.status());
        return;
      }
      if (loaded->corrections > 0) {
        std::cerr << "flowline: with " << loaded->corrections << " reviewed case(s) of "
                  << source->with_corrections << "\n";
      }
      run.data_path = scratch.path() + "/examples.jsonl";
      converted = DocumentsToExamples(
          loaded->Part(quality::ParseSplit(*split).value_or(quality::Split::kTrain)), *cache,
          run.data_path);
    } else if (std::filesystem::is_directory(options->data_path)) {
      run.data_path = scratch.path() + "/examples.jsonl";
      absl::StatusOr<quality::Dataset> dataset = quality::LoadDataset(options->data_path);
      converted =
          dataset.ok() ? DocumentsToExamples(*dataset, *cache, run.data_path) : dataset.status();
    }
    if (!converted.ok()) {
      exit_code = Fail(converted);
      return;
    }
    if (run.data_path != options->data_path) {
      run.text_field = "text";
      run.label_field = "label";
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
