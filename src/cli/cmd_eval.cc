// flowline eval: how well an extraction model (or a workflow's extract step) does on a labelled
// dataset: per-field accuracy, coverage, calibration and the straight-through rate.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "ai/ai_step_kinds.h"
#include "ai/extract/extract_step.h"
#include "ai/extract/trainer.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/cross_validation.h"
#include "cli/document_cache.h"
#include "cli/eval_stored.h"
#include "cli/extract_results.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/workflow_runs.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/temp_dir.h"
#include "lifecycle/gate_check.h"
#include "lifecycle/stored_evaluation.h"
#include "lifecycle/version_evaluation.h"
#include "lifecycle/version_ref.h"
#include "lifecycle/workflow_evaluation.h"
#include "monitor/prices.h"
#include "quality/dataset.h"
#include "quality/dataset_store.h"
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
  std::string dataset;  // a stored dataset, NAME[@VERSION]
  bool save = false;
  bool gate = false;
  std::string by;
  std::string html;
  // Cross-validation (--folds K >= 2; 0: none): the models are trained here, with these.
  int folds = 0;
  std::string fields;
  std::vector<std::string> extra_data;
  ai::TrainOptions train;
  std::string keep_models;
  std::set<std::string> given;  // the options given on the command line, e.g. "--split"
};

// The options that only train (cross-validation's models) and those that choose one part.
constexpr const char* kTrainOptions[] = {"--fields",          "--extra-data", "--rounds",
                                         "--max-depth",       "--eta",        "--seed",
                                         "--cross-fit-folds", "--keep-models"};
constexpr const char* kSplitOptions[] = {"--split", "--test-share", "--validation-share"};

// What --folds cannot be combined with (the first found), or "".
std::string FoldsConflict(const EvalArgs& args) {
  if (args.folds == 0) {
    for (const char* option : kTrainOptions) {
      if (args.given.count(option) > 0) {
        return absl::StrCat(option,
                            " trains the cross-validation's models: it needs --folds K (with "
                            "--model or --workflow nothing is trained)");
      }
    }
    return "";
  }
  if (!args.model.empty() || !args.workflow.empty()) {
    return "--folds trains a model per fold and evaluates it on the held-out fold: give it "
           "without --model and --workflow (to evaluate one model, drop --folds)";
  }
  for (const char* option : kSplitOptions) {
    if (args.given.count(option) > 0) {
      return absl::StrCat("--folds uses every document (each held out once): ", option,
                          " cannot be combined with it");
    }
  }
  if (args.gate || args.save) {
    return "--folds evaluates no single model or workflow version: --gate and --save need "
           "--workflow";
  }
  return "";
}

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

std::string Creator(const std::string& by) {
  if (!by.empty()) return by;
  const char* user = std::getenv("USER");
  return user != nullptr && *user ? user : "cli";
}

// The labelled cases: a stored dataset (--dataset) or a folder (--data), in the split asked for.
absl::StatusOr<quality::Dataset> LoadCases(const EvalArgs& args, App* app) {
  std::optional<quality::Split> split = quality::ParseSplit(args.split);
  if (!args.dataset.empty()) {
    ASSIGN_OR_RETURN(quality::DatasetRef ref, quality::ParseDatasetRef(args.dataset));
    return quality::LoadStoredDataset(app->store(), app->artifacts(), ref.name, ref.version,
                                      *split);
  }
  ASSIGN_OR_RETURN(quality::Dataset dataset, quality::LoadDataset(args.data, args.format));
  return quality::SelectSplit(std::move(dataset), *split, args.validation_share, args.test_share,
                              args.split_seed);
}

// `flowline eval --gate`: the spec's release gate against the live version (exit 1 on failure).
int RunGate(const EvalArgs& args, const GlobalOptions& global) {
  if (args.workflow.empty()) {
    Fail(absl::InvalidArgumentError(
        "--gate needs --workflow: the candidate spec file, or a deployed NAME@VERSION"));
    return 2;
  }
  absl::StatusOr<WorkflowSpecText> spec = FindWorkflowSpec(args.workflow, global);
  if (!spec.ok()) return Fail(spec.status());
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<std::optional<monitor::PriceTable>> prices = LoadPriceTable(args.prices, global);
  if (!prices.ok()) return Fail(prices.status());
  ProgramEnvironment environment(global);
  lifecycle::GateCheckOptions options;
  options.workers = args.workers;
  options.step = args.step;
  options.prices = *prices ? &**prices : nullptr;
  options.created_by = Creator(args.by);
  options.progress = [](const std::string& what) { std::cerr << what << "\n"; };
  absl::StatusOr<lifecycle::GateCheck> check = lifecycle::CheckReleaseGate(
      environment.env, (*app)->store(), (*app)->artifacts(), spec->text, spec->source, options);
  if (absl::IsFailedPrecondition(check.status())) {
    Fail(check.status());
    return 2;
  }
  if (!check.ok()) return Fail(check.status());
  if (args.json) {
    std::cout << check->ToJson().dump(2) << "\n";
  } else {
    std::cout << check->ToTable();
  }
  return check->result.passed ? 0 : 1;
}

