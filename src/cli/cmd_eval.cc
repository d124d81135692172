// flowline eval: how well an extraction model (or a workflow's extract step) does on a labelled
// dataset: per-field accuracy, coverage, calibration and the straight-through rate.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ai/ai_step_kinds.h"
#include "ai/extract/extract_step.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/document_cache.h"
#include "cli/extract_results.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/workflow_runs.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/temp_dir.h"
#include "lifecycle/version_ref.h"
#include "lifecycle/workflow_evaluation.h"
#include "monitor/prices.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::cli {
namespace {

struct EvalArgs {
  std::string data;
  std::string format = "auto";
  std::string model;
  std::string workflow;
  std::string step;
  int workers = 2;
  std::string split = "all";
  double test_share = 0.5;
  double validation_share = 0.0;  // none: train is everything outside test
  uint64_t split_seed = 1;
  double target = 0.98;
  std::string cache = DefaultCacheDir();
  std::string ocr = "auto";
  std::string text = "read";
  int jobs = 0;
  int limit = 0;
  bool json = false;
  std::string out;
  std::string prices;
};

// Runs the extract step (its Prepare and Execute, as a workflow would) on every document.
absl::StatusOr<std::vector<quality::DocumentResult>> ExtractAll(const EvalArgs& args,
                                                                const GlobalOptions& global,
                                                                const quality::Dataset& dataset) {
  ModelRunOptions run;
  run.models_dir = global.models_dir;
  run.model = args.model;
  run.cache = args.cache;
  run.jobs = args.jobs;
  run.ocr = args.ocr;
  run.text = ParseTextSource(args.text).value_or(TextSource::kRead);
  return ExtractWithModel(run, dataset);
}

// The spec to evaluate: a file, or a deployed version (NAME or NAME@VERSION) in the store.
struct SpecToEvaluate {
  std::string text;
  std::string source;
};

absl::StatusOr<SpecToEvaluate> FindSpec(const std::string& workflow, const GlobalOptions& global) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(workflow, ec)) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(workflow));
    return SpecToEvaluate{std::move(text), workflow};
  }
  if (absl::EndsWith(workflow, ".yaml") || absl::EndsWith(workflow, ".yml")) {
    return absl::NotFoundError(absl::StrCat("cannot read ", workflow, ": no such file"));
  }
  ASSIGN_OR_RETURN(std::unique_ptr<App> app, App::Open(global));
  ASSIGN_OR_RETURN(store::VersionInfo version, lifecycle::ResolveVersion(app->store(), workflow));
  return SpecToEvaluate{std::move(version.spec_source),
                        absl::StrCat(version.workflow, "@", version.version.substr(0, 12))};
}

// Runs the workflow (side effects suppressed, in a scratch store) on every document.
absl::StatusOr<lifecycle::WorkflowEvaluation> RunWorkflow(const EvalArgs& args,
                                                          const GlobalOptions& global,
                                                          const quality::Dataset& dataset) {
  ASSIGN_OR_RETURN(SpecToEvaluate spec, FindSpec(args.workflow, global));
  ASSIGN_OR_RETURN(std::optional<monitor::PriceTable> prices,
                   monitor::PriceTable::LoadIfGiven(args.prices));
  lifecycle::WorkflowEvaluationOptions options;
  options.workers = args.workers;
  options.step = args.step;
  options.prices = prices ? &*prices : nullptr;
  return EvaluateSpec(global, spec.text, spec.source, dataset, options, /*progress=*/true);
}

