// flowline tune: per-field confidence thresholds for a workflow's exception policy, chosen on a
// labelled dataset's validation part and measured on its test part (quality/thresholds.h), and
// written into a new version of the spec.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/app.h"
#include "cli/commands.h"
#include "cli/dataset_shard.h"
#include "cli/dataset_source.h"
#include "cli/extract_results.h"
#include "cli/inputs.h"
#include "cli/workflow_runs.h"
#include "common/status_macros.h"
#include "engine/engine.h"
#include "engine/spec.h"
#include "engine/spec_edit.h"
#include "monitor/wilson.h"
#include "quality/dataset.h"
#include "quality/thresholds.h"

namespace flowline::cli {
namespace {

struct TuneArgs {
  std::string model;
  std::string workflow;
  std::string step;
  DatasetSource source;  // --data or --dataset; a folder's split 0.2 / 0.2, seed 1
  std::string fields;
  double target = 0.99;
  int min_accepted = 5;
  bool no_joint = false;
  std::string cache = DefaultCacheDir();
  std::string ocr = "auto";
  std::string text = "read";
  int jobs = 0;
  int workers = 2;
  std::string review_split;
  std::string review_shard;
  std::string routed_out;
  std::string spec_out;
  bool deploy = false;
  bool json = false;
  std::string out;
  bool quiet = false;
};

// What is tuned: the model, and with --workflow the spec and its extract step.
struct Subject {
  std::string model;
  std::string spec_text;  // "" without --workflow
  std::string step;
  std::vector<engine::ThresholdLine> policy;  // the spec's thresholds, in order
};

absl::StatusOr<Subject> FindSubject(const TuneArgs& args) {
  Subject subject;
  subject.model = args.model;
  if (args.workflow.empty()) {
    if (subject.model.empty()) {
      return absl::InvalidArgumentError(
          "give --workflow (a spec whose extract step's model is tuned and whose thresholds are "
          "written) or --model (an extract model: thresholds reported only)");
    }
    return subject;
  }
  ASSIGN_OR_RETURN(subject.spec_text, ReadFile(args.workflow));
  if (args.step.empty()) {
    // The extract step, else an llm step (its fields carry confidences too, docs/llm.md).
    absl::StatusOr<std::string> step = engine::FirstStepUsing(subject.spec_text, "extract");
    if (!step.ok()) step = engine::FirstStepUsing(subject.spec_text, "llm");
    if (!step.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(args.workflow,
                       " has no extract or llm step: name the step whose fields to tune with "
                       "--step"));
    }
    subject.step = *step;
  } else {
    subject.step = args.step;
  }
  if (subject.model.empty()) {
    absl::StatusOr<std::string> model = engine::StepParam(subject.spec_text, subject.step, "model");
    absl::StatusOr<std::string> provider =
        engine::StepParam(subject.spec_text, subject.step, "provider");
    if (!model.ok() && provider.ok()) {
      // An llm step: its runs decide (the workflow is run over the dataset), and the provider
      // names what answered.
      subject.model = absl::StrCat("llm:", *provider);
      ASSIGN_OR_RETURN(subject.policy, engine::ThresholdFields(subject.spec_text));
      return subject;
    }
    if (!model.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(args.workflow, ": step '", subject.step, "' names no model; give --model"));
    }
    subject.model = *model;
  }
  ASSIGN_OR_RETURN(subject.policy, engine::ThresholdFields(subject.spec_text));
  return subject;
}

// The parts of the dataset the model runs on: validation, test, and the part a simulated
// reviewer sees (--review-split/--review-shard), each a Dataset of its own.
struct Parts {
  LoadedDataset loaded;  // keeps a stored dataset's files readable
  quality::Dataset validation, test, review;
  quality::Dataset all;  // their union, each document once
};

