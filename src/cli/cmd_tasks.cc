// flowline tasks list / claim / resolve.
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "common/json_util.h"
#include "server/json_views.h"
#include "steps/duration.h"

namespace flowline::cli {
namespace {

std::string DefaultUser() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user ? user : "cli";
}

struct ListArgs {
  std::string queue;
  std::string status;
  std::string run_id;
  int limit = 100;
  bool json = false;
};

int List(const GlobalOptions& global, const ListArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::TaskFilter filter;
  filter.queue = args.queue;
  filter.run_id = args.run_id;
  filter.limit = args.limit;
  if (!args.status.empty()) filter.status = store::ParseTaskStatus(args.status);
  absl::StatusOr<std::vector<store::Task>> tasks = (*app)->store().ListTasks(filter);
  if (!tasks.ok()) return Fail(tasks.status());
  if (args.json) {
    Json out = Json::array();
    for (const store::Task& task : *tasks)
      out.push_back(server::TaskJson(task));  // as the API shows it
    std::cout << out.dump(2) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const store::Task& task : *tasks) {
    rows.push_back({task.task_id, task.queue, std::to_string(task.priority),
                    store::TaskStatusName(task.status), task.title, task.run_id,
                    HumanTime(task.due_at)});
  }
  PrintTable(std::cout, {"TASK", "QUEUE", "PRIORITY", "STATUS", "TITLE", "RUN", "DUE"}, rows);
  return 0;
}

struct ResolveArgs {
  std::string task_id;
  std::string decision;
  std::string comment;
  std::string data = "{}";
  std::string user = DefaultUser();
};

int Resolve(const GlobalOptions& global, const ResolveArgs& args) {
  absl::StatusOr<Json> data = common::ParseJson(args.data, "--data");
  if (!data.ok()) return Fail(data.status());
  if (!data->is_object()) {
    return Fail(absl::InvalidArgumentError("--data must be a JSON object of field values"));
  }
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  engine::EngineOptions recording;
  if (absl::Status keyed = (*app)->AddPersonalDataKey(recording); !keyed.ok()) return Fail(keyed);
  auto engine = (*app)->NewEngine(recording);
  absl::StatusOr<store::Task> task =
      engine->ResolveTask({args.task_id, args.user, args.decision, args.comment, *data});
  if (!task.ok()) return Fail(task.status());
  std::cout << "resolved " << task->task_id << " (" << args.decision << ")\n";
  // With no server executing this store, carry the run on here and now.
  if ((*app)->location().is_postgres()) {
    std::cout << "run " << task->run_id << " continues in the store's workers\n";
    return 0;
  }
  if (!(*app)->LockForExecution().ok()) {
    std::cout << "run " << task->run_id << " continues in the running flowline server\n";
    return 0;
  }
  engine::EngineOptions options = recording;
  options.workers = 0;
  auto executor = (*app)->NewEngine(options);
  if (absl::Status expired = (*app)->store().ExpireAllLeases().status(); !expired.ok()) {
    return Fail(expired);
  }
  if (absl::StatusOr<int> ran = executor->RunUntilIdle(); !ran.ok()) return Fail(ran.status());
  absl::StatusOr<store::Run> run = (*app)->store().GetRun(task->run_id);
  if (!run.ok()) return Fail(run.status());
  std::cout << "run " << run->run_id << " " << store::RunStatusName(run->status);
  if (!run->output_json.empty()) std::cout << ": " << run->output_json;
  if (!run->error.empty()) std::cout << ": " << run->error;
  std::cout << "\n";
  return 0;
}

}  // namespace

void AddTasksCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* tasks = app.add_subcommand("tasks", "Human tasks: list, claim and resolve");
  tasks->require_subcommand(1);

  auto list_args = std::make_shared<ListArgs>();
  auto* list = tasks->add_subcommand("list", "List tasks, highest priority then oldest first");
  list->add_option("--queue,-q", list_args->queue, "Only this queue");
  list->add_option("--status,-s", list_args->status,
                   "open, claimed, resolved or cancelled "
                   "(default: open and claimed)")
      ->check(CLI::IsMember({"open", "claimed", "resolved", "cancelled"}));
  list->add_option("--run", list_args->run_id, "Only this run's tasks");
  list->add_option("--limit,-n", list_args->limit, "At most this many")
      ->check(CLI::Range(1, 10000));
  list->add_flag("--json", list_args->json, "Print JSON");
  list->callback([list_args, &global, &exit_code] { exit_code = List(global, *list_args); });

  auto claim_task = std::make_shared<std::string>();
  auto claim_user = std::make_shared<std::string>(DefaultUser());
  auto claim_lease = std::make_shared<std::string>("15m");
  auto* claim = tasks->add_subcommand(
      "claim", "Claim a task so that nobody else works on it until the lease ends");
  claim->add_option("task_id", *claim_task, "The task's id")->required();
  claim->add_option("--user,-u", *claim_user, "Who claims it (default: $USER)");
  claim->add_option("--lease", *claim_lease, "How long the claim holds, e.g. 15m");
  claim->callback([=, &global, &exit_code] {
    absl::StatusOr<absl::Duration> lease = steps::ParseDuration(*claim_lease);
    if (!lease.ok()) {
      exit_code = Fail(lease.status());
      return;
    }
    absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
    if (!app.ok()) {
      exit_code = Fail(app.status());
      return;
    }
    absl::StatusOr<store::Task> task =
        (*app)->store().ClaimTask(*claim_task, *claim_user, absl::Now(), *lease);
    if (!task.ok()) {
      exit_code = Fail(task.status());
      return;
    }
    std::cout << "claimed " << task->task_id << " for " << *claim_user << " until "
              << HumanTime(task->claim_expires_at) << "\n";
  });

  auto resolve_args = std::make_shared<ResolveArgs>();
  auto* resolve = tasks->add_subcommand(
      "resolve",
      "Resolve a task with a decision; the run continues from there (here and now when no "
      "`flowline serve` is executing the store, else in the server)");
  resolve->add_option("task_id", resolve_args->task_id, "The task's id")->required();
  resolve
      ->add_option("--decision,-d", resolve_args->decision, "The decision, e.g. approve or reject")
      ->required();
  resolve->add_option("--comment,-c", resolve_args->comment, "Why (kept in the record)");
  resolve->add_option("--data", resolve_args->data, "Corrected values as a JSON object");
  resolve->add_option("--user,-u", resolve_args->user, "Who decides (default: $USER)");
  resolve->callback(
      [resolve_args, &global, &exit_code] { exit_code = Resolve(global, *resolve_args); });
}

}  // namespace flowline::cli
