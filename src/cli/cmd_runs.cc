// flowline runs list / runs show.
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/json_util.h"
#include "server/json_views.h"

namespace flowline::cli {
namespace {

struct ListArgs {
  std::string workflow;
  std::string status;
  int limit = 50;
  bool json = false;
};

int List(const GlobalOptions& global, const ListArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::RunFilter filter;
  filter.workflow = args.workflow;
  filter.limit = args.limit;
  if (!args.status.empty()) filter.status = store::ParseRunStatus(args.status);
  absl::StatusOr<std::vector<store::Run>> runs = (*app)->store().ListRuns(filter);
  if (!runs.ok()) return Fail(runs.status());
  if (args.json) {
    Json out = Json::array();
    for (const store::Run& run : *runs) out.push_back(server::RunSummaryJson(run));
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const store::Run& run : *runs) {
    std::string took =
        run.finished_at.has_value() ? HumanDuration(*run.finished_at - run.created_at) : "-";
    std::string status = store::RunStatusName(run.status);
    if (run.mode != store::RunMode::kNormal) {
      absl::StrAppend(&status, " (", store::RunModeName(run.mode), ")");
    }
    rows.push_back({run.run_id, run.workflow, run.business_key.empty() ? "-" : run.business_key,
                    status, HumanTime(run.created_at), took});
  }
  PrintTable(std::cout, {"RUN", "WORKFLOW", "KEY", "STATUS", "CREATED", "TOOK"}, rows);
  return 0;
}

int Show(const GlobalOptions& global, const std::string& run_id, bool json) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::Store& store = (*app)->store();
  absl::StatusOr<store::RunDetail> detail = store.GetRunDetail(run_id);
  if (!detail.ok()) return Fail(detail.status());
  absl::StatusOr<std::vector<store::Record>> records = store.ListRecords(run_id);
  if (!records.ok()) return Fail(records.status());

  // Actors come from the version the run is pinned to.
  std::map<std::string, std::string> actors;
  auto engine = (*app)->NewEngine({});
  if (auto plan = engine->GetPlan(detail->run.workflow, detail->run.version); plan.ok()) {
    for (const auto& step : (*plan)->steps()) actors[step.spec->id] = step.actor_label;
  }

  if (json) {
    // The same JSON as GET /api/v1/runs/{id}, plus each step's actor.
    Json out = server::RunJson(detail->run);
    out["steps"] = Json::array();
    for (const store::StepState& step : detail->steps) {
      Json s = server::StepJson(step);
      s["actor"] = actors.count(step.step_id) ? actors[step.step_id] : "system";
      out["steps"].push_back(std::move(s));
    }
    out["records"] = Json::array();
    for (const store::Record& r : *records) out["records"].push_back(server::RecordJson(r));
    std::cout << out.dump(2) << "\n";
    return 0;
  }

  const store::Run& run = detail->run;
  std::cout << "run      " << run.run_id << "\n"
            << "workflow " << run.workflow << " @ " << run.version.substr(0, 12) << "\n"
            << "key      " << (run.business_key.empty() ? "-" : run.business_key) << "\n"
            << "status   " << store::RunStatusName(run.status) << "\n"
            << "created  " << HumanTime(run.created_at) << "\n"
            << "finished " << HumanTime(run.finished_at);
  if (run.finished_at.has_value()) {
    std::cout << " (" << HumanDuration(*run.finished_at - run.created_at) << ")";
  }
  std::cout << "\n";
  if (!run.output_json.empty()) std::cout << "output   " << run.output_json << "\n";
  if (!run.error.empty()) std::cout << "error    " << run.error << "\n";
  std::cout << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const store::StepState& step : detail->steps) {
    if (step.step_id == store::kEndStepId) continue;
    rows.push_back(
        {step.step_id, actors.count(step.step_id) ? actors[step.step_id] : "-",
         store::StepStatusName(step.status), std::to_string(step.attempt),
         step.duration_us > 0 ? HumanDuration(absl::Microseconds(step.duration_us)) : "-",
         HumanTime(step.started_at)});
  }
  PrintTable(std::cout, {"STEP", "ACTOR", "STATUS", "ATTEMPTS", "DURATION", "STARTED"}, rows);
  for (const store::StepState& step : detail->steps) {
    if (step.step_id == store::kEndStepId) continue;
    if (step.params_json.empty() && step.output_json.empty() && step.error.empty() &&
        step.task_id.empty()) {
      continue;
    }
    std::cout << "\n" << step.step_id << "\n";
    if (!step.params_json.empty()) std::cout << "  input  " << step.params_json << "\n";
    if (!step.output_json.empty()) std::cout << "  output " << step.output_json << "\n";
    if (step.confidence.has_value()) std::cout << "  confidence " << *step.confidence << "\n";
    if (!step.error.empty()) std::cout << "  error  " << step.error << "\n";
    if (!step.task_id.empty()) std::cout << "  task   " << step.task_id << "\n";
  }
  std::cout << "\nrecord\n";
  std::vector<std::vector<std::string>> record_rows;
  for (const store::Record& r : *records) {
    record_rows.push_back({std::to_string(r.seq), HumanTime(r.at), r.kind,
                           r.step_id.empty() ? "-" : r.step_id, r.actor});
  }
  PrintTable(std::cout, {"SEQ", "AT", "KIND", "STEP", "ACTOR"}, record_rows);
  return 0;
}

}  // namespace

void AddRunsCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* runs = app.add_subcommand("runs", "List runs and show one run's timeline");
  runs->require_subcommand(1);

  auto list_args = std::make_shared<ListArgs>();
  auto* list = runs->add_subcommand("list", "List runs, newest first");
  list->add_option("--workflow,-w", list_args->workflow, "Only this workflow");
  list->add_option("--status,-s", list_args->status, "Only runs in this status")
      ->check(CLI::IsMember({"running", "completed", "failed", "rejected", "cancelled"}));
  list->add_option("--limit,-n", list_args->limit, "At most this many")
      ->check(CLI::Range(1, 10000));
  list->add_flag("--json", list_args->json, "Print JSON");
  list->callback([list_args, &global, &exit_code] { exit_code = List(global, *list_args); });

  auto run_id = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* show = runs->add_subcommand(
      "show",
      "Show a run: every step with its actor, status, attempts, duration, input and "
      "output, and the run's decision record");
  show->add_option("run_id", *run_id, "The run's id")->required();
  show->add_flag("--json", *json, "Print JSON");
  show->callback([run_id, json, &global, &exit_code] { exit_code = Show(global, *run_id, *json); });
}

}  // namespace flowline::cli