absl::StatusOr<Parts> LoadParts(const TuneArgs& args, const GlobalOptions& global) {
  Parts parts;
  ASSIGN_OR_RETURN(parts.loaded, LoadDatasetSource(args.source, global));
  const quality::Dataset& dataset = parts.loaded.dataset;
  parts.validation = parts.loaded.Part(quality::Split::kValidation);
  parts.test = parts.loaded.Part(quality::Split::kTest);
  if (parts.validation.documents.empty() || parts.test.documents.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        dataset.dir, " has ", parts.validation.documents.size(), " validation and ",
        parts.test.documents.size(), " test documents (validation share ", dataset.validation_share,
        ", test share ", dataset.test_share, "): tune needs both"));
  }
  if (!args.review_split.empty()) {
    std::optional<quality::Split> split = quality::ParseSplit(args.review_split);
    ASSIGN_OR_RETURN(Shard shard, ParseShard(args.review_shard));
    parts.review = SelectShard(parts.loaded.Part(*split), shard, dataset.split_seed);
  }
  parts.all = dataset;
  std::set<std::string> wanted;
  for (const quality::Dataset* part : {&parts.validation, &parts.test, &parts.review}) {
    for (const quality::LabelledDocument& doc : part->documents) wanted.insert(doc.id);
  }
  std::vector<quality::LabelledDocument> kept;
  for (quality::LabelledDocument& doc : parts.all.documents) {
    if (wanted.count(doc.id) > 0) kept.push_back(std::move(doc));
  }
  parts.all.documents = std::move(kept);
  return parts;
}

// The fields tuned: --fields, else the spec's thresholded fields, else every labelled field the
// model extracts. Narrows each part's `fields` to them. A field asked for that the dataset does not
// label (or the model does not extract) cannot be tuned: it goes to `untuned`.
absl::StatusOr<std::vector<std::string>> ChooseFields(
    const TuneArgs& args, const Subject& subject,
    const std::vector<quality::DocumentResult>& results, Parts& parts,
    std::vector<std::string>& untuned) {
  std::vector<std::string> wanted;
  if (!args.fields.empty()) {
    wanted = absl::StrSplit(args.fields, ',', absl::SkipEmpty());
  } else {
    for (const engine::ThresholdLine& line : subject.policy) wanted.push_back(line.field);
  }
  std::set<std::string> extracted;
  for (const quality::DocumentResult& result : results) {
    for (const auto& [name, value] : result.fields) extracted.insert(name);
  }
  std::vector<ai::FieldSpec> kept;
  for (const ai::FieldSpec& field : parts.all.fields) {
    const bool asked =
        extracted.count(field.name) > 0 &&
        (wanted.empty() || std::find(wanted.begin(), wanted.end(), field.name) != wanted.end());
    if (asked) kept.push_back(field);
  }
  if (!wanted.empty()) {  // in the order asked for (the spec's, so its lines keep their order)
    auto rank = [&wanted](const ai::FieldSpec& field) {
      return std::find(wanted.begin(), wanted.end(), field.name) - wanted.begin();
    };
    std::stable_sort(
        kept.begin(), kept.end(),
        [&rank](const ai::FieldSpec& a, const ai::FieldSpec& b) { return rank(a) < rank(b); });
  }
  std::vector<std::string> names;
  for (const ai::FieldSpec& field : kept) names.push_back(field.name);
  for (const std::string& name : wanted) {
    if (std::find(names.begin(), names.end(), name) == names.end()) untuned.push_back(name);
  }
  if (kept.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no field of ", parts.all.dir, " is both labelled and extracted by model ", subject.model));
  }
  for (quality::Dataset* part : {&parts.validation, &parts.test, &parts.review, &parts.all}) {
    part->fields = kept;
  }
  return names;
}

// Thresholds as written into the spec: rounded down to 4 decimals, so the values the chosen
// threshold accepts still are.
double Written(double threshold) {
  return threshold > 1 ? quality::kAlwaysReview : std::floor(threshold * 1e4) / 1e4;
}

