// flowline eval list | show | compare: the evaluations kept in the store (docs/evaluation.md).
#include <fstream>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/eval_stored.h"
#include "cli/table.h"
#include "common/status_macros.h"
#include "lifecycle/evaluation_html.h"
#include "lifecycle/stored_evaluation.h"

namespace flowline::cli {
namespace {

std::string Share(const std::optional<double>& value) {
  return value ? absl::StrFormat("%.1f%%", *value * 100.0) : "-";
}

struct ListArgs {
  std::string workflow;
  std::string version;
  std::string dataset;
  int limit = 50;
  bool json = false;
};

int RunList(const ListArgs& args, const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::EvaluationFilter filter;
  filter.workflow = args.workflow;
  filter.version = args.version;
  filter.dataset = args.dataset;
  filter.limit = args.limit;
  absl::StatusOr<std::vector<store::EvaluationRow>> rows = (*app)->store().ListEvaluations(filter);
  if (!rows.ok()) return Fail(rows.status());
  Json list = Json::array();
  std::vector<std::vector<std::string>> table;
  for (const store::EvaluationRow& row : *rows) {
    absl::StatusOr<quality::EvaluationSummary> summary = lifecycle::SummaryOf(row);
    if (!summary.ok()) return Fail(summary.status());
    absl::StatusOr<Json> json = lifecycle::EvaluationJson(row, /*with_report=*/false);
    if (!json.ok()) return Fail(json.status());
    list.push_back(*std::move(json));
    table.push_back({row.evaluation_id, row.workflow, row.version.substr(0, 12),
                     row.dataset_version > 0 ? absl::StrCat(row.dataset, "@", row.dataset_version)
                                             : row.dataset,
                     row.split, std::to_string(summary->cases), Share(summary->mean_field_accuracy),
                     Share(summary->straight_through), HumanTime(row.created_at)});
  }
  if (args.json) {
    std::cout << list.dump(2) << "\n";
  } else if (table.empty()) {
    std::cout << "no evaluations stored (flowline eval --save, or a deployed version on a "
                 "stored dataset)\n";
  } else {
    PrintTable(
        std::cout,
        {"ID", "WORKFLOW", "VERSION", "DATASET", "SPLIT", "CASES", "ACCURACY", "STP", "CREATED"},
        table);
  }
  return 0;
}

struct ShowArgs {
  std::string id;
  std::string html;
  bool json = false;
};

int RunShow(const ShowArgs& args, const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<store::EvaluationRow> row = (*app)->store().GetEvaluation(args.id);
  if (!row.ok()) return Fail(row.status());
  absl::StatusOr<Json> report = common::ParseJson(row->report_json, args.id);
  if (!report.ok()) return Fail(report.status());
  if (!args.html.empty()) {
    absl::Status written = WriteEvaluationHtml(*report, args.html);
    if (!written.ok()) return Fail(written);
  }
  absl::StatusOr<quality::EvaluationSummary> summary = lifecycle::SummaryOf(*row);
  if (!summary.ok()) return Fail(summary.status());
  if (args.json) {
    absl::StatusOr<Json> json = lifecycle::EvaluationJson(*row, /*with_report=*/true);
    if (!json.ok()) return Fail(json.status());
    std::cout << json->dump(2) << "\n";
    return 0;
  }
  std::cout << absl::StrFormat(
      "evaluation %s of %s@%s on %s%s (%s), %s by %s\n", row->evaluation_id, row->workflow,
      row->version.substr(0, 12), row->dataset,
      row->dataset_version > 0 ? absl::StrCat("@", row->dataset_version) : "", row->split,
      HumanTime(row->created_at), row->created_by);
  std::vector<std::vector<std::string>> fields;
  for (const auto& [name, accuracy] : summary->field_accuracy) {
    fields.push_back({name, Share(accuracy)});
  }
  PrintTable(std::cout, {"FIELD", "ACCURACY"}, fields);
  std::cout << absl::StrFormat(
      "cases %d, mean field accuracy %s, straight-through at %s accuracy %s, workflow "
      "straight-through %s, cost per case %s\n",
      summary->cases, Share(summary->mean_field_accuracy), Share(summary->target_accuracy),
      Share(summary->straight_through), Share(summary->workflow_straight_through),
      summary->cost_per_case
          ? absl::StrFormat("%.4f %s", *summary->cost_per_case, summary->currency)
          : "-");
  return 0;
}

struct CompareArgs {
  std::string a, b;
  bool json = false;
};

int RunCompare(const CompareArgs& args, const GlobalOptions& global) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<store::EvaluationRow> a = (*app)->store().GetEvaluation(args.a);
  if (!a.ok()) return Fail(a.status());
  absl::StatusOr<store::EvaluationRow> b = (*app)->store().GetEvaluation(args.b);
  if (!b.ok()) return Fail(b.status());
  absl::StatusOr<Json> comparison = lifecycle::CompareEvaluations(*a, *b);
  if (!comparison.ok()) return Fail(comparison.status());
  std::cout << (args.json ? comparison->dump(2) + "\n" : lifecycle::ComparisonTable(*comparison));
  return 0;
}

}  // namespace

absl::Status WriteEvaluationHtml(const Json& report, const std::string& path) {
  std::ofstream out(path);
  out << lifecycle::EvaluationHtml(report);
  if (!out) return absl::UnavailableError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

void AddStoredEvalCommands(CLI::App& eval, const GlobalOptions& global, int& exit_code) {
  auto list = std::make_shared<ListArgs>();
  auto* cmd = eval.add_subcommand("list", "The stored evaluations, newest first");
  cmd->add_option("--workflow", list->workflow, "Only this workflow's");
  cmd->add_option("--version", list->version, "Only this version's (its full hash)");
  cmd->add_option("--dataset", list->dataset, "Only those on this dataset");
  cmd->add_option("--limit", list->limit, "At most this many (default 50)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag("--json", list->json, "Print them as JSON, each with its summary");
  cmd->callback([list, &global, &exit_code] { exit_code = RunList(*list, global); });

  auto show = std::make_shared<ShowArgs>();
  cmd = eval.add_subcommand("show", "One stored evaluation: its gated measures per field");
  cmd->add_option("id", show->id, "The evaluation's id (ev-...)")->required();
  cmd->add_option("--html", show->html, "Also write its report as an HTML page with plots");
  cmd->add_flag("--json", show->json, "Print it as JSON with its whole report");
  cmd->callback([show, &global, &exit_code] { exit_code = RunShow(*show, global); });

  auto compare = std::make_shared<CompareArgs>();
  cmd = eval.add_subcommand(
      "compare",
      "Two stored evaluations field by field: accuracy and coverage with the differences, the "
      "gated measures, and the cases whose fields went from right to wrong and back");
  cmd->add_option("a", compare->a, "The first evaluation (the baseline)")->required();
  cmd->add_option("b", compare->b, "The second evaluation")->required();
  cmd->add_flag("--json", compare->json, "Print the comparison as JSON");
  cmd->callback([compare, &global, &exit_code] { exit_code = RunCompare(*compare, global); });
}

}  // namespace flowline::cli