int RunEval(const EvalArgs& args, const GlobalOptions& global) {
  if (args.model.empty() == args.workflow.empty()) {
    return Fail(absl::InvalidArgumentError(
        "give exactly one of --model (evaluate an extract model) and --workflow (run a workflow "
        "on every document and score its extract step)"));
  }
  if (args.text == "given" && !args.workflow.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--text given needs --model: a workflow reads its documents with its own document.read "
        "step"));
  }
  absl::StatusOr<quality::Dataset> dataset = quality::LoadDataset(args.data, args.format);
  if (!dataset.ok()) return Fail(dataset.status());
  std::optional<quality::Split> split = quality::ParseSplit(args.split);
  dataset = quality::SelectSplit(*std::move(dataset), *split, args.validation_share,
                                 args.test_share, args.split_seed);
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
  lifecycle::WorkflowEvaluation workflow;
  absl::StatusOr<std::vector<quality::DocumentResult>> results;
  if (args.workflow.empty()) {
    results = ExtractAll(args, global, *dataset);
  } else {
    absl::StatusOr<lifecycle::WorkflowEvaluation> evaluated = RunWorkflow(args, global, *dataset);
    if (!evaluated.ok()) return Fail(evaluated.status());
    workflow = *std::move(evaluated);
    results = std::move(workflow.results);
  }
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
  if (args.workflow.empty()) {
    json["model"] = args.model;
  } else {
    Json reasons = Json::object();
    for (const quality::DocumentResult& result : *results) {
      for (const std::string& reason : result.reasons) {
        reasons[reason] = reasons.value(reason, 0) + 1;
      }
    }
    json["workflow"] = {{"spec", args.workflow},
                        {"workflow", workflow.workflow},
                        {"version", workflow.version},
                        {"step", workflow.step},
                        {"dry_run", true},
                        {"straight_through", workflow.straight_through},
                        {"waiting_for_a_person", workflow.waiting},
                        {"failed", workflow.failed},
                        {"reasons", reasons}};
  }
  const TextSource text = ParseTextSource(args.text).value_or(TextSource::kRead);
  json["text"] = {{"source", TextSourceName(text)}, {"description", TextSourceDescription(text)}};
  json["split"] = {{"part", args.split},
                   {"validation_share", args.validation_share},
                   {"test_share", args.test_share},
                   {"seed", args.split_seed}};
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
    std::cout << (args.workflow.empty()
                      ? absl::StrCat("model ", args.model)
                      : absl::StrCat("workflow ", args.workflow, ", step ", workflow.step))
              << " on " << args.data << " (" << dataset->format << ", " << args.split
              << " part)\ntext " << TextSourceDescription(text) << "\n\n"
              << report.ToTable();
    if (!args.workflow.empty()) {
      std::cout << absl::StrFormat(
          "workflow (dry run: steps that write outside flowline skipped): %d straight through, "
          "%d waiting for a person, %d failed\n",
          workflow.straight_through, workflow.waiting, workflow.failed);
      for (const auto& [reason, count] : json["workflow"]["reasons"].items()) {
        std::cout << absl::StrFormat("  %5d  %s\n", count.get<int>(), reason);
      }
    }
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
      "Measure an extraction model, or a workflow's extract step, on a labelled dataset: per-field "
      "accuracy (exact after "
      "normalisation; token F1 for long text), coverage, confidence calibration (ECE) and the "
      "straight-through rate at a target accuracy. Reads each document once (cached).");
  cmd->add_option("--data", args->data,
                  "The dataset folder: labels.jsonl (flowline samples), or a public set's own "
                  "layout (sroie, fcc, invoice2data, zugferd)")
      ->required();
  cmd->add_option("--format", args->format, "auto, flowline, sroie, fcc, invoice2data or zugferd")
      ->check(CLI::IsMember({"auto", "flowline", "sroie", "fcc", "invoice2data", "zugferd"}));
  cmd->add_option("--model", args->model,
                  "The extract model: a name under --models, or a path holding a '/'");
  cmd->add_option("--workflow", args->workflow,
                  "Instead of --model: the workflow to run on every document — a spec file, or a "
                  "deployed version: NAME (the live one) or NAME@VERSION (a hash or its start) — "
                  "in a scratch store with side effects suppressed (steps that write outside "
                  "flowline, such as sql and http, do not write), scoring its extract step");
  cmd->add_option("--step", args->step,
                  "With --workflow: the step whose fields are scored (default: its extract step)");
  cmd->add_option("--workers", args->workers, "With --workflow: threads executing steps")
      ->check(CLI::Range(1, 64));
  cmd->add_option(
         "--split", args->split,
         "Which documents: all, or the train/validation/test part of a deterministic split by "
         "document id (the same as `flowline train extract --split`)")
      ->check(CLI::IsMember({"all", "train", "validation", "test"}));
  cmd->add_option("--test-share", args->test_share, "The test part's share of the documents")
      ->check(CLI::Range(0.01, 0.99));
  cmd->add_option("--validation-share", args->validation_share,
                  "The validation part's share of the documents (default 0: none), taken from "
                  "what is not test, so the test part does not change with it")
      ->check(CLI::Range(0.0, 0.98));
  cmd->add_option("--split-seed", args->split_seed, "The split's seed");
  cmd->add_option("--target", args->target,
                  "The accuracy auto-accepted fields must reach, for the straight-through rate")
      ->check(CLI::Range(0.5, 1.0));
  cmd->add_option("--cache", args->cache, "Where read documents are cached (empty: no cache)");
  cmd->add_option("--ocr", args->ocr, "auto (pages without text), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--text", args->text,
                  "Where each document's text comes from: read (default; end to end, as "
                  "document.read: text layer, else OCR) or given (the set's own transcripts, "
                  "no OCR: SROIE box/NNN.csv, the competition's protocol). The report says which")
      ->check(CLI::IsMember({"read", "given"}));
  cmd->add_option("--jobs", args->jobs, "Documents read at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--limit", args->limit, "Evaluate at most this many documents")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  AddPricesOption(*cmd, args->prices);
  cmd->add_option("--out", args->out, "Also write the JSON report to this file");
  cmd->callback([args, &global, &exit_code] { exit_code = RunEval(*args, global); });
}

}  // namespace flowline::cli
