// flowline run: start runs from inputs and execute them in this process.
#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <set>

#include "CLI/CLI.hpp"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "audit/checkpoints.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "cli/progress.h"
#include "cli/table.h"
#include "store/store.h"

namespace flowline::cli {
namespace {

struct RunArgs {
  std::string workflow;
  std::vector<std::string> inputs;
  std::vector<std::string> inline_inputs;
  int workers = 4;
  int in_flight = 16;
  std::vector<std::string> kind_limits;
};

// Follows the runs this command started until each is finished or waiting for a person. Shadow
// copies (docs/releases.md) are followed too, but not counted among the outcomes.
class RunTracker {
 public:
  void OnFinished(const std::string& run_id, store::RunStatus status) {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.erase(run_id) > 0) {
      Count(run_id, store::RunStatusName(status));
    } else {
      early_[run_id] = status;  // finished before Started() was called
    }
    cv_.notify_all();
  }

  void Started(const std::string& run_id, bool counted = true) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!counted) uncounted_.insert(run_id);
    if (auto it = early_.find(run_id); it != early_.end()) {
      Count(run_id, store::RunStatusName(it->second));
      early_.erase(it);
    } else {
      pending_.insert(run_id);
    }
  }

  void CountOther(const std::string& run_id, const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mu_);
    Count(run_id, outcome);
  }

  // Waits up to `timeout` for fewer than `limit` runs to be pending; returns how many are.
  size_t WaitBelow(size_t limit, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                 [&] { return pending_.size() < limit; });
    return pending_.size();
  }

  // Runs that made no progress lately and wait only for people count as settled.
  void SettleWaitingForPeople(store::Store& store) {
    std::vector<std::string> pending;
    {
      std::lock_guard<std::mutex> lock(mu_);
      pending.assign(pending_.begin(), pending_.end());
    }
    for (const std::string& run_id : pending) {
      absl::StatusOr<store::RunDetail> detail = store.GetRunDetail(run_id);
      if (!detail.ok()) continue;
      bool task = false, moving = false;
      for (const store::StepState& step : detail->steps) {
        if (step.status == store::StepStatus::kWaiting && !step.task_id.empty()) task = true;
        if (step.status == store::StepStatus::kReady ||
            step.status == store::StepStatus::kRunning ||
            (step.status == store::StepStatus::kWaiting && step.task_id.empty())) {
          moving = true;
        }
      }
      if (task && !moving) {
        std::lock_guard<std::mutex> lock(mu_);
        if (pending_.erase(run_id) > 0) Count(run_id, "waiting for a person");
      }
    }
  }

  int64_t done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  std::map<std::string, std::vector<std::string>> outcomes() {
    std::lock_guard<std::mutex> lock(mu_);
    return outcomes_;
  }

 private:
  void Count(const std::string& run_id, const std::string& outcome) {
    if (uncounted_.erase(run_id) > 0) return;
    outcomes_[outcome].push_back(run_id);
    ++done_;
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::set<std::string> pending_;
  std::set<std::string> uncounted_;  // shadow copies: followed, not counted
  std::map<std::string, store::RunStatus> early_;
  std::map<std::string, std::vector<std::string>> outcomes_;
  int64_t done_ = 0;
};

// What the business sees of a batch: how many runs needed nobody, why the others wait for a
// person (the review steps' `reasons`), and the time saved (manual_minutes per straight-through
// run).
void PrintBusinessSummary(store::Store& store,
                          const std::map<std::string, std::vector<std::string>>& outcomes,
                          double manual_minutes, size_t runs) {
  int straight_through = 0;
  std::map<std::string, int> reasons;
  for (const auto& [outcome, run_ids] : outcomes) {
    if (outcome != "completed" && outcome != "waiting for a person") continue;
    for (const std::string& run_id : run_ids) {
      absl::StatusOr<store::RunDetail> detail = store.GetRunDetail(run_id);
      if (!detail.ok()) continue;
      bool person = false;
      for (const store::StepState& step : detail->steps) person |= !step.task_id.empty();
      if (!person && outcome == "completed") ++straight_through;
      if (outcome != "waiting for a person") continue;
      store::TaskFilter filter;
      filter.run_id = run_id;
      absl::StatusOr<std::vector<store::Task>> tasks = store.ListTasks(filter);
      if (!tasks.ok()) continue;
      for (const store::Task& task : *tasks) {
        absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "task payload");
        const Json* listed =
            payload.ok() && payload->contains("reasons") ? &(*payload)["reasons"] : nullptr;
        if (listed == nullptr || !listed->is_array() || listed->empty()) {
          ++reasons[absl::StrCat("review: ", task.title)];
          continue;
        }
        for (const Json& reason : *listed) {
          if (reason.is_string()) ++reasons[reason.get<std::string>()];
        }
      }
    }
  }
  std::cout << absl::StrFormat("straight-through: %d of %d (%.1f%%), no person involved\n",
                               straight_through, runs,
                               100.0 * straight_through / std::max<size_t>(runs, 1));
  if (!reasons.empty()) {
    std::vector<std::pair<int, std::string>> sorted;
    for (const auto& [reason, count] : reasons) sorted.push_back({-count, reason});
    std::sort(sorted.begin(), sorted.end());
    std::cout << "exceptions by reason (a run may have several):\n";
    for (const auto& [count, reason] : sorted) {
      std::cout << absl::StrFormat("  %5d  %s\n", -count, reason);
    }
  }
  if (manual_minutes > 0) {
    double minutes = straight_through * manual_minutes;
    std::cout << absl::StrFormat(
        "time saved: %d straight-through runs x %g min = %s (the workflow's manual_minutes)\n",
        straight_through, manual_minutes,
        minutes >= 120 ? absl::StrFormat("%.1f h", minutes / 60)
                       : absl::StrFormat("%g min", minutes));
  }
}

