// flowline eval: how well an extraction model (or a workflow's extract step) does on a labelled
// dataset: per-field accuracy, coverage, calibration and the straight-through rate.
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "ai/ai_step_kinds.h"
#include "ai/extract/extract_step.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/document_cache.h"
#include "cli/extract_results.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
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

// What the runs of a workflow evaluation came to.
struct WorkflowOutcomes {
  std::string step;          // the extract step scored
  int straight_through = 0;  // completed, no person involved
  int waiting = 0;           // waiting for a person
  int failed = 0;
  std::map<std::string, int> reasons;  // why they wait (the review steps' reasons)
};

// Runs the workflow (a dry run, in a scratch store) on every document and scores its extract
// step's output.
absl::StatusOr<std::vector<quality::DocumentResult>> RunWorkflow(const EvalArgs& args,
                                                                 const GlobalOptions& global,
                                                                 const quality::Dataset& dataset,
                                                                 WorkflowOutcomes& outcomes) {
  absl::StatusOr<std::string> text = ReadFile(args.workflow);
  if (!text.ok()) return text.status();
  common::TempDir scratch;
  GlobalOptions scratch_options = global;
  scratch_options.store_path = scratch.path() + "/eval.db";
  ASSIGN_OR_RETURN(std::unique_ptr<App> app, App::Open(scratch_options));
  RETURN_IF_ERROR(app->LockForExecution());
  engine::EngineOptions options;
  options.workers = args.workers;
  options.dry_run = true;
  options.recover_leases_on_start = true;
  std::unique_ptr<engine::Engine> engine = app->NewEngine(std::move(options));
  ASSIGN_OR_RETURN(engine::DeployResult deployed, engine->Deploy(*text, args.workflow));
  ASSIGN_OR_RETURN(std::shared_ptr<const engine::Plan> plan,
                   engine->GetPlan(deployed.workflow, deployed.version));
  outcomes.step = args.step;
  for (const engine::PlannedStep& step : plan->steps()) {
    if (outcomes.step.empty() && step.kind->Info().name == "extract") outcomes.step = step.spec->id;
  }
  if (outcomes.step.empty() || plan->Find(outcomes.step) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(args.workflow,
                     outcomes.step.empty() ? " has no extract step"
                                           : absl::StrCat(" has no step '", outcomes.step, "'"),
                     ": name the step whose fields to score with --step"));
  }
  RETURN_IF_ERROR(engine->Start());
  std::vector<std::string> run_ids;
  for (const quality::LabelledDocument& doc : dataset.documents) {
    ASSIGN_OR_RETURN(std::vector<RunInput> input, LoadInputs(doc.path));
    ASSIGN_OR_RETURN(engine::StartRunResult started,
                     engine->StartRun({deployed.workflow, input.at(0).input, ""}));
    run_ids.push_back(started.run_id);
  }
  // Wait until every run has finished or waits for a person.
  ProgressBar bar("runs", static_cast<int64_t>(run_ids.size()));
  std::vector<std::optional<store::RunDetail>> settled(run_ids.size());
  for (size_t done = 0; done < run_ids.size();) {
    done = 0;
    for (size_t i = 0; i < run_ids.size(); ++i) {
      if (settled[i]) {
        ++done;
        continue;
      }
      absl::StatusOr<store::RunDetail> detail = engine->store().GetRunDetail(run_ids[i]);
      if (!detail.ok()) return detail.status();
      bool finished = detail->run.status != store::RunStatus::kRunning;
      bool moving = false, person = false;
      for (const store::StepState& step : detail->steps) {
        if (step.status == store::StepStatus::kWaiting && !step.task_id.empty()) person = true;
        if (step.status == store::StepStatus::kReady ||
            step.status == store::StepStatus::kRunning ||
            (step.status == store::StepStatus::kWaiting && step.task_id.empty())) {
          moving = true;
        }
      }
      if (finished || (person && !moving)) {
        settled[i] = *std::move(detail);
        ++done;
      }
    }
    bar.Update(static_cast<int64_t>(done));
    if (done < run_ids.size()) absl::SleepFor(absl::Milliseconds(100));
  }
  bar.Finish();
  engine->Stop();

  std::vector<quality::DocumentResult> results;
  for (size_t i = 0; i < run_ids.size(); ++i) {
    const store::RunDetail& detail = *settled[i];
    quality::DocumentResult result;
    result.id = dataset.documents[i].id;
    bool person = false;
    for (const store::StepState& step : detail.steps) {
      person |= !step.task_id.empty();
      if (step.step_id != outcomes.step) continue;
      if (step.status == store::StepStatus::kCompleted) {
        absl::StatusOr<Json> output = common::ParseJson(step.output_json, "step output");
        if (output.ok() && output->contains("fields")) {
          for (const auto& [name, field] : (*output)["fields"].items()) {
            quality::FieldResult value;
            if (field["normalized"].is_string()) value.normalized = field["normalized"];
            value.confidence = field.value("confidence", 0.0);
            result.fields[name] = value;
          }
          result.line_items = quality::LineItemRowsOf(*output);
        }
      } else {
        result.error = step.status == store::StepStatus::kSkipped
                           ? absl::StrCat("step ", outcomes.step, " was skipped")
                           : absl::StrCat("step ", outcomes.step, ": ",
                                          step.error.empty() ? detail.run.error : step.error);
      }
    }
    if (detail.run.status == store::RunStatus::kCompleted && !person) {
      ++outcomes.straight_through;
    } else if (detail.run.status == store::RunStatus::kRunning) {
      ++outcomes.waiting;
      store::TaskFilter filter;
      filter.run_id = run_ids[i];
      absl::StatusOr<std::vector<store::Task>> tasks = engine->store().ListTasks(filter);
      if (tasks.ok()) {
        for (const store::Task& task : *tasks) {
          absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "task payload");
          if (!payload.ok()) continue;
          for (const Json& reason : payload->value("reasons", Json::array())) {
            if (reason.is_string()) ++outcomes.reasons[reason.get<std::string>()];
          }
        }
      }
    } else if (detail.run.status == store::RunStatus::kFailed) {
      ++outcomes.failed;
    }
    results.push_back(std::move(result));
  }
  return results;
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
  WorkflowOutcomes workflow;
  absl::StatusOr<std::vector<quality::DocumentResult>> results =
      args.workflow.empty() ? ExtractAll(args, global, *dataset)
                            : RunWorkflow(args, global, *dataset, workflow);
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
    for (const auto& [reason, count] : workflow.reasons) reasons[reason] = count;
    json["workflow"] = {{"spec", args.workflow},
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
      for (const auto& [reason, count] : workflow.reasons) {
        std::cout << absl::StrFormat("  %5d  %s\n", count, reason);
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
                  "Instead of --model: a workflow spec to run on every document (a dry run in a "
                  "scratch store: steps that write outside flowline, such as sql and http, are "
                  "skipped), scoring its extract step")
      ->check(CLI::ExistingFile);
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
  cmd->add_option("--out", args->out, "Also write the JSON report to this file");
  cmd->callback([args, &global, &exit_code] { exit_code = RunEval(*args, global); });
}

}  // namespace flowline::cli
