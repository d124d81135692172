// flowline serve: the HTTP API plus workers.
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "audit/chain_keeper.h"
#include "cli/commands.h"
#include "engine/heartbeat.h"
#include "engine/monitoring.h"
#include "monitor/drift_check.h"
#include "monitor/drift_metrics.h"
#include "monitor/measure_metrics.h"
#include "monitor/measure_rollup.h"
#include "monitor/prices.h"
#include "quality/reviewed_cases.h"
#include "server/api_server.h"
#include "spdlog/spdlog.h"
#include "steps/duration.h"
#include "triggers/trigger_host.h"

namespace flowline::cli {
namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  int workers = 4;
  std::vector<std::string> kind_limits;
  std::string ui;  // empty: the build's web folder beside the binary, if there is one
  std::string checkpoint_every = "1m";
  std::string retention = "13mo";
  std::string drift_every = "1h";
  std::string prices;
  std::string measures_interval = "10s";
  std::string datasets_every = "1m";
  bool no_triggers = false;
};

// The web UI the build made: `web` beside the flowline binary (build/web for build/flowline).
std::string DefaultUiDir() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return "";
  return (self.parent_path() / "web").string();
}

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

// Runs the drift check of every workflow every `every` (docs/drift.md) until stopped. A failed
// check is logged and tried again at the next turn.
class DriftSchedule {
 public:
  DriftSchedule(monitor::DriftMonitor& monitor, absl::Duration every)
      : thread_([this, &monitor, every] {
          absl::Time next = absl::Now() + every;
          while (!stop_) {
            if (absl::Now() < next) {
              absl::SleepFor(absl::Milliseconds(100));
              continue;
            }
            absl::StatusOr<std::vector<monitor::DriftReport>> reports = monitor.CheckAll();
            if (!reports.ok()) {
              spdlog::error("drift check failed: {}", reports.status().ToString());
            } else {
              for (const monitor::DriftReport& report : *reports) {
                if (report.drifted() > 0) {
                  spdlog::warn("drift check of {}: {} feature(s) drifted", report.workflow,
                               report.drifted());
                }
              }
            }
            next = absl::Now() + every;
          }
        }) {}
  ~DriftSchedule() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int Serve(const GlobalOptions& global, const ServeArgs& args) {
  std::string host = args.listen;
  int port = 0;
  size_t colon = args.listen.rfind(':');
  if (colon == std::string::npos || !absl::SimpleAtoi(args.listen.substr(colon + 1), &port) ||
      port < 0 || port > 65535) {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--listen ", args.listen, " is not HOST:PORT (e.g. 127.0.0.1:8080, or port 0 for any)")));
  }
  host = args.listen.substr(0, colon);
  absl::StatusOr<absl::Duration> drift_every = steps::ParseDuration(args.drift_every);
  if (!drift_every.ok()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--drift-every: ", drift_every.status().message())));
  }

  audit::ChainKeeperOptions keeping;
  absl::StatusOr<absl::Duration> every = steps::ParseDuration(args.checkpoint_every);
  if (!every.ok()) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("--checkpoint-every: ", every.status().message())));
  }
  keeping.checkpoint_every = *every;
  absl::StatusOr<audit::Retention> retention = audit::Retention::Parse(args.retention);
  if (!retention.ok()) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("--retention: ", retention.status().message())));
  }
  keeping.retention = *retention;
  absl::StatusOr<absl::Duration> interval = steps::ParseDuration(args.measures_interval);
  if (!interval.ok() || *interval <= absl::ZeroDuration()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--measures-interval must be a positive duration such as 10s or 1m, not '",
                     args.measures_interval, "'")));
  }
  absl::StatusOr<absl::Duration> datasets_every = steps::ParseDuration(args.datasets_every);
  if (!datasets_every.ok()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--datasets-every: ", datasets_every.status().message())));
  }
  absl::StatusOr<std::optional<monitor::PriceTable>> prices = LoadPriceTable(args.prices, global);
  if (!prices.ok()) return Fail(prices.status());

  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  absl::StatusOr<const audit::SigningKey*> signing_key = (*app)->signing_key();
  if (!signing_key.ok()) return Fail(signing_key.status());
  audit::ChainKeeper keeper((*app)->store(), **signing_key, keeping);
  if (args.workers == 0 && !(*app)->location().is_postgres()) {
    return Fail(absl::InvalidArgumentError(
        "--workers 0 needs a PostgreSQL store with `flowline worker` processes: on a SQLite "
        "store this server is the only process that executes steps"));
  }
  std::unique_ptr<engine::Engine> engine;
  if (args.workers > 0) {
    absl::StatusOr<std::unique_ptr<engine::Engine>> executing =
        (*app)->NewExecutingEngine(args.workers, args.kind_limits);
    if (!executing.ok()) return Fail(executing.status());
    engine = std::move(*executing);
    if (absl::Status started = engine->Start(); !started.ok()) return Fail(started);
  } else {
    // --workers 0: the engine serves the API (deploys, starts runs, resolves tasks) and is never
    // started, so it leases nothing to itself (an engine with 0 workers would: it is driven by
    // RunUntilIdle); the workers claim the steps.
    engine::EngineOptions api_only;
    if (absl::Status keyed = (*app)->AddPersonalDataKey(api_only); !keyed.ok()) {
      return Fail(keyed);
    }
    engine = (*app)->NewEngine(std::move(api_only));
  }

  engine::PlanMonitorCatalog catalog(*engine);
  monitor::DriftMonitor drift((*app)->store(), catalog, (*app)->clock(), (*app)->random());
  // The measures: folded from the decision record every --measures-interval.
  monitor::RollupLoop rollup((*app)->store(), (*app)->clock(), monitor::RollupOptions{}, *interval);
  rollup.Start();
  monitor::RollupMetrics rollup_metrics(rollup);
  monitor::DriftMetrics drift_metrics((*app)->store());

  server::ApiServerOptions options;
  options.artifacts = (*app)->artifacts();
  options.drift = &drift;
  options.prices = *prices ? &**prices : nullptr;
  options.metrics_sources.push_back(&rollup_metrics);
  options.metrics_sources.push_back(&drift_metrics);
  options.ui_dir = args.ui;
  if (options.ui_dir.empty()) {
    // Without --ui, a missing UI is no reason not to serve the API.
    const std::string built = DefaultUiDir();
    std::error_code error;
    if (!built.empty() && std::filesystem::is_regular_file(built + "/index.html", error)) {
      options.ui_dir = built;
    } else {
      spdlog::warn(
          "no web UI at {} (build it with ./scripts/build.sh, or pass --ui DIR): "
          "serving the API only",
          built);
    }
  }
  absl::StatusOr<std::unique_ptr<server::ApiServer>> api = server::ApiServer::Create(
      options, *engine, (*app)->store(), (*app)->clock(), (*app)->random());
  if (!api.ok()) return Fail(api.status());
  if (absl::Status listening = (*api)->Listen(host, port); !listening.ok()) return Fail(listening);
  // Announced once it serves: a server that failed to start leaves no heartbeat.
  engine::Heartbeat heartbeat((*app)->store(), *engine, (*app)->clock(),
                              {.role = "serve", .workers = args.workers});
  if (absl::Status beating = heartbeat.Start(); !beating.ok()) return Fail(beating);
  // Scripts wait for this line to know the port.
  std::cout << "flowline serving on http://" << host << ":" << (*api)->port() << " (store "
            << (*app)->location().display << ", " << args.workers << " workers"
            << (options.ui_dir.empty() ? ", no web UI" : ", web UI at /") << ")" << std::endl;

  std::optional<DriftSchedule> schedule;
  if (*drift_every > absl::ZeroDuration()) schedule.emplace(drift, *drift_every);

  // The live versions' folder, schedule, ... triggers (docs/triggers.md); webhooks are served
  // by the API above either way.
  triggers::TriggerRegistry trigger_types;
  triggers::RegisterTriggerSources(trigger_types);
  triggers::TriggerHost trigger_host(*engine, (*app)->store(), *(*app)->artifacts(),
                                     (*app)->clock(), trigger_types,
                                     {.connections = (*app)->connections()});
  if (!args.no_triggers) {
    if (absl::Status started = trigger_host.Start(); !started.ok()) return Fail(started);
  }

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  absl::Time next_fold = absl::InfinitePast();
  while (!g_stop) {
    absl::SleepFor(absl::Milliseconds(100));
    // Reviewers' corrections and audit verdicts into the workflows' reviewed datasets.
    if (const absl::Time now = (*app)->clock().Now();
        *datasets_every > absl::ZeroDuration() && now >= next_fold) {
      next_fold = now + *datasets_every;
      absl::StatusOr<quality::ReviewedSync> folded =
          quality::SyncReviewedCases((*app)->store(), (*app)->artifacts(), now);
      if (!folded.ok()) {
        spdlog::warn("folding corrections into datasets: {}", folded.status().ToString());
      } else if (!folded->versions.empty()) {
        spdlog::info("reviewed cases: {}", absl::StrJoin(folded->versions, ", "));
      }
    }
    if (absl::Status kept = keeper.Tick((*app)->clock().Now()); !kept.ok()) {
      spdlog::warn("decision record upkeep (checkpoint or retention): {}", kept.ToString());
    }
  }
  std::cout << "stopping: finishing the steps in flight" << std::endl;
  trigger_host.Stop();
  schedule.reset();
  (*api)->Stop();
  engine->Stop();
  heartbeat.Stop();
  rollup.Stop();
  // The last records are signed before the process ends.
  if (absl::Status signed_head = keeper.Shutdown((*app)->clock().Now()); !signed_head.ok()) {
    spdlog::error("could not sign the decision record's head at shutdown: {}",
                  signed_head.ToString());
    return 1;
  }
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve",
      "Serve the HTTP API (JSON under /api/v1, OpenAPI at /api/v1/openapi.json, "
      "webhook triggers, Prometheus metrics at /metrics), run the live workflows' triggers "
      "(folder, schedule, ...; docs/triggers.md) and execute runs with a pool of "
      "workers; the decision record is folded into the measures as it grows. SIGINT/SIGTERM stop "
      "gracefully; after a crash, steps in flight resume on the next start.");
  cmd->add_option("--listen,-l", args->listen, "HOST:PORT to listen on (port 0: any free port)");
  cmd->add_option("--workers", args->workers,
                  "Threads executing steps; 0 (PostgreSQL only): serve the API and leave the "
                  "steps to `flowline worker` processes")
      ->check(CLI::Range(0, 256));
  cmd->add_option("--kind-limit", args->kind_limits,
                  "At most N attempts of a step kind at once, as KIND=N (repeatable), e.g. "
                  "--kind-limit http=32");
  cmd->add_option("--ui", args->ui,
                  "Folder of the built web UI to serve at / (default: the `web` folder beside "
                  "this binary, which the build makes; without one only the API is served)");
  cmd->add_option("--checkpoint-every", args->checkpoint_every,
                  "How often the decision record's head is signed when it moved (e.g. 30s, 1m, "
                  "5m; 0: only at shutdown)");
  cmd->add_option("--retention", args->retention,
                  "How long decision records are kept: months (13mo), years (2y) or days (400d), "
                  "never less than 6 months; expired ones are pruned every hour");
  cmd->add_option("--drift-every", args->drift_every,
                  "How often to run the drift check of every workflow (docs/drift.md), e.g. 1h or "
                  "15m; 0 turns the periodic check off (`flowline drift check` still works)");
  AddPricesOption(*cmd, args->prices);
  cmd->add_option("--measures-interval", args->measures_interval,
                  "How often the decision record is folded into the measures (the API's "
                  "measures and /metrics lag it by at most this)");
  cmd->add_option("--datasets-every", args->datasets_every,
                  "How often reviewers' corrections and audit verdicts are folded into each "
                  "workflow's <workflow>.reviewed dataset (docs/datasets.md), e.g. 1m; 0: never "
                  "(`flowline dataset sync` still does)");
  cmd->add_flag("--no-triggers", args->no_triggers,
                "Do not run the live workflows' folder, schedule and other polling triggers in "
                "this process (webhooks are still served); see docs/triggers.md");
  cmd->callback([args, &global, &exit_code] { exit_code = Serve(global, *args); });
}

}  // namespace flowline::cli