int Run(const GlobalOptions& global, const RunArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<std::unique_ptr<engine::Engine>> executing =
      (*app)->NewExecutingEngine(args.workers, args.kind_limits);
  if (!executing.ok()) return Fail(executing.status());
  std::unique_ptr<engine::Engine> engine = std::move(*executing);

  // A spec file instead of a workflow name: deploy it first.
  std::string workflow = args.workflow;
  std::error_code ec;
  if ((absl::EndsWith(workflow, ".yaml") || absl::EndsWith(workflow, ".yml")) &&
      std::filesystem::is_regular_file(workflow, ec)) {
    absl::StatusOr<std::string> text = ReadFile(workflow);
    if (!text.ok()) return Fail(text.status());
    absl::StatusOr<engine::DeployResult> deployed = engine->Deploy(*text, workflow);
    if (!deployed.ok()) {
      std::cerr << deployed.status().message() << "\n";
      return 1;
    }
    workflow = deployed->workflow;
    if (deployed->stage != store::VersionStage::kLive) {
      // A spec with a release gate enters as a draft once the workflow has a live version.
      std::cerr << "note: " << args.workflow << " is version " << deployed->version.substr(0, 12)
                << " of " << workflow << ", a " << store::VersionStageName(deployed->stage)
                << ": the runs start on the live version (to make it live: flowline promote "
                << workflow << " " << deployed->version.substr(0, 12) << ")\n";
    }
  }

  // Read every input before starting anything: a bad file starts no run.
  std::vector<RunInput> inputs;
  for (size_t i = 0; i < args.inline_inputs.size(); ++i) {
    std::string where = absl::StrCat("--input #", i + 1);
    absl::StatusOr<Json> value = common::ParseJson(args.inline_inputs[i], where);
    if (!value.ok()) return Fail(value.status());
    inputs.push_back({where, std::move(*value)});
  }
  for (const std::string& path : args.inputs) {
    absl::StatusOr<std::vector<RunInput>> loaded = LoadInputs(path);
    if (!loaded.ok()) return Fail(loaded.status());
    for (RunInput& input : *loaded) inputs.push_back(std::move(input));
  }
  if (inputs.empty()) {
    return Fail(absl::InvalidArgumentError(
        "no inputs: give input files, a directory, a JSONL file, '-' for stdin, or --input JSON"));
  }

  RunTracker tracker;
  std::string version;
  engine->SetRunFinishedCallback([&tracker](const std::string& run_id, store::RunStatus status) {
    tracker.OnFinished(run_id, status);
  });
  if (absl::Status started = engine->Start(); !started.ok()) return Fail(started);

  const absl::Time start = absl::Now();
  ProgressBar progress("runs", static_cast<int64_t>(inputs.size()));
  int refused = 0;
  int shadows = 0;
  int64_t last_done = -1;
  absl::Time last_progress = absl::Now();
  auto idle_check = [&] {
    int64_t done = tracker.done();
    progress.Update(done + refused);
    if (done != last_done) {
      last_done = done;
      last_progress = absl::Now();
    } else if (absl::Now() - last_progress > absl::Milliseconds(300)) {
      tracker.SettleWaitingForPeople(engine->store());
      last_progress = absl::Now();
    }
  };
  for (const RunInput& input : inputs) {
    while (tracker.WaitBelow(static_cast<size_t>(args.in_flight), absl::Milliseconds(100)) >=
           static_cast<size_t>(args.in_flight)) {
      idle_check();
    }
    absl::StatusOr<engine::StartRunResult> result = engine->StartRun({workflow, input.input, ""});
    if (!result.ok()) {
      std::cerr << "\r" << input.source << ": refused: " << result.status().message() << "\n";
      ++refused;
      continue;
    }
    if (version.empty()) version = result->version;
    if (result->created) {
      tracker.Started(result->run_id);
      if (!result->shadow_run_id.empty()) {
        tracker.Started(result->shadow_run_id, /*counted=*/false);
        ++shadows;
      }
    } else {
      tracker.CountOther(result->run_id, absl::StrCat("already started (same business key), ",
                                                      store::RunStatusName(result->status)));
    }
  }
  while (tracker.WaitBelow(1, absl::Milliseconds(100)) > 0) idle_check();
  progress.Update(tracker.done() + refused);
  progress.Finish();
  engine->Stop();
  // The records this command wrote are signed before it ends, as `flowline serve` does at
  // shutdown.
  absl::StatusOr<const audit::SigningKey*> signing_key = (*app)->signing_key();
  if (!signing_key.ok()) return Fail(signing_key.status());
  if (auto signed_head =
          audit::CheckpointHead((*app)->store(), **signing_key, (*app)->clock().Now(), "shutdown");
      !signed_head.ok()) {
    return Fail(signed_head.status());
  }

  double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  auto outcomes = tracker.outcomes();
  std::cout << inputs.size() << (inputs.size() == 1 ? " input" : " inputs") << " in "
            << HumanDuration(absl::Now() - start) << " ("
            << static_cast<int64_t>(inputs.size() / std::max(seconds, 1e-9)) << "/s):\n";
  for (const auto& [outcome, runs] : outcomes) {
    std::cout << "  " << runs.size() << " " << outcome << "\n";
  }
  if (refused > 0) std::cout << "  " << refused << " refused (see the errors above)\n";
  if (shadows > 0) {
    std::cout << "  and " << shadows << " shadow " << (shadows == 1 ? "copy" : "copies")
              << ", side effects suppressed (compare: flowline shadow report " << workflow << ")\n";
  }
  if (!version.empty() && inputs.size() > 1) {
    absl::StatusOr<std::shared_ptr<const engine::Plan>> plan = engine->GetPlan(workflow, version);
    PrintBusinessSummary(engine->store(), outcomes,
                         plan.ok() ? (*plan)->spec().manual_minutes : 0.0,
                         inputs.size() - static_cast<size_t>(refused));
  }
  bool any_failed = false;
  for (const char* bad : {"failed"}) {
    auto it = outcomes.find(bad);
    if (it == outcomes.end()) continue;
    any_failed = true;
    size_t shown = 0;
    for (const std::string& run_id : it->second) {
      if (shown++ == 10) {
        std::cout << "  ... (flowline runs list --status failed)\n";
        break;
      }
      absl::StatusOr<store::Run> run = engine->store().GetRun(run_id);
      if (run.ok()) std::cout << "  " << run_id << ": " << run->error << "\n";
    }
  }
  if (outcomes.size() == 1 && outcomes.begin()->second.size() == 1 && refused == 0) {
    absl::StatusOr<store::Run> run = engine->store().GetRun(outcomes.begin()->second.front());
    if (run.ok()) {
      std::cout << "run " << run->run_id << " " << store::RunStatusName(run->status);
      if (!run->output_json.empty()) std::cout << ": " << run->output_json;
      std::cout << "\n";
    }
  }
  return (refused > 0 || any_failed) ? 1 : 0;
}

}  // namespace

void AddRunCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  auto* cmd = app.add_subcommand(
      "run",
      "Start runs of a workflow from inputs and execute them here, with a progress bar and a "
      "summary. Inputs: JSON files, JSONL files (one input a line), documents (PDF, PNG, JPEG, "
      "TIFF: the input is {file, name, sha256}), directories of them, '-' (JSONL on stdin) or "
      "--input. Runs that wait for a person stay open (see `flowline tasks`).");
  cmd->add_option("workflow", args->workflow,
                  "A deployed workflow's name, or a spec file (deployed first)")
      ->required();
  cmd->add_option("inputs", args->inputs, "Input files or directories");
  cmd->add_option("--input,-i", args->inline_inputs, "An input as JSON text (repeatable)");
  cmd->add_option("--workers", args->workers, "Threads executing steps")->check(CLI::Range(1, 256));
  cmd->add_option("--in-flight", args->in_flight, "Runs in progress at once")
      ->check(CLI::Range(1, 100000));
  cmd->add_option("--kind-limit", args->kind_limits,
                  "At most N attempts of a step kind at once, as KIND=N (repeatable)");
  cmd->callback([args, &global, &exit_code] { exit_code = Run(global, *args); });
}

}  // namespace flowline::cli
