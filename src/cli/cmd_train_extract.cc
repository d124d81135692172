// flowline train extract: a field-extraction model (candidate ranker) for the `extract` step.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ai/document/reader.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/trainer.h"
#include "cli/commands.h"
#include "cli/dataset_shard.h"
#include "cli/dataset_source.h"
#include "cli/document_cache.h"
#include "cli/extract_results.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/training_data.h"
#include "cli/workflow_runs.h"
#include "common/status_macros.h"
#include "engine/engine.h"
#include "engine/spec.h"
#include "engine/spec_edit.h"
#include "lifecycle/gate_check.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::cli {
namespace {

struct TrainExtractArgs {
  TrainExtractArgs() {
    source.validation_share = 0.0;
    source.test_share = 0.5;
  }
  // --data or --dataset (with --with-corrections); a folder's split: no validation part, test
  // share 0.5 (as `flowline eval`), seed 1.
  DatasetSource source;
  std::vector<std::string> extra_data;
  std::string out;
  std::string fields;
  std::string cache = DefaultCacheDir();
  std::string ocr = "auto";
  std::string text = "read";
  std::string split;        // default: train with --dataset, all with --data
  std::string shard;        // "" (default): the whole split; "K/N": its K-th of N shards
  std::string include_ids;  // a file of document ids of --data added whatever their part
  ai::TrainOptions options;
  std::string workflow;  // a spec whose extract step gets the new model (a new version)
  std::string spec_out;  // with workflow: where the new spec goes
  bool deploy = false;   // with workflow: deploy it
  bool json = false;
  bool quiet = false;
};

// The labelled documents of --data (any format quality::LoadDataset reads) or --dataset (stored),
// in the chosen split, with the reviewed cases of --with-corrections, and of every --extra-data
// folder (whole), each read once (cli/document_cache.h).
absl::StatusOr<std::vector<ai::LabelledDocument>> LoadDocuments(const TrainExtractArgs& args,
                                                                const GlobalOptions& global,
                                                                std::vector<ai::FieldSpec>* fields,
                                                                std::string* data_sha256) {
  absl::StatusOr<LoadedDataset> loaded = LoadDatasetSource(args.source, global);
  if (!loaded.ok()) return loaded.status();
  const quality::Dataset* whole = &loaded->dataset;
  const std::string split_name = !args.split.empty()           ? args.split
                                 : args.source.dataset.empty() ? std::string("all")
                                                               : std::string("train");
  std::optional<quality::Split> split = quality::ParseSplit(split_name);
  if (!split) return absl::InvalidArgumentError("--split must be all, train, validation or test");
  absl::StatusOr<Shard> shard = ParseShard(args.shard);
  if (!shard.ok()) return shard.status();
  absl::StatusOr<quality::Dataset> dataset =
      SelectShard(loaded->Part(*split), *shard, whole->split_seed);
  if (loaded->corrections > 0 && !args.quiet) {
    std::cerr << "training with " << loaded->corrections << " reviewed case(s) of "
              << args.source.with_corrections << "\n";
  }
  if (!args.include_ids.empty()) {
    // Corrected cases (a reviewer's, or a simulated one's: `flowline tune --routed-out`) join
    // the training documents whatever their part.
    absl::StatusOr<std::string> listed = ReadFile(args.include_ids);
    if (!listed.ok()) return listed.status();
    std::set<std::string> ids, have;
    for (absl::string_view id : absl::StrSplit(*listed, '\n', absl::SkipWhitespace())) {
      ids.insert(std::string(absl::StripAsciiWhitespace(id)));
    }
    for (const quality::LabelledDocument& doc : dataset->documents) have.insert(doc.id);
    for (const quality::LabelledDocument& doc : whole->documents) {
      if (ids.erase(doc.id) > 0 && have.count(doc.id) == 0) dataset->documents.push_back(doc);
    }
    if (!ids.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(args.include_ids, " lists ", ids.size(),
                                                     " id(s) that are not documents of ",
                                                     whole->dir, ", e.g. '", *ids.begin(), "'"));
    }
  }
  if (absl::Status extra = AppendExtraData(args.extra_data, *dataset); !extra.ok()) return extra;
  for (const std::string& warning : dataset->warnings) std::cerr << "warning: " << warning << "\n";
  if (fields->empty()) *fields = dataset->fields;
  DocumentCacheOptions cache;
  cache.dir = args.cache;
  cache.read.ocr = args.ocr == "always"  ? ai::OcrMode::kAlways
                   : args.ocr == "never" ? ai::OcrMode::kNever
                                         : ai::OcrMode::kAuto;
  const TextSource text = ParseTextSource(args.text).value_or(TextSource::kRead);
  ProgressBar bar("reading", static_cast<int64_t>(dataset->documents.size()));
  absl::StatusOr<std::vector<absl::StatusOr<ai::Document>>> read =
      ReadDatasetDocuments(*dataset, text, cache, [&](int done, int) {
        if (!args.quiet) bar.Update(done);
      });
  if (!args.quiet) bar.Finish();
  if (!read.ok()) return read.status();
  std::vector<ai::LabelledDocument> out =
      TrainingDocuments(*dataset, *std::move(read),
                        [](const std::string& why) { std::cerr << "warning: " << why << "\n"; });
  *data_sha256 = TrainingDataSha256(out);
  return out;
}

