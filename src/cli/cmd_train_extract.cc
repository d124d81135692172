// flowline train extract: a field-extraction model (candidate ranker) for the `extract` step.
#include <filesystem>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "ai/document/reader.h"
#include "ai/extract/dataset.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/trainer.h"
#include "cli/commands.h"
#include "cli/inputs.h"

namespace flowline::cli {
namespace {

struct TrainExtractArgs {
  std::string data;
  std::string out;
  std::string fields;
  std::string cache;
  std::string ocr = "auto";
  ai::TrainOptions options;
  bool json = false;
  bool quiet = false;
};

// A FIELDS file (YAML/JSON) when `spec` names one, else an inline "name:type,..." list.
absl::StatusOr<std::vector<ai::FieldSpec>> LoadFields(const std::string& spec) {
  if (std::filesystem::is_regular_file(spec)) {
    absl::StatusOr<std::string> text = ReadFile(spec);
    if (!text.ok()) return text.status();
    return ai::ParseFieldSpecs(*text, spec);
  }
  return ai::ParseFieldList(spec);
}

void PrintSummary(const TrainExtractArgs& args, const Json& m) {
  const Json& heldout = m["heldout"];
  std::cout << "trained " << args.out << " (sha256 " << m["sha256"].get<std::string>().substr(0, 12)
            << ") on " << m["documents"] << " documents; held out by " << heldout["method"].get<std::string>()
            << "\n";
  std::cout << absl::StrFormat("  %-20s %-12s %9s %9s %9s %9s\n", "field", "type", "accuracy",
                               "coverage", "cand.rec", "ECE");
  for (const auto& [name, f] : heldout["fields"].items()) {
    std::cout << absl::StrFormat("  %-20s %-12s %8.1f%% %8.1f%% %8.1f%% %9.3f\n", name,
                                 f["type"].get<std::string>(), 100 * f["accuracy"].get<double>(),
                                 100 * f["coverage"].get<double>(),
                                 100 * f["candidate_recall"].get<double>(),
                                 f["ece"].get<double>());
  }
  std::cout << absl::StrFormat("mean field accuracy %.1f%%, ECE %.3f\n",
                               100 * heldout["mean_accuracy"].get<double>(),
                               heldout["ece"].get<double>());
  const Json& st = heldout["straight_through"];
  if (st["threshold"].is_number()) {
    std::cout << absl::StrFormat(
        "straight-through %.1f%% of documents at confidence >= %.3f (accepted fields %.1f%% "
        "right; target %.0f%%)\n",
        100 * st["rate"].get<double>(), st["threshold"].get<double>(),
        100 * st["accepted_accuracy"].get<double>(), 100 * st["target_accuracy"].get<double>());
  } else {
    std::cout << "straight-through 0%: no confidence threshold reaches the target accuracy\n";
  }
}

}  // namespace

void AddTrainExtractCommand(CLI::App& train, const GlobalOptions& /*global*/, int& exit_code) {
  auto args = std::make_shared<TrainExtractArgs>();
  auto* cmd = train.add_subcommand(
      "extract",
      "Train a field-extraction model for the `extract` step from a labelled dataset (a folder "
      "with labels.jsonl, docs/design/document-ai.md). Candidates of each field's type are "
      "ranked by XGBoost; accuracy and confidence calibration are measured by k-fold "
      "cross-fitting. The same data and settings give the same model.");
  cmd->add_option("--data", args->data, "The dataset folder (labels.jsonl and the files)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--out", args->out,
                  "The model directory to write, e.g. models/invoice-fields")
      ->required();
  cmd->add_option("--fields", args->fields,
                  "A FIELDS file (YAML/JSON: name: type or {type, labels, patterns}) or an inline "
                  "list name:type,name:type (types: date amount currency id text organisation "
                  "address)")
      ->required();
  cmd->add_option("--cache", args->cache,
                  "Where read documents are cached as <file>.document.json (default: beside the "
                  "files)");
  cmd->add_option("--ocr", args->ocr, "Reading: auto (text layer, else OCR), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--name", args->options.name, "The model's name (default: the --out folder's)");
  cmd->add_option("--folds", args->options.folds, "Cross-fitting folds (2-20)")
      ->check(CLI::Range(2, 20));
  cmd->add_option("--rounds", args->options.ranker.rounds, "Boosting rounds (1-5000)")
      ->check(CLI::Range(1, 5000));
  cmd->add_option("--max-depth", args->options.ranker.max_depth, "Tree depth (1-16)")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--eta", args->options.ranker.eta, "Learning rate (0-1]")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--seed", args->options.ranker.seed, "XGBoost seed");
  cmd->add_flag("--json", args->json, "Print model.json instead of a summary");
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->callback([args, &exit_code] {
    absl::StatusOr<std::vector<ai::FieldSpec>> fields = LoadFields(args->fields);
    if (!fields.ok()) {
      exit_code = Fail(fields.status());
      return;
    }
    ai::ReadOptions read;
    read.keep_page_images = false;
    read.ocr = args->ocr == "always" ? ai::OcrMode::kAlways
               : args->ocr == "never" ? ai::OcrMode::kNever
                                      : ai::OcrMode::kAuto;
    ai::DocumentReader reader = [read](const std::string& path) -> absl::StatusOr<ai::Document> {
      absl::StatusOr<std::string> bytes = ReadFile(path);
      if (!bytes.ok()) return bytes.status();
      return ai::ReadDocument(*bytes, path, read, nullptr);
    };
    ai::DatasetOptions dataset_options;
    dataset_options.cache_dir = args->cache;
    if (!args->quiet) {
      dataset_options.progress = [](int i, int n, const std::string& file) {
        std::cerr << "\rreading " << i + 1 << "/" << n << " " << file << "\033[K" << std::flush;
      };
      args->options.progress = [](std::string_view line) {
        std::cerr << "\r" << line << "\033[K" << std::flush;
      };
    }
    absl::StatusOr<ai::Dataset> dataset = ai::LoadDataset(args->data, reader, dataset_options);
    if (!args->quiet) std::cerr << "\n";
    if (!dataset.ok()) {
      exit_code = Fail(dataset.status());
      return;
    }
    args->options.data_sha256 = dataset->sha256;
    absl::StatusOr<Json> model =
        ai::TrainExtractionModel(dataset->documents, *fields, args->options, args->out);
    if (!args->quiet) std::cerr << "\n";
    if (!model.ok()) {
      exit_code = Fail(model.status());
      return;
    }
    if (args->json) {
      std::cout << model->dump(2) << "\n";
    } else {
      PrintSummary(*args, *model);
    }
  });
}

}  // namespace flowline::cli