Json Interval(int successes, int trials) {
  monitor::Proportion p = monitor::WilsonInterval(successes, trials);
  return Json{{"successes", successes},
              {"trials", trials},
              {"estimate", p.estimate},
              {"low", p.low},
              {"high", p.high}};
}

std::string Pct(double share) { return absl::StrFormat("%.1f%%", 100 * share); }

void PrintReport(const TuneArgs& args, const Subject& subject, const Json& report,
                 const quality::ThresholdChoice& choice, const quality::ThresholdOutcome& test) {
  std::cout << "tune: model " << subject.model;
  if (!args.workflow.empty())
    std::cout << " (" << args.workflow << ", step " << subject.step << ")";
  std::cout << " on " << report["dataset"]["dir"].get<std::string>() << "; target "
            << Pct(args.target) << " auto-accepted accuracy\n"
            << "validation " << choice.validation.cases << " cases, test " << test.cases
            << " cases\n\n";
  std::cout << absl::StrFormat("  %-18s %9s %9s  %-22s %-22s\n", "field", "threshold", "per-field",
                               "validation: accepted", "test: accepted");
  for (const quality::FieldThreshold& field : choice.fields) {
    const quality::FieldOutcome& v = choice.validation.fields.count(field.field) > 0
                                         ? choice.validation.fields.at(field.field)
                                         : quality::FieldOutcome{};
    const quality::FieldOutcome& t =
        test.fields.count(field.field) > 0 ? test.fields.at(field.field) : quality::FieldOutcome{};
    auto shown = [](double threshold) {
      return threshold > 1 ? std::string("always") : absl::StrFormat("%.4f", Written(threshold));
    };
    std::cout << absl::StrFormat(
        "  %-18s %9s %9s  %-22s %-22s\n", field.field, shown(field.threshold),
        shown(field.per_field),
        absl::StrFormat("%d/%d (%d right)", v.accepted, v.labelled, v.accepted_correct),
        absl::StrFormat("%d/%d (%d right)", t.accepted, t.labelled, t.accepted_correct));
  }
  const Json& stp = report["test"]["straight_through"];
  const Json& accuracy = report["test"]["auto_accepted_accuracy"];
  std::cout << absl::StrFormat(
      "\nvalidation: straight-through %s (%d/%d), auto-accepted accuracy %s (%d/%d)\n",
      Pct(choice.validation.StraightThroughRate()), choice.validation.straight_through,
      choice.validation.cases, Pct(choice.validation.ReleasedAccuracy()),
      choice.validation.released_correct, choice.validation.released);
  std::cout << absl::StrFormat(
      "test:       straight-through %s (%d/%d; 95%% interval %s-%s), auto-accepted accuracy %s "
      "(%d/%d; %s-%s): %s\n",
      Pct(stp["estimate"].get<double>()), test.straight_through, test.cases,
      Pct(stp["low"].get<double>()), Pct(stp["high"].get<double>()),
      test.released == 0 ? std::string("-") : Pct(accuracy["estimate"].get<double>()),
      test.released_correct, test.released, Pct(accuracy["low"].get<double>()),
      Pct(accuracy["high"].get<double>()), report["test"]["target"].get<std::string>());
}