void PrintSummary(const TrainExtractArgs& args, const Json& m) {
  const Json& heldout = m["heldout"];
  std::cout << "trained " << args.out << " (sha256 " << m["sha256"].get<std::string>().substr(0, 12)
            << ") on " << m["documents"] << " documents; held out by "
            << heldout["method"].get<std::string>() << "; text "
            << TextSourceDescription(ParseTextSource(args.text).value_or(TextSource::kRead))
            << "\n";
  std::cout << absl::StrFormat("  %-20s %-12s %9s %9s %9s %9s\n", "field", "type", "accuracy",
                               "coverage", "cand.rec", "ECE");
  for (const auto& [name, f] : heldout["fields"].items()) {
    std::cout << absl::StrFormat("  %-20s %-12s %8.1f%% %8.1f%% %8.1f%% %9.3f\n", name,
                                 f["type"].get<std::string>(), 100 * f["accuracy"].get<double>(),
                                 100 * f["coverage"].get<double>(),
                                 100 * f["candidate_recall"].get<double>(), f["ece"].get<double>());
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

// The documents the old and the new model are compared on: the validation part, or the test
// part when there is no validation part (a folder's default split).
absl::StatusOr<quality::Dataset> ComparisonPart(const TrainExtractArgs& args,
                                                const GlobalOptions& global,
                                                std::unique_ptr<LoadedDataset>& keep) {
  DatasetSource source = args.source;
  source.with_corrections.clear();  // compared on the dataset's own documents only
  absl::StatusOr<LoadedDataset> loaded = LoadDatasetSource(source, global);
  if (!loaded.ok()) return loaded.status();
  keep = std::make_unique<LoadedDataset>(*std::move(loaded));
  quality::Dataset part = keep->Part(quality::Split::kValidation);
  if (part.documents.empty()) part = keep->Part(quality::Split::kTest);
  return part;
}

// The old and the new extract model compared field by field on `part` (documents neither
// trained on), printed.
absl::Status CompareModels(const TrainExtractArgs& args, const GlobalOptions& global,
                           const std::string& source, const std::string& old_model,
                           const std::string& new_model, const quality::Dataset& part) {
  ModelRunOptions run;
  run.models_dir = global.models_dir;
  run.cache = args.cache;
  run.ocr = args.ocr;
  run.text = ParseTextSource(args.text).value_or(TextSource::kRead);
  run.progress = !args.quiet;
  std::vector<quality::EvaluationReport> reports;
  for (const std::string& model : {old_model, new_model}) {
    run.model = model;
    ASSIGN_OR_RETURN(std::vector<quality::DocumentResult> results, ExtractWithModel(run, part));
    reports.push_back(quality::Evaluate(part, results));
  }
  std::cout << absl::StrFormat(
      "\n%s: the old model (%s) and the new one on %d documents neither "
      "trained on\n  %-20s %9s %9s\n",
      source, old_model, part.documents.size(), "field", "old", "new");
  for (const quality::FieldScore& field : reports[1].fields) {
    std::string was = "-";
    for (const quality::FieldScore& old : reports[0].fields) {
      if (old.name == field.name) was = absl::StrFormat("%.1f%%", 100 * old.accuracy);
    }
    std::cout << absl::StrFormat("  %-20s %9s %8.1f%%\n", field.name, was, 100 * field.accuracy);
  }
  std::cout << absl::StrFormat("  %-20s %8.1f%% %8.1f%%\n", "mean",
                               100 * reports[0].mean_field_accuracy,
                               100 * reports[1].mean_field_accuracy);
  return absl::OkStatus();
}

// The new version deployed as a draft and, when the spec has a release gate, evaluated on the
// gate's dataset and compared with the live version (lifecycle::CheckReleaseGate: the same
// check `flowline promote` makes).
int DeployDraft(const TrainExtractArgs& args, const GlobalOptions& global,
                const std::string& spec_text, const std::string& source, bool gated) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<engine::DeployResult> deployed;
  {
    std::unique_ptr<engine::Engine> engine = (*app)->NewEngine(engine::EngineOptions{});
    deployed = engine->Deploy(spec_text, source, store::VersionStage::kDraft, "flowline train");
  }
  if (!deployed.ok()) return Fail(deployed.status());
  const std::string version = deployed->version.substr(0, 12);
  std::cout << "deployed " << deployed->workflow << " version " << version << " as "
            << store::VersionStageName(deployed->stage)
            << (deployed->created ? "" : " (this exact spec was deployed before)") << "\n";
  if (!gated) {
    std::cout << "  " << deployed->workflow
              << " has no release gate (`release:`, docs/workflows.md), so the comparison is "
                 "the models' above; when it satisfies you: flowline promote "
              << deployed->workflow << " " << version << "\n";
    return 0;
  }
  ProgramEnvironment environment(global);
  lifecycle::GateCheckOptions options;
  options.created_by = "flowline train";
  if (!args.quiet) options.progress = [](const std::string& what) { std::cerr << what << "\n"; };
  absl::StatusOr<lifecycle::GateCheck> check = lifecycle::CheckReleaseGate(
      environment.env, (*app)->store(), (*app)->artifacts(), spec_text, source, options);
  if (!check.ok()) {
    return Fail(absl::Status(
        check.status().code(),
        absl::StrCat("the draft is deployed, but its release gate could not be checked: ",
                     check.status().message(),
                     "\n  check it again with: flowline eval --gate "
                     "--workflow ",
                     deployed->workflow, "@", version)));
  }
  std::cout << "\n" << check->ToTable();
  if (check->result.passed) {
    std::cout << "the new version passes the release gate; to let it take live cases: flowline "
                 "promote "
              << deployed->workflow << " " << version << "\n";
  } else {
    std::cout << "the new version does not pass the release gate: it stays a draft ("
              << check->result.message << ")\n";
  }
  return 0;
}

// The new model's version of `args.workflow` (a spec file, or a deployed workflow: its live
// version, or NAME@VERSION): its extract step's `model:` pointed at the model just trained,
// validated, written (--spec-out), and deployed as a draft (--deploy, implied for a deployed
// workflow) with its release gate checked against the live version. A workflow without a gate
// (or not deployed) has the old and the new model compared on documents neither trained on.
int WriteVersion(const TrainExtractArgs& args, const GlobalOptions& global) {
  absl::StatusOr<WorkflowSpecText> spec = FindWorkflowSpec(args.workflow, global);
  if (!spec.ok()) return Fail(spec.status());
  absl::StatusOr<std::string> step = engine::FirstStepUsing(spec->text, "extract");
  if (!step.ok())
    return Fail(
        absl::InvalidArgumentError(absl::StrCat(spec->source, ": ", step.status().message())));
  absl::StatusOr<std::string> old_model = engine::StepParam(spec->text, *step, "model");
  const std::string new_model = std::filesystem::absolute(args.out).lexically_normal().string();
  absl::StatusOr<std::string> updated = engine::SetStepParam(spec->text, *step, "model", new_model);
  if (!updated.ok()) return Fail(updated.status());
  steps::StepKindRegistry registry;
  RegisterStepKinds(registry, global);
  absl::StatusOr<engine::WorkflowSpec> parsed = engine::ParseSpec(*updated, spec->source, registry);
  if (!parsed.ok()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("the new version does not validate:\n", parsed.status().message())));
  }
  const bool deploy = args.deploy || spec->deployed;
  const bool gated = parsed->release_gate.has_value();

  if (!(deploy && gated) && old_model.ok()) {
    std::unique_ptr<LoadedDataset> keep;
    absl::StatusOr<quality::Dataset> part = ComparisonPart(args, global, keep);
    if (!part.ok()) return Fail(part.status());
    if (!part->documents.empty()) {
      absl::Status compared =
          CompareModels(args, global, spec->source, *old_model, new_model, *part);
      if (!compared.ok()) return Fail(compared);
    }
  }
  if (!args.spec_out.empty()) {
    std::ofstream out(args.spec_out);
    out << *updated;
    if (!out) return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.spec_out)));
    std::cout << "wrote the new version (" << parsed->version.substr(0, 12) << ") to "
              << args.spec_out << "\n";
  }
  if (deploy) return DeployDraft(args, global, *updated, spec->source, gated);
  return 0;
}

}  // namespace

