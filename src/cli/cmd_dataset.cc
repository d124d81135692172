// flowline dataset import | list | show | cases | export | sync (docs/datasets.md): stored,
// named, versioned datasets of labelled cases. Every subcommand first folds the corrections and
// audit verdicts made since the last fold into the workflows' reviewed datasets.
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "quality/dataset_store.h"
#include "quality/dataset_transfer.h"
#include "quality/reviewed_cases.h"

namespace flowline::cli {
namespace {

struct DatasetArgs {
  std::string name;  // NAME or NAME@VERSION
  std::string from;
  std::string format = "auto";
  std::string workflow;
  std::string description;
  std::string note;
  double validation_share = 0.2;
  double test_share = 0.2;
  uint64_t split_seed = 1;
  std::string split = "all";
  std::vector<std::string> slices;  // k=v
  std::string out;
  int limit = 0;
  bool json = false;
};

// Opens the store and folds the corrections made since the last fold. Only `sync` (which asks
// for the fold) fails when the fold does; the other commands warn and go on with what is stored.
absl::StatusOr<std::unique_ptr<App>> OpenSynced(const GlobalOptions& global,
                                                quality::ReviewedSync* sync = nullptr) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return app.status();
  absl::StatusOr<quality::ReviewedSync> folded =
      quality::SyncReviewedCases((*app)->store(), (*app)->artifacts(), (*app)->clock().Now());
  if (!folded.ok() && sync != nullptr) return folded.status();
  if (!folded.ok()) {
    std::cerr << "flowline: warning: corrections not folded into the reviewed datasets: "
              << folded.status().message() << "\n";
    return app;
  }
  for (const std::string& warning : folded->warnings) {
    std::cerr << "flowline: warning: " << warning << "\n";
  }
  if (sync != nullptr) *sync = *std::move(folded);
  return app;
}

int Import(const GlobalOptions& global, const DatasetArgs& args) {
  auto app = OpenSynced(global);
  if (!app.ok()) return Fail(app.status());
  quality::DatasetImport import;
  import.name = args.name;
  import.from = args.from;
  import.format = args.format;
  import.workflow = args.workflow;
  import.description = args.description;
  import.note = args.note;
  import.validation_share = args.validation_share;
  import.test_share = args.test_share;
  import.split_seed = args.split_seed;
  import.now = (*app)->clock().Now();
  absl::StatusOr<quality::DatasetImportResult> result =
      quality::ImportDataset((*app)->store(), *(*app)->artifacts(), import);
  if (!result.ok()) return Fail(result.status());
  for (const std::string& warning : result->warnings) {
    std::cerr << "flowline: warning: " << warning << "\n";
  }
  const store::DatasetAppendResult& append = result->append;
  if (args.json) {
    std::cout << Json{{"dataset", args.name},
                      {"version", append.version.version},
                      {"created", append.created},
                      {"format", result->format},
                      {"cases", append.version.case_count},
                      {"added", append.added},
                      {"changed", append.changed},
                      {"removed", append.removed},
                      {"content_hash", append.version.content_hash},
                      {"warnings", result->warnings}}
                     .dump(2)
              << "\n";
    return 0;
  }
  if (!append.created) {
    std::cout << "dataset " << args.name << " unchanged: version " << append.version.version
              << " already holds these " << append.version.case_count << " cases\n";
    return 0;
  }
  std::cout << "dataset " << quality::DatasetRefName(args.name, append.version.version) << ": "
            << append.version.case_count << " cases from " << args.from << " (" << result->format
            << "): " << append.added << " added, " << append.changed << " changed, "
            << append.removed << " removed\n";
  return 0;
}

int List(const GlobalOptions& global, const DatasetArgs& args) {
  auto app = OpenSynced(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<std::vector<store::DatasetInfo>> datasets = (*app)->store().ListDatasets();
  if (!datasets.ok()) return Fail(datasets.status());
  Json json = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const store::DatasetInfo& info : *datasets) {
    int64_t cases = 0;
    if (info.latest_version > 0) {
      absl::StatusOr<store::DatasetVersion> latest =
          (*app)->store().GetDatasetVersion(info.name, 0);
      if (!latest.ok()) return Fail(latest.status());
      cases = latest->case_count;
    }
    json.push_back({{"name", info.name},
                    {"workflow", info.workflow},
                    {"version", info.latest_version},
                    {"cases", cases},
                    {"description", info.description}});
    rows.push_back({info.name, info.workflow.empty() ? "-" : info.workflow,
                    absl::StrCat(info.latest_version), absl::StrCat(cases),
                    HumanTime(info.created_at), info.description});
  }
  if (args.json) {
    std::cout << json.dump(2) << "\n";
  } else if (rows.empty()) {
    std::cout << "no datasets yet: `flowline dataset import NAME --from PATH` makes one\n";
  } else {
    PrintTable(std::cout, {"NAME", "WORKFLOW", "VERSION", "CASES", "CREATED", "DESCRIPTION"}, rows);
  }
  return 0;
}

// "k: v n, v n" lines of a summary's count maps.
std::string Counts(const Json& counts) {
  std::vector<std::string> parts;
  for (const auto& [key, n] : counts.items()) parts.push_back(absl::StrCat(key, " ", n.dump()));
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

int Show(const GlobalOptions& global, const DatasetArgs& args) {
  auto app = OpenSynced(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<quality::DatasetRef> ref = quality::ParseDatasetRef(args.name);
  if (!ref.ok()) return Fail(ref.status());
  store::Store& store = (*app)->store();
  absl::StatusOr<store::DatasetInfo> info = store.GetDataset(ref->name);
  if (!info.ok()) return Fail(info.status());
  absl::StatusOr<std::vector<store::DatasetVersion>> versions =
      store.ListDatasetVersions(ref->name);
  if (!versions.ok()) return Fail(versions.status());
  absl::StatusOr<quality::Dataset> dataset =
      quality::LoadStoredDataset(store, (*app)->artifacts(), ref->name, ref->version);
  if (!dataset.ok()) return Fail(dataset.status());
  const Json summary = quality::SummarizeDataset(*dataset);
  if (args.json) {
    Json json_versions = Json::array();
    for (const store::DatasetVersion& v : *versions) {
      json_versions.push_back({{"version", v.version},
                               {"cases", v.case_count},
                               {"content_hash", v.content_hash},
                               {"note", v.note},
                               {"created_at", absl::FormatTime(v.created_at)}});
    }
    std::cout << Json{{"name", info->name},
                      {"description", info->description},
                      {"workflow", info->workflow},
                      {"split",
                       {{"validation_share", info->validation_share},
                        {"test_share", info->test_share},
                        {"seed", info->split_seed}}},
                      {"versions", std::move(json_versions)},
                      {"version", dataset->version},
                      {"summary", summary}}
                     .dump(2)
              << "\n";
    return 0;
  }
  std::cout << "dataset " << info->name
            << (info->description.empty() ? "" : absl::StrCat(": ", info->description)) << "\n"
            << "workflow: " << (info->workflow.empty() ? "-" : info->workflow) << "\n"
            << "split: validation " << info->validation_share << ", test " << info->test_share
            << ", seed " << info->split_seed << " (by case key)\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const store::DatasetVersion& v : *versions) {
    rows.push_back({absl::StrCat(v.version), absl::StrCat(v.case_count), HumanTime(v.created_at),
                    v.content_hash.substr(0, 12), v.note});
  }
  PrintTable(std::cout, {"VERSION", "CASES", "CREATED", "CONTENT", "NOTE"}, rows);
  std::cout << "\nversion " << dataset->version << ": " << summary["cases"].dump() << " cases\n"
            << "  splits: " << Counts(summary["splits"]) << "\n"
            << "  sources: " << Counts(summary["sources"]) << "\n"
            << "  doc types: " << Counts(summary["doc_types"]) << "\n"
            << "  fields labelled: " << Counts(summary["fields"]) << "\n";
  for (const auto& [slice, counts] : summary["slices"].items()) {
    if (slice == "doc_type" || slice == "source") continue;  // shown above
    std::cout << "  slice " << slice << ": " << Counts(counts) << "\n";
  }
  return 0;
}

// The documents of NAME[@V] in --split with every --slice k=v.
absl::StatusOr<quality::Dataset> Selected(App& app, const DatasetArgs& args) {
  absl::StatusOr<quality::DatasetRef> ref = quality::ParseDatasetRef(args.name);
  if (!ref.ok()) return ref.status();
  std::optional<quality::Split> split = quality::ParseSplit(args.split);
  if (!split) return absl::InvalidArgumentError("--split must be all, train, validation or test");
  absl::StatusOr<quality::Dataset> dataset =
      quality::LoadStoredDataset(app.store(), app.artifacts(), ref->name, ref->version, *split);
  if (!dataset.ok()) return dataset.status();
  std::vector<std::pair<std::string, std::string>> wanted;
  for (const std::string& slice : args.slices) {
    std::vector<std::string> parts = absl::StrSplit(slice, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--slice '", slice, "': write NAME=VALUE, e.g. --slice vendor=ACME"));
    }
    wanted.emplace_back(parts[0], parts[1]);
  }
  std::vector<quality::LabelledDocument> kept;
  for (quality::LabelledDocument& doc : dataset->documents) {
    bool match = true;
    for (const auto& [name, value] : wanted) {
      auto it = doc.slices.find(name);
      match = match && it != doc.slices.end() && it->second == value;
    }
    if (match) kept.push_back(std::move(doc));
  }
  dataset->documents = std::move(kept);
  return dataset;
}

int Cases(const GlobalOptions& global, const DatasetArgs& args) {
  auto app = OpenSynced(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<quality::Dataset> dataset = Selected(**app, args);
  if (!dataset.ok()) return Fail(dataset.status());
  Json json = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const quality::LabelledDocument& doc : dataset->documents) {
    if (args.limit > 0 && static_cast<int>(rows.size()) >= args.limit) break;
    const std::string part(quality::SplitName(quality::SplitOf(
        doc.id, dataset->validation_share, dataset->test_share, dataset->split_seed)));
    std::vector<std::string> slices;
    for (const auto& [name, value] : doc.slices) slices.push_back(absl::StrCat(name, "=", value));
    json.push_back({{"id", doc.id},
                    {"split", part},
                    {"source", doc.source},
                    {"doc_type", doc.doc_type},
                    {"fields", doc.fields},
                    {"slices", doc.slices},
                    {"file", doc.path}});
    rows.push_back({doc.id, part, doc.source, doc.doc_type.empty() ? "-" : doc.doc_type,
                    absl::StrCat(doc.fields.size()), absl::StrJoin(slices, " ")});
  }
  if (args.json) {
    std::cout << json.dump(2) << "\n";
    return 0;
  }
  PrintTable(std::cout, {"CASE", "SPLIT", "SOURCE", "DOC_TYPE", "FIELDS", "SLICES"}, rows);
  std::cout << rows.size() << " of " << dataset->documents.size() << " case(s) of "
            << quality::DatasetRefName(dataset->name, dataset->version) << "\n";
  return 0;
}

int Export(const GlobalOptions& global, const DatasetArgs& args) {
  auto app = OpenSynced(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<quality::Dataset> dataset = Selected(**app, args);
  if (!dataset.ok()) return Fail(dataset.status());
  absl::StatusOr<quality::DatasetExportResult> exported =
      quality::ExportDataset(*dataset, args.out);
  if (!exported.ok()) return Fail(exported.status());
  std::cout << "exported " << exported->written << " case(s) of "
            << quality::DatasetRefName(dataset->name, dataset->version) << " to " << args.out
            << " (labels.jsonl)"
            << (exported->skipped > 0
                    ? absl::StrCat("; ", exported->skipped,
                                   " case(s) with a JSON input and no document left out")
                    : std::string())
            << "\n";
  return 0;
}

int Sync(const GlobalOptions& global, const DatasetArgs& args) {
  quality::ReviewedSync sync;
  auto app = OpenSynced(global, &sync);
  if (!app.ok()) return Fail(app.status());
  if (args.json) {
    std::cout << Json{{"corrections", sync.corrections},
                      {"cases", sync.cases},
                      {"versions", sync.versions},
                      {"warnings", sync.warnings}}
                     .dump(2)
              << "\n";
    return 0;
  }
  if (sync.versions.empty()) {
    std::cout << "no new corrections or audit verdicts\n";
    return 0;
  }
  std::cout << "folded " << sync.corrections << " corrected or confirmed field(s) into "
            << sync.cases << " case(s): " << absl::StrJoin(sync.versions, ", ") << "\n";
  return 0;
}

}  // namespace

void AddDatasetCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* dataset = app.add_subcommand(
      "dataset",
      "Stored, named, versioned datasets of labelled cases (docs/datasets.md). Every dataset "
      "command first folds new reviewer corrections and audit verdicts into "
      "<workflow>.reviewed");
  dataset->require_subcommand(1);
  auto args = std::make_shared<DatasetArgs>();
  auto run = [&exit_code, &global, args](int (*command)(const GlobalOptions&, const DatasetArgs&)) {
    return [&exit_code, &global, args, command] { exit_code = command(global, *args); };
  };

  auto* import = dataset->add_subcommand(
      "import",
      "Import labelled cases as the dataset's new version (created if missing): a folder "
      "(flowline labels.jsonl, sroie, fcc, invoice2data, zugferd) or a .jsonl / .csv file of "
      "cases. Files are copied into the store's artifacts. Nothing is stored when any case is "
      "bad; importing the same content again makes no new version");
  import->add_option("name", args->name, "The dataset's name")->required();
  import->add_option("--from", args->from, "The folder or file to import")->required();
  import
      ->add_option("--format", args->format,
                   "auto, jsonl, csv, flowline, sroie, fcc, invoice2data or zugferd")
      ->check(CLI::IsMember(
          {"auto", "jsonl", "csv", "flowline", "sroie", "fcc", "invoice2data", "zugferd"}));
  import->add_option("--workflow,-w", args->workflow,
                     "The workflow the dataset belongs to (when it is created)");
  import->add_option("--description", args->description, "What it holds (when it is created)");
  import->add_option("--note", args->note, "The new version's note (default: what was imported)");
  import
      ->add_option("--validation-share", args->validation_share,
                   "The validation part's share of cases, when the dataset is created")
      ->check(CLI::Range(0.0, 1.0));
  import
      ->add_option("--test-share", args->test_share,
                   "The test part's share of cases, when the dataset is created")
      ->check(CLI::Range(0.0, 1.0));
  import->add_option("--split-seed", args->split_seed,
                     "The split's seed, when the dataset is created");
  import->add_flag("--json", args->json, "Print the result as JSON");
  import->callback(run(Import));

  auto* list = dataset->add_subcommand("list", "Every dataset with its newest version");
  list->add_flag("--json", args->json, "Print JSON");
  list->callback(run(List));

  auto* show = dataset->add_subcommand(
      "show",
      "A dataset's versions, and what one version (default: the newest) holds: cases per split, "
      "source, doc type, labelled field and slice");
  show->add_option("dataset", args->name, "NAME or NAME@VERSION")->required();
  show->add_flag("--json", args->json, "Print JSON");
  show->callback(run(Show));

  auto add_selection = [&args](CLI::App* cmd) {
    cmd->add_option("dataset", args->name, "NAME or NAME@VERSION")->required();
    cmd->add_option("--split", args->split, "all, train, validation or test")
        ->check(CLI::IsMember({"all", "train", "validation", "test"}));
    cmd->add_option("--slice", args->slices,
                    "Only cases with this slice value, NAME=VALUE (e.g. vendor=ACME, "
                    "source=review); repeat for several");
  };
  auto* cases = dataset->add_subcommand("cases", "The cases of a dataset version");
  add_selection(cases);
  cases->add_option("--limit", args->limit, "At most this many (default: all)")
      ->check(CLI::Range(1, 1000000));
  cases->add_flag("--json", args->json, "Print JSON (with each case's labels)");
  cases->callback(run(Cases));

  auto* exported = dataset->add_subcommand(
      "export",
      "Write a dataset version (or a split or slice of it) as a flowline labels.jsonl folder, "
      "for `flowline train extract --data` and `flowline eval --data`");
  add_selection(exported);
  exported->add_option("--out", args->out, "The folder to write")->required();
  exported->callback(run(Export));

  auto* sync = dataset->add_subcommand(
      "sync",
      "Fold the reviewers' corrections and audit-sample verdicts made since the last fold into "
      "each workflow's <workflow>.reviewed dataset (`flowline serve` does this on an interval)");
  sync->add_flag("--json", args->json, "Print JSON");
  sync->callback(run(Sync));
}

}  // namespace flowline::cli