int RunEval(const EvalArgs& args, const GlobalOptions& global) {
  if (args.gate && args.folds == 0) return RunGate(args, global);
  if (const std::string conflict = FoldsConflict(args); !conflict.empty()) {
    return Fail(absl::InvalidArgumentError(conflict));
  }
  if (args.folds == 0 && args.model.empty() == args.workflow.empty()) {
    return Fail(absl::InvalidArgumentError(
        "give exactly one of --model (evaluate an extract model) and --workflow (run a workflow "
        "on every document and score its extract step), or --folds K (train and evaluate a "
        "model per fold: cross-validation)"));
  }
  if (args.data.empty() == args.dataset.empty()) {
    return Fail(absl::InvalidArgumentError(
        "give exactly one of --data (a dataset folder) and --dataset (a stored dataset, "
        "NAME[@VERSION]; `flowline dataset list` lists them)"));
  }
  if (args.text == "given" && !args.workflow.empty()) {
    return Fail(absl::InvalidArgumentError(
        "--text given needs --model: a workflow reads its documents with its own document.read "
        "step"));
  }
  // The store: for a stored dataset, a deployed version, and saving.
  std::unique_ptr<App> app;
  if (!args.dataset.empty() || args.save) {
    absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
    if (!opened.ok()) return Fail(opened.status());
    app = *std::move(opened);
  }
  absl::StatusOr<quality::Dataset> dataset = LoadCases(args, app.get());
  if (!dataset.ok()) return Fail(dataset.status());
  if (args.limit > 0 && static_cast<int>(dataset->documents.size()) > args.limit) {
    dataset->documents.resize(static_cast<size_t>(args.limit));
  }
  const std::string data_name = args.dataset.empty() ? args.data : args.dataset;
  if (dataset->documents.empty()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("no documents of ", data_name, " are in the ", args.split, " part")));
  }
  for (const std::string& warning : dataset->warnings) {
    std::cerr << "flowline: warning: " << warning << "\n";
  }
  lifecycle::EvaluationSubject subject;
  lifecycle::SetDatasetOf(*dataset, args.split, subject);
  lifecycle::ScoredEvaluation scored;
  lifecycle::WorkflowEvaluation workflow;
  bool deployed = false;
  quality::EvaluationOptions scoring;
  scoring.target_accuracy = args.target;
  std::optional<CrossValidation> cv;
  CrossValidationOptions cv_options;
  if (args.folds != 0) {
    cv_options.folds = args.folds;
    cv_options.seed = args.split_seed;
    cv_options.fields = args.fields;
    cv_options.extra_data = args.extra_data;
    cv_options.train = args.train;
    cv_options.run.models_dir = global.models_dir;
    cv_options.run.cache = args.cache;
    cv_options.run.jobs = args.jobs;
    cv_options.run.ocr = args.ocr;
    cv_options.run.text = ParseTextSource(args.text).value_or(TextSource::kRead);
    cv_options.models_dir = args.keep_models;
    cv_options.scoring = scoring;
    cv_options.progress = [](const std::string& line) { std::cerr << line << "\n"; };
    absl::StatusOr<CrossValidation> done = CrossValidate(*dataset, cv_options);
    if (!done.ok()) return Fail(done.status());
    cv = *std::move(done);
    scored = lifecycle::ScoreResults(*dataset, cv->results, scoring);
    scored.json["model"] = absl::StrCat("cross-validation: ", args.folds, " fold models");
    scored.json["cross_validation"] = cv->ToJson(cv_options);
    subject.workflow = "cross-validation";
  } else if (args.workflow.empty()) {
    absl::StatusOr<std::vector<quality::DocumentResult>> results =
        ExtractAll(args, global, *dataset);
    if (!results.ok()) return Fail(results.status());
    scored = lifecycle::ScoreResults(*dataset, *results, scoring);
    scored.json["model"] = args.model;
    subject.workflow = absl::StrCat("model:", args.model);
  } else {
    absl::StatusOr<WorkflowSpecText> spec = FindWorkflowSpec(args.workflow, global);
    if (!spec.ok()) return Fail(spec.status());
    deployed = spec->deployed;
    absl::StatusOr<std::optional<monitor::PriceTable>> prices = LoadPriceTable(args.prices, global);
    if (!prices.ok()) return Fail(prices.status());
    ProgramEnvironment environment(global);
    lifecycle::WorkflowEvaluationOptions options;
    options.workers = args.workers;
    options.step = args.step;
    options.prices = *prices ? &**prices : nullptr;
    ProgressBar bar("runs", static_cast<int64_t>(dataset->documents.size()));
    options.progress = [&bar](int done, int) { bar.Update(done); };
    absl::StatusOr<lifecycle::VersionEvaluation> evaluated = lifecycle::EvaluateVersion(
        environment.env, spec->text, spec->source, *dataset, options, args.target);
    bar.Finish();
    if (!evaluated.ok()) return Fail(evaluated.status());
    workflow = std::move(evaluated->runs);
    scored = std::move(evaluated->scored);
    subject.workflow = workflow.workflow;
    subject.version = workflow.version;
  }
  const std::vector<std::string>& not_extracted = scored.not_extracted;
  const quality::EvaluationReport& report = scored.report;
  Json& json = scored.json;
  const TextSource text = ParseTextSource(args.text).value_or(TextSource::kRead);
  json["text"] = {{"source", TextSourceName(text)}, {"description", TextSourceDescription(text)}};
  if (cv) {
    json["split"] = {{"part", "cross-validation"}, {"folds", cv->folds}, {"seed", cv->seed}};
  } else {
    json["split"] = {{"part", args.split},
                     {"validation_share", args.validation_share},
                     {"test_share", args.test_share},
                     {"seed", args.split_seed}};
  }
  json["subject"] = {{"workflow", subject.workflow},
                     {"version", subject.version},
                     {"dataset", subject.dataset},
                     {"dataset_version", subject.dataset_version},
                     {"split", subject.split}};
  // A deployed version on a stored dataset is always kept; anything else with --save.
  std::string saved_id;
  if (args.save || (deployed && subject.dataset_version > 0)) {
    if (app == nullptr) {
      absl::StatusOr<std::unique_ptr<App>> opened = App::Open(global);
      if (!opened.ok()) return Fail(opened.status());
      app = *std::move(opened);
    }
    absl::StatusOr<store::EvaluationRow> saved = lifecycle::SaveEvaluation(
        app->store(), subject, json, scored.summary, Creator(args.by), app->clock(), app->random());
    if (!saved.ok()) return Fail(saved.status());
    saved_id = saved->evaluation_id;
    json["evaluation_id"] = saved_id;
  }
  if (!args.html.empty()) {
    absl::Status written = WriteEvaluationHtml(json, args.html);
    if (!written.ok()) return Fail(written);
  }
  if (!args.out.empty()) {
    std::ofstream out(args.out);
    out << json.dump(2) << "\n";
    if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.out)));
  }
  if (args.json) {
    std::cout << json.dump(2) << "\n";
  } else {
    if (cv) {
      std::cout << "cross-validation on " << data_name << " (" << dataset->format
                << ", every document held out once)\ntext " << TextSourceDescription(text) << "\n"
                << cv->ToTable() << "\npooled held-out predictions of the " << cv->folds
                << " fold models:\n"
                << report.ToTable();
    } else {
      std::cout << (args.workflow.empty()
                        ? absl::StrCat("model ", args.model)
                        : absl::StrCat("workflow ", args.workflow, ", step ", workflow.step))
                << " on " << data_name << " (" << dataset->format << ", " << args.split
                << " part)\ntext " << TextSourceDescription(text) << "\n\n"
                << report.ToTable();
    }
    if (!args.workflow.empty()) {
      std::cout << absl::StrFormat(
          "workflow (evaluation runs: steps that write outside flowline suppressed): %d "
          "straight through, %d waiting for a person, %d failed\n",
          workflow.straight_through, workflow.waiting, workflow.failed);
      for (const auto& [reason, count] : json["workflow"]["reasons"].items()) {
        std::cout << absl::StrFormat("  %5d  %s\n", count.get<int>(), reason);
      }
    }
    if (!not_extracted.empty()) {
      std::cout << "not scored (labelled, but the model does not extract them): "
                << absl::StrJoin(not_extracted, ", ") << "\n";
    }
    if (!saved_id.empty()) {
      std::cout << "stored as evaluation " << saved_id << " (flowline eval show " << saved_id
                << ")\n";
    }
  }
  return 0;
}

}  // namespace

void AddEvalCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Measure a workflow version (or a bare extraction model) on a labelled dataset: per-field "
      "accuracy (exact after normalisation; token F1 for long text), coverage, optional fields' "
      "precision and recall, the classifier's confusion matrix, calibration (reliability bins, "
      "ECE), the straight-through vs accuracy curve and the rate at a target accuracy, slices, "
      "time and cost per case, and the failed fields with their evidence (docs/evaluation.md). "
      "Evaluations are kept in the store (eval list | show | compare); --gate checks the spec's "
      "release gate against the live version (for CI).");
  cmd->add_option("--data", args->data,
                  "The dataset folder: labels.jsonl (flowline samples), or a public set's own "
                  "layout (sroie, fcc, invoice2data, zugferd); or a JSONL or CSV file of cases "
                  "(docs/datasets.md)");
  cmd->add_option("--dataset", args->dataset,
                  "Instead of --data: a stored dataset, NAME or NAME@VERSION (docs/datasets.md); "
                  "its own split shares and seed decide --split");
  cmd->add_option("--format", args->format, "auto, flowline, sroie, fcc, invoice2data or zugferd")
      ->check(CLI::IsMember({"auto", "flowline", "sroie", "fcc", "invoice2data", "zugferd"}));
  cmd->add_option("--model", args->model,
                  "The extract model: a name under --models, or a path holding a '/'");
  cmd->add_option("--workflow", args->workflow,
                  "Instead of --model: the workflow to run on every document — a spec file, or a "
                  "deployed version: NAME (the live one) or NAME@VERSION (a hash or its start) — "
                  "in a scratch store with side effects suppressed (steps that write outside "
                  "flowline, such as sql and http, do not write), scoring its fields step");
  cmd->add_option(
      "--step", args->step,
      "With --workflow: the step whose fields are scored (default: the gate's fields_step, "
      "else the first extract step, else the first llm step)");
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
  cmd->add_option("--html", args->html,
                  "Also write the report as a self-contained HTML page with its plots");
  cmd->add_flag("--save", args->save,
                "Keep the evaluation in the store (an evaluation of a deployed version on a "
                "stored dataset is always kept); `flowline eval list` shows them");
  cmd->add_option("--by", args->by, "Who the stored evaluation is by (default: $USER)");
  cmd->add_flag("--gate", args->gate,
                "Check the workflow's release gate (its spec's `release: gate`): evaluate "
                "--workflow (a spec file or NAME@VERSION) and the live version on the gate's "
                "dataset, print the gated measures, and exit 1 when one is worse than live "
                "beyond its margin (0 when all pass, 2 for usage errors) — for CI");
  cmd->add_option("--folds", args->folds,
                  "Cross-validation instead of --model/--workflow: cut the documents into K folds "
                  "by id (--split-seed), train an extract model on K-1 of them (as `flowline "
                  "train extract`, with --fields, --extra-data, --text and the ranker's options) "
                  "and run it on the held-out one, K times; one report pools every document's "
                  "held-out prediction, with a per-fold summary (docs/evaluation.md)");
  cmd->add_option("--fields", args->fields,
                  "With --folds: the fields to train, a FIELDS file or name:type,... (as `train "
                  "extract --fields`; default: the dataset's fields)");
  cmd->add_option("--extra-data", args->extra_data,
                  "With --folds: more labelled folders every fold's model is trained on, whole "
                  "(e.g. generated samples with the same field names; repeatable)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--rounds", args->train.ranker.rounds, "With --folds: boosting rounds (1-5000)")
      ->check(CLI::Range(1, 5000));
  cmd->add_option("--max-depth", args->train.ranker.max_depth, "With --folds: tree depth (1-16)")
      ->check(CLI::Range(1, 16));
  cmd->add_option("--eta", args->train.ranker.eta, "With --folds: learning rate (0-1]")
      ->check(CLI::Range(1e-6, 1.0));
  cmd->add_option("--seed", args->train.ranker.seed, "With --folds: XGBoost seed");
  cmd->add_option("--cross-fit-folds", args->train.folds,
                  "With --folds: each fold model's own cross-fitting folds for its calibration "
                  "(2-20; `train extract --folds`)")
      ->check(CLI::Range(2, 20));
  cmd->add_option("--keep-models", args->keep_models,
                  "With --folds: keep the fold models in DIR/fold-1 ... DIR/fold-K (default: a "
                  "temporary folder, removed)");
  AddStoredEvalCommands(*cmd, global, exit_code);
  cmd->callback([args, cmd, &global, &exit_code] {
    for (const char* name : kTrainOptions) {
      if (cmd->count(name) > 0) args->given.insert(name);
    }
    for (const char* name : kSplitOptions) {
      if (cmd->count(name) > 0) args->given.insert(name);
    }
    if (cmd->get_subcommands().empty()) exit_code = RunEval(*args, global);
  });
}

}  // namespace flowline::cli
