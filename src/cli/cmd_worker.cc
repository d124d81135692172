// flowline worker: executes the steps of a PostgreSQL store, with no HTTP API. Any number of
// worker processes on any number of hosts share one store (docs/scale-out.md).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "engine/heartbeat.h"
#include "spdlog/spdlog.h"
#include "steps/duration.h"

namespace flowline::cli {
namespace {

struct WorkerArgs {
  int workers = 4;
  std::vector<std::string> kind_limits;
  std::string lease = "60s";
};

volatile std::sig_atomic_t g_stop = 0;
// The first SIGINT/SIGTERM drains; a second one ends the process at once (its leases lapse).
void OnSignal(int) {
  if (g_stop) _exit(130);
  g_stop = 1;
}

int Work(const GlobalOptions& global, const WorkerArgs& args) {
  absl::StatusOr<absl::Duration> lease = steps::ParseDuration(args.lease);
  if (!lease.ok() || *lease < absl::Seconds(1)) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--lease must be a duration of at least 1s such as 60s or 2m, not '", args.lease, "'")));
  }
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  if (!(*app)->location().is_postgres()) {
    return Fail(absl::FailedPreconditionError(absl::StrCat(
        "flowline worker needs a PostgreSQL store (--store postgresql://...), not the SQLite "
        "file ",
        (*app)->location().display,
        ": on SQLite, `flowline serve` (or `flowline run`) executes the steps itself, in one "
        "process")));
  }
  absl::StatusOr<std::unique_ptr<engine::Engine>> executing =
      (*app)->NewExecutingEngine(args.workers, args.kind_limits, *lease);
  if (!executing.ok()) return Fail(executing.status());
  std::unique_ptr<engine::Engine> engine = std::move(*executing);
  engine::Heartbeat heartbeat((*app)->store(), *engine, (*app)->clock(),
                              {.role = "worker", .workers = args.workers});
  if (absl::Status beating = heartbeat.Start(); !beating.ok()) return Fail(beating);
  g_stop = 0;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  if (absl::Status started = engine->Start(); !started.ok()) return Fail(started);
  // Scripts wait for this line to know the worker runs.
  std::cout << "flowline worker " << engine->worker_id() << " running " << args.workers
            << " workers on store " << (*app)->location().display << std::endl;

  while (!g_stop) absl::SleepFor(absl::Milliseconds(100));
  std::cout << "stopping: claiming nothing more, finishing the steps in flight" << std::endl;
  engine->Stop();
  heartbeat.Stop();
  return 0;
}

}  // namespace

void AddWorkerCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<WorkerArgs>();
  auto* cmd = app.add_subcommand(
      "worker",
      "Execute steps of a PostgreSQL store, with no HTTP API: start any number of workers on "
      "any number of hosts against one database (docs/scale-out.md). A dead worker's steps are "
      "taken over by the others when their leases expire. SIGINT/SIGTERM drain: stop claiming "
      "and finish the steps in flight (a second signal ends at once; leases then lapse). On a "
      "SQLite store use `flowline serve`, which executes steps itself.");
  cmd->add_option("--workers", args->workers, "Threads executing steps")->check(CLI::Range(1, 256));
  cmd->add_option("--kind-limit", args->kind_limits,
                  "At most N attempts of a step kind at once in this process, as KIND=N "
                  "(repeatable), e.g. --kind-limit http=32");
  cmd->add_option("--lease", args->lease,
                  "How long a claimed step stays leased to this process without renewal (renewed "
                  "every third of it): a killed worker's steps resume elsewhere after at most "
                  "this. Longer than any clock skew between hosts");
  cmd->callback([args, &global, &exit_code] { exit_code = Work(global, *args); });
}

}  // namespace flowline::cli
