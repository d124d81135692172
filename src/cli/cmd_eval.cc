// flowline eval: how well an extraction model (or a workflow's extract step) does on a labelled
// dataset: per-field accuracy, coverage, calibration and the straight-through rate.
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/ai_step_kinds.h"
#include "ai/extract/extract_step.h"
#include "cli/commands.h"
#include "cli/document_cache.h"
#include "cli/progress.h"
#include "common/json_util.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::cli {
namespace {

struct EvalArgs {
  std::string data;
  std::string format = "auto";
  std::string model;
  std::string split = "all";
  double test_share = 0.5;
  uint64_t split_seed = 1;
  double target = 0.98;
  std::string cache = DefaultCacheDir();
  std::string ocr = "auto";
  int jobs = 0;
  int limit = 0;
  bool json = false;
  std::string out;
};

// Runs the extract step (its Prepare and Execute, as a workflow would) on every document.
absl::StatusOr<std::vector<quality::DocumentResult>> ExtractAll(const EvalArgs& args,
                                                                const GlobalOptions& global,
                                                                const quality::Dataset& dataset) {
  ai::ExtractStep kind(global.models_dir);
  std::vector<steps::ConfigError> errors;
  std::unique_ptr<steps::PreparedStep> step = kind.Prepare(
      "extract", Json{{"model", args.model}, {"document", "${{ steps.read.output }}"}}, &errors);
  if (step == nullptr) {
    std::string message = absl::StrCat("cannot use model ", args.model, ":");
    for (const steps::ConfigError& e : errors) {
      absl::StrAppend(&message, " ", e.message,
                      e.hint.empty() ? "" : absl::StrCat(" (", e.hint, ")"));
    }
    return absl::InvalidArgumentError(message);
  }
  std::vector<std::string> paths;
  for (const quality::LabelledDocument& doc : dataset.documents) paths.push_back(doc.path);
  DocumentCacheOptions cache;
  cache.dir = args.cache;
  cache.jobs = args.jobs;
  cache.read.ocr = args.ocr == "always"  ? ai::OcrMode::kAlways
                   : args.ocr == "never" ? ai::OcrMode::kNever
                                         : ai::OcrMode::kAuto;
  ProgressBar bar("reading", static_cast<int64_t>(paths.size()));
  auto documents = ReadDocuments(paths, cache, [&bar](int done, int) { bar.Update(done); });
  bar.Finish();

  std::vector<quality::DocumentResult> results;
  for (size_t i = 0; i < dataset.documents.size(); ++i) {
    const quality::LabelledDocument& labelled = dataset.documents[i];
    quality::DocumentResult result;
    result.id = labelled.id;
    if (!documents[i].ok()) {
      result.error = absl::StrCat("document.read: ", documents[i].status().message());
      results.push_back(std::move(result));
      continue;
    }
    Json params = {{"model", args.model}, {"document", documents[i]->ToJson()}};
    if (const char* order = ai::DateOrderName(labelled.date_order); *order) {
      params["date_order"] = order;
    }
    steps::StepContext ctx;
    ctx.run_id = "eval";
    ctx.step_id = "extract";
    ctx.params = &params;
    steps::StepOutcome outcome = step->Execute(ctx);
    if (outcome.kind != steps::StepOutcome::Kind::kCompleted) {
      result.error = absl::StrCat("extract: ", outcome.error);
    } else {
      for (const auto& [name, field] : outcome.output["fields"].items()) {
        quality::FieldResult value;
        if (field["normalized"].is_string())
          value.normalized = field["normalized"].get<std::string>();
        value.confidence = field.value("confidence", 0.0);
        result.fields[name] = value;
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

int RunEval(const EvalArgs& args, const GlobalOptions& global) {
  absl::StatusOr<quality::Dataset> dataset = quality::LoadDataset(args.data, args.format);
  if (!dataset.ok()) return Fail(dataset.status());
  std::optional<quality::Split> split = quality::ParseSplit(args.split);
  *dataset = quality::SelectSplit(*std::move(dataset), *split, args.test_share, args.split_seed);
  if (args.limit > 0 && static_cast<int>(dataset->documents.size()) > args.limit) {
    dataset->documents.resize(static_cast<size_t>(args.limit));
  }
  if (dataset->documents.empty()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("no documents of ", args.data, " are in the ", args.split,
                     " part (--test-share ", args.test_share, ")")));
  }
  for (const std::string& warning : dataset->warnings) {
    std::cerr << "flowline: warning: " << warning << "\n";
  }
  absl::StatusOr<std::vector<quality::DocumentResult>> results = ExtractAll(args, global, *dataset);
  if (!results.ok()) return Fail(results.status());
  // Score the fields the model extracts; the dataset's other labels are not its job.
  std::set<std::string> extracted;
  for (const quality::DocumentResult& result : *results) {
    for (const auto& [name, value] : result.fields) extracted.insert(name);
  }
  std::vector<std::string> not_extracted;
  if (!extracted.empty()) {
    std::vector<ai::FieldSpec> scored;
    for (ai::FieldSpec& field : dataset->fields) {
      if (extracted.count(field.name) > 0) {
        scored.push_back(std::move(field));
      } else {
        not_extracted.push_back(field.name);
      }
    }
    dataset->fields = std::move(scored);
  }
  quality::EvaluationOptions options;
  options.target_accuracy = args.target;
  quality::EvaluationReport report = quality::Evaluate(*dataset, *results, options);
  Json json = report.ToJson();
  json["model"] = args.model;
  json["split"] = {
      {"part", args.split}, {"test_share", args.test_share}, {"seed", args.split_seed}};
  json["warnings"] = dataset->warnings;
  json["labels_not_extracted"] = not_extracted;
  if (!args.out.empty()) {
    std::ofstream out(args.out);
    out << json.dump(2) << "\n";
    if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.out)));
  }
  if (args.json) {
    std::cout << json.dump(2) << "\n";
  } else {
    std::cout << "model " << args.model << " on " << args.data << " (" << dataset->format << ", "
              << args.split << " part)\n\n"
              << report.ToTable();
    if (!not_extracted.empty()) {
      std::cout << "not scored (labelled, but the model does not extract them): "
                << absl::StrJoin(not_extracted, ", ") << "\n";
    }
  }
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Measure an extraction model on a labelled dataset: per-field accuracy (exact after "
      "normalisation; token F1 for long text), coverage, confidence calibration (ECE) and the "
      "straight-through rate at a target accuracy. Reads each document once (cached).");
  cmd->add_option("--data", args->data,
                  "The dataset folder: labels.jsonl (flowline samples), or a public set's own "
                  "layout (sroie, fcc, invoice2data, zugferd)")
      ->required();
  cmd->add_option("--format", args->format, "auto, flowline, sroie, fcc, invoice2data or zugferd")
      ->check(CLI::IsMember({"auto", "flowline", "sroie", "fcc", "invoice2data", "zugferd"}));
  cmd->add_option("--model", args->model,
                  "The extract model: a name under --models, or a path holding a '/'")
      ->required();
  cmd->add_option("--split", args->split,
                  "Which documents: all, or the train/test part of a deterministic split by "
                  "document id (the same as `flowline train extract --split`)")
      ->check(CLI::IsMember({"all", "train", "test"}));
  cmd->add_option("--test-share", args->test_share, "The test part's share of the documents")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--split-seed", args->split_seed, "The split's seed");
  cmd->add_option("--target", args->target,
                  "The accuracy auto-accepted fields must reach, for the straight-through rate")
      ->check(CLI::Range(0.5, 1.0));
  cmd->add_option("--cache", args->cache, "Where read documents are cached (empty: no cache)");
  cmd->add_option("--ocr", args->ocr, "auto (pages without text), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--jobs", args->jobs, "Documents read at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--limit", args->limit, "Evaluate at most this many documents")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_option("--out", args->out, "Also write the JSON report to this file");
  cmd->callback([args, &global, &exit_code] { exit_code = RunEval(*args, global); });
}

}  // namespace flowline::cli