int RunTune(const TuneArgs& args, const GlobalOptions& global) {
  absl::StatusOr<Subject> subject = FindSubject(args);
  if (!subject.ok()) return Fail(subject.status());
  absl::StatusOr<Parts> parts = LoadParts(args, global);
  if (!parts.ok()) return Fail(parts.status());
  for (const std::string& warning : parts->all.warnings) {
    if (!args.quiet) std::cerr << "flowline: warning: " << warning << "\n";
  }
  ModelRunOptions run;
  run.models_dir = global.models_dir;
  run.model = subject->model;
  run.cache = args.cache;
  run.jobs = args.jobs;
  run.ocr = args.ocr;
  run.text = ParseTextSource(args.text).value_or(TextSource::kRead);
  run.progress = !args.quiet;
  // With a workflow (and no --model), its runs decide: side effects suppressed, and the fields
  // its checks confirm (`confirmed_by:`) count as accepted whatever their confidence.
  const bool runs = !args.workflow.empty() && args.model.empty();
  absl::StatusOr<std::vector<quality::DocumentResult>> results;
  if (runs) {
    lifecycle::WorkflowEvaluationOptions options;
    options.workers = args.workers;
    options.step = subject->step;
    options.confirmations = true;
    absl::StatusOr<lifecycle::WorkflowEvaluation> evaluation =
        EvaluateSpec(global, subject->spec_text, args.workflow, parts->all, options, !args.quiet);
    if (!evaluation.ok()) return Fail(evaluation.status());
    results = std::move(evaluation->results);
  } else {
    results = ExtractWithModel(run, parts->all);
  }
  if (!results.ok()) return Fail(results.status());
  std::vector<std::string> untuned;
  absl::StatusOr<std::vector<std::string>> fields =
      ChooseFields(args, *subject, *results, *parts, untuned);
  if (!fields.ok()) return Fail(fields.status());
  for (const std::string& name : untuned) {
    if (!args.quiet) {
      std::cerr << "flowline: warning: " << name << " is not labelled in " << parts->all.dir
                << " or not extracted by " << subject->model
                << ": not tuned (a spec keeps its threshold)\n";
    }
  }

  quality::TuneOptions options;
  options.target_accuracy = args.target;
  options.min_accepted = args.min_accepted;
  options.joint = !args.no_joint;
  quality::ThresholdChoice choice =
      quality::ChooseThresholds(quality::ObserveCases(parts->validation, *results), options);
  std::map<std::string, double> written;
  for (const quality::FieldThreshold& field : choice.fields) {
    written[field.field] = Written(field.threshold);
  }
  quality::ThresholdOutcome test =
      quality::ApplyThresholds(quality::ObserveCases(parts->test, *results), written);

  Json report = {{"model", subject->model},
                 {"dataset",
                  {{"dir", parts->all.dir},
                   {"format", parts->all.format},
                   {"validation_share", parts->all.validation_share},
                   {"test_share", parts->all.test_share},
                   {"seed", parts->all.split_seed}}},
                 {"text", TextSourceName(run.text)},
                 {"ran", runs ? "workflow" : "model"},
                 {"fields", *fields},
                 {"not_tuned", untuned},
                 {"thresholds", written},
                 {"choice", choice.ToJson()}};
  Json test_json = test.ToJson();
  test_json["straight_through"] = Interval(test.straight_through, test.cases);
  test_json["auto_accepted_accuracy"] = Interval(test.released_correct, test.released);
  const double high = test_json["auto_accepted_accuracy"]["high"].get<double>();
  test_json["target"] = test.released == 0                       ? "nothing auto-accepted"
                        : test.ReleasedAccuracy() >= args.target ? "meets the target"
                        : high >= args.target ? "below the target, within its 95% interval"
                                              : "does NOT hold the target";
  report["test"] = std::move(test_json);
  if (!args.workflow.empty()) {
    report["workflow"] = {{"spec", args.workflow}, {"step", subject->step}};
  }

  if (!args.review_split.empty()) {
    // The simulated reviewer's work: the cases of the review part that would go to a person.
    quality::ThresholdOutcome reviewed =
        quality::ApplyThresholds(quality::ObserveCases(parts->review, *results), written);
    std::vector<std::string> routed;
    for (const quality::CaseObservation& one : quality::ObserveCases(parts->review, *results)) {
      if (!quality::GoesStraightThrough(one, written)) routed.push_back(one.id);
    }
    report["review"] = {{"split", args.review_split},
                        {"shard", args.review_shard},
                        {"cases", reviewed.cases},
                        {"straight_through", reviewed.straight_through},
                        {"routed", routed.size()}};
    if (!args.routed_out.empty()) {
      std::ofstream out(args.routed_out);
      for (const std::string& id : routed) out << id << "\n";
      if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.routed_out)));
    }
  }

  if (!subject->spec_text.empty() && (!args.spec_out.empty() || args.deploy)) {
    std::vector<engine::ThresholdLine> lines;
    for (const quality::FieldThreshold& field : choice.fields) {
      lines.push_back(
          {field.field, written[field.field],
           field.AlwaysReviewed() ? "always reviewed: no threshold reaches the target" : ""});
    }
    for (const engine::ThresholdLine& kept : subject->policy) {
      if (written.count(kept.field) == 0) {
        lines.push_back({kept.field, kept.threshold, "not tuned: not labelled in the dataset"});
      }
    }
    const std::string comment = absl::StrFormat(
        "flowline tune: %s auto-accepted accuracy on %s (validation), test straight-through %s",
        Pct(args.target), parts->all.dir, Pct(test.StraightThroughRate()));
    absl::StatusOr<std::string> tuned =
        engine::SetFieldThresholds(subject->spec_text, lines, comment);
    if (!tuned.ok()) return Fail(tuned.status());
    steps::StepKindRegistry registry;
    RegisterStepKinds(registry, global);
    absl::StatusOr<engine::WorkflowSpec> parsed =
        engine::ParseSpec(*tuned, args.workflow, registry);
    if (!parsed.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("the tuned spec does not validate:\n", parsed.status().message())));
    }
    report["version"] = parsed->version;
    if (!args.spec_out.empty()) {
      std::ofstream out(args.spec_out);
      out << *tuned;
      if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.spec_out)));
    }
    if (args.deploy) {
      absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
      if (!app.ok()) return Fail(app.status());
      std::unique_ptr<engine::Engine> engine = (*app)->NewEngine(engine::EngineOptions{});
      absl::StatusOr<engine::DeployResult> deployed =
          engine->Deploy(*tuned, args.spec_out.empty() ? args.workflow : args.spec_out);
      if (!deployed.ok()) return Fail(deployed.status());
      report["deployed"] = {{"workflow", deployed->workflow},
                            {"version", deployed->version},
                            {"stage", store::VersionStageName(deployed->stage)}};
    }
  }

  if (!args.out.empty()) {
    std::ofstream out(args.out);
    out << report.dump(2) << "\n";
    if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.out)));
  }
  if (args.json) {
    std::cout << report.dump(2) << "\n";
    return 0;
  }
  PrintReport(args, *subject, report, choice, test);
  if (report.contains("review")) {
    std::cout << absl::StrFormat(
        "review part (%s %s): %d cases, %d routed to a person%s\n", args.review_split,
        args.review_shard, report["review"]["cases"].get<int>(),
        report["review"]["routed"].get<int>(),
        args.routed_out.empty() ? "" : absl::StrCat(" (ids in ", args.routed_out, ")"));
  }
  if (report.contains("deployed")) {
    std::cout << "deployed " << report["deployed"]["workflow"].get<std::string>() << " version "
              << report["deployed"]["version"].get<std::string>().substr(0, 12) << " as "
              << report["deployed"]["stage"].get<std::string>() << "\n";
  } else if (!args.spec_out.empty()) {
    std::cout << "wrote the tuned spec to " << args.spec_out << " (version "
              << report["version"].get<std::string>().substr(0, 12)
              << "; deploy it with `flowline deploy`)\n";
  }
  return 0;
}

}  // namespace

void AddTuneCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<TuneArgs>();
  auto* cmd = app.add_subcommand(
      "tune",
      "Choose per-field confidence thresholds for a workflow's exception policy: on a labelled "
      "dataset's validation part, the thresholds that keep auto-accepted fields at --target "
      "accuracy while letting the most cases straight through; then measure them on the test "
      "part (straight-through rate and auto-accepted accuracy with 95% intervals) and write them "
      "into a new version of the spec (docs/evaluation.md, \"Tune\").");
  cmd->add_option("--workflow", args->workflow,
                  "The workflow spec: it is run on every case (side effects suppressed; fields its "
                  "checks confirm count as accepted), and the thresholds are written into its "
                  "`exceptions: fields:` (--spec-out, --deploy)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--model", args->model,
                  "An extract model, run alone on every case (no checks); with --workflow, instead "
                  "of running the workflow; without, the thresholds are only reported");
  cmd->add_option("--step", args->step,
                  "With --workflow: the step whose fields are tuned (default: the first extract "
                  "step, else the first llm step)");
  cmd->add_option("--workers", args->workers,
                  "With --workflow (and no --model): threads executing its steps (default 2)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--data", args->source.data,
                  "The labelled dataset folder (labels.jsonl, or a public set's layout)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--dataset", args->source.dataset,
                  "Instead of --data: a stored dataset, NAME[@VERSION] (split with its own "
                  "shares; docs/datasets.md)");
  cmd->add_option("--format", args->source.format,
                  "auto, flowline, sroie, fcc, invoice2data or zugferd")
      ->check(CLI::IsMember({"auto", "flowline", "sroie", "fcc", "invoice2data", "zugferd"}));
  cmd->add_option("--fields", args->fields,
                  "The fields to tune, comma-separated (default: the spec's `exceptions: "
                  "fields:`, else every labelled field the model extracts)");
  cmd->add_option("--target", args->target,
                  "The accuracy auto-accepted fields must reach (default 0.99)")
      ->check(CLI::Range(0.5, 1.0));
  cmd->add_option("--min-accepted", args->min_accepted,
                  "Small-sample guard: a field's threshold must auto-accept at least this many "
                  "labelled validation values (default 5)")
      ->check(CLI::Range(1, 100000));
  cmd->add_flag("--no-joint", args->no_joint,
                "Per-field thresholds only: no joint pass over the cases (docs/evaluation.md)");
  cmd->add_option("--validation-share", args->source.validation_share,
                  "The validation part's share of the documents (default 0.2)")
      ->check(CLI::Range(0.01, 0.98));
  cmd->add_option("--test-share", args->source.test_share,
                  "The test part's share of the documents (default 0.2)")
      ->check(CLI::Range(0.01, 0.98));
  cmd->add_option("--split-seed", args->source.split_seed, "The split's seed (default 1)");
  cmd->add_option("--cache", args->cache, "Where read documents are cached (empty: no cache)");
  cmd->add_option("--ocr", args->ocr, "auto (pages without text), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--text", args->text,
                  "read (default: as document.read) or given (the set's own transcripts)")
      ->check(CLI::IsMember({"read", "given"}));
  cmd->add_option("--jobs", args->jobs, "Documents read at once (default: one per core)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--review-split", args->review_split,
                  "Also route the documents of this part (train, validation, test or all) with "
                  "the chosen thresholds: a simulated reviewer's share (docs/accuracy.md)")
      ->check(CLI::IsMember({"all", "train", "validation", "test"}));
  cmd->add_option("--review-shard", args->review_shard,
                  "With --review-split: only its K-th of N deterministic shards, e.g. 2/2");
  cmd->add_option("--routed-out", args->routed_out,
                  "With --review-split: write the ids of its cases routed to a person, one a "
                  "line (for `flowline train extract --include-ids`)");
  cmd->add_option("--spec-out", args->spec_out,
                  "With --workflow: write the spec with the chosen thresholds (validated) here");
  cmd->add_flag("--deploy", args->deploy,
                "With --workflow: deploy the tuned spec as a new version of the workflow, as "
                "`flowline deploy` does (live, or a draft that must pass `flowline promote` when "
                "the spec has a release gate)");
  cmd->add_flag("--json", args->json, "Print the report as JSON");
  cmd->add_option("--out", args->out, "Also write the JSON report to this file");
  cmd->add_flag("--quiet", args->quiet, "No progress or warnings on stderr");
  cmd->callback([args, &global, &exit_code] { exit_code = RunTune(*args, global); });
}

}  // namespace flowline::cli