void AddTrainExtractCommand(CLI::App& train, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<TrainExtractArgs>();
  auto* cmd = train.add_subcommand(
      "extract",
      "Train a field-extraction model for the `extract` step from a labelled dataset (a folder "
      "with labels.jsonl, docs/design/document-ai.md). Candidates of each field's type are "
      "ranked by XGBoost; accuracy and confidence calibration are measured by k-fold "
      "cross-fitting. The same data and settings give the same model.");
  cmd->add_option("--dataset", args->source.dataset,
                  "Instead of --data: a stored dataset, NAME[@VERSION] (its own split; --split "
                  "defaults to train; docs/datasets.md)");
  cmd->add_option("--with-corrections", args->source.with_corrections,
                  "Also train on the cases people corrected in this workflow (the train part of "
                  "its <workflow>.reviewed dataset, folded first; docs/models.md)");
  cmd->add_option("--data", args->source.data,
                  "The dataset folder: labels.jsonl and the files, or a public set's folder "
                  "(see --format); or --dataset")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--extra-data", args->extra_data,
                  "More labelled folders to train on, whole (not split), e.g. generated samples "
                  "with the same field names (repeatable)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--format", args->source.format,
                  "auto, flowline, sroie, fcc, invoice2data or zugferd (label importers)");
  cmd->add_option("--out", args->out, "The model directory to write, e.g. models/invoice-fields")
      ->required();
  cmd->add_option("--fields", args->fields,
                  "A FIELDS file (YAML/JSON: name: type or {type, labels, patterns}) or an inline "
                  "list name:type,name:type (types: date amount currency id text organisation "
                  "address); default: the dataset's fields");
  cmd->add_option(
         "--split", args->split,
         "Which documents: all, or the train/validation/test part of the deterministic split by "
         "document id that `flowline eval --split` uses (default: all with --data, train with "
         "--dataset)")
      ->check(CLI::IsMember({"all", "train", "validation", "test"}));
  cmd->add_option("--test-share", args->source.test_share, "The test part's share of the documents")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--validation-share", args->source.validation_share,
                  "The validation part's share of the documents (default 0: none), taken from "
                  "what is not test, so the test part does not change with it")
      ->check(CLI::Range(0.0, 0.98));
  cmd->add_option("--split-seed", args->source.split_seed, "The split's seed");
  cmd->add_option("--shard", args->shard,
                  "Only the K-th of N deterministic shards of the --split part, e.g. 1/2 "
                  "(independent of the split; docs/accuracy.md)");
  cmd->add_option("--include-ids", args->include_ids,
                  "A file of document ids of --data (one a line, e.g. `flowline tune "
                  "--routed-out`: the cases a reviewer corrected) to train on too, whatever their "
                  "part")
      ->check(CLI::ExistingFile);
  cmd->add_option("--cache", args->cache,
                  "Where read documents are cached (empty: no cache; default $FLOWLINE_CACHE or "
                  "~/.cache/flowline/documents)");
  cmd->add_option("--ocr", args->ocr, "Reading: auto (text layer, else OCR), always or never")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  cmd->add_option("--text", args->text,
                  "Where each document's text comes from: read (default; end to end, as "
                  "document.read: text layer, else OCR) or given (the set's own transcripts, "
                  "no OCR: SROIE box/NNN.csv, the competition's protocol; docs/accuracy.md)")
      ->check(CLI::IsMember({"read", "given"}));
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
  cmd->add_option("--workflow", args->workflow,
                  "A workflow: a spec file, or a deployed workflow NAME[@VERSION] (default its "
                  "live version). Makes a new version of it whose extract step uses the model "
                  "just trained (validated); deployed (a deployed workflow, or --deploy), it is "
                  "a draft evaluated against the live version under the spec's release gate "
                  "(docs/releases.md); without a gate, the old and the new model are compared "
                  "on the validation part (else the test part)");
  cmd->add_option("--spec-out", args->spec_out, "With --workflow: write the new version here");
  cmd->add_flag("--deploy", args->deploy,
                "With --workflow: deploy the new version as a draft (implied for a deployed "
                "workflow); it takes live cases only after `flowline promote`");
  cmd->add_flag("--json", args->json, "Print model.json instead of a summary");
  cmd->add_flag("--quiet", args->quiet, "No progress lines on stderr");
  cmd->callback([args, &global, &exit_code] {
    std::vector<ai::FieldSpec> fields;
    if (!args->fields.empty()) {
      absl::StatusOr<std::vector<ai::FieldSpec>> parsed =
          LoadFields(args->fields, &args->options.tables);
      if (!parsed.ok()) {
        exit_code = Fail(parsed.status());
        return;
      }
      fields = *std::move(parsed);
    }
    if (!args->quiet) {
      args->options.progress = [](std::string_view line) {
        std::cerr << "\r" << line << "\033[K" << std::flush;
      };
    }
    absl::StatusOr<std::vector<ai::LabelledDocument>> documents =
        LoadDocuments(*args, global, &fields, &args->options.data_sha256);
    if (!documents.ok()) {
      exit_code = Fail(documents.status());
      return;
    }
    absl::StatusOr<Json> model =
        ai::TrainExtractionModel(*documents, fields, args->options, args->out);
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
    if (!args->workflow.empty()) exit_code = WriteVersion(*args, global);
  });
}

}  // namespace flowline::cli
