// flowline drift check, flowline alerts (docs/drift.md).
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "engine/monitoring.h"
#include "monitor/drift_check.h"

namespace flowline::cli {
namespace {

// The exit code of a check that found drift: not a failure (1) or a usage error (2).
constexpr int kDriftFound = 3;

struct DriftArgs {
  std::string workflow;  // empty: every workflow
  bool json = false;
};

std::string Statistics(const monitor::FeatureDrift& feature) {
  std::vector<std::string> parts;
  for (const monitor::DriftStatistic& s : feature.statistics) {
    parts.push_back(absl::StrFormat("%s %.3g", s.name, s.value));
  }
  return parts.empty() ? "-" : absl::StrJoin(parts, ", ");
}

void PrintReport(const monitor::DriftReport& report) {
  std::cout << "workflow " << report.workflow << " (version " << report.version.substr(0, 12)
            << "): reference " << HumanTime(report.windows.reference_from) << " to "
            << HumanTime(report.windows.reference_until) << ", recent "
            << HumanTime(report.windows.recent_from) << " to "
            << HumanTime(report.windows.recent_until) << "\n";
  std::vector<std::vector<std::string>> rows;
  for (const monitor::FeatureDrift& f : report.features) {
    rows.push_back({f.feature, monitor::FeatureTypeName(f.type), f.test,
                    monitor::DriftStatusName(f.status), Statistics(f), absl::StrCat(f.reference_n),
                    absl::StrCat(f.current_n)});
  }
  PrintTable(std::cout, {"FEATURE", "TYPE", "TEST", "STATUS", "STATISTICS", "REFERENCE", "RECENT"},
             rows);
  for (const monitor::FeatureDrift& f : report.features) {
    if (f.status == monitor::DriftStatus::kDrift) {
      std::cout << "drift: " << f.feature << ": " << f.summary << "\n";
    }
  }
  if (!report.windows.ready() && !report.features.empty()) {
    std::cout << report.features.front().summary << "\n";
  }
  for (const std::string& id : report.alerts_opened) std::cout << "alert opened: " << id << "\n";
  for (const std::string& id : report.alerts_resolved) {
    std::cout << "alert resolved (back within thresholds): " << id << "\n";
  }
}

int Check(const GlobalOptions& global, const DriftArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  engine::EngineOptions options;
  options.workers = 0;  // reads plans only; executes nothing
  std::unique_ptr<engine::Engine> engine = (*app)->NewEngine(std::move(options));
  engine::PlanMonitorCatalog catalog(*engine);
  monitor::DriftMonitor monitor((*app)->store(), catalog, (*app)->clock(), (*app)->random());
  std::vector<monitor::DriftReport> reports;
  if (args.workflow.empty()) {
    absl::StatusOr<std::vector<monitor::DriftReport>> all = monitor.CheckAll();
    if (!all.ok()) return Fail(all.status());
    reports = *std::move(all);
  } else {
    absl::StatusOr<monitor::DriftReport> one = monitor.Check(args.workflow);
    if (!one.ok()) return Fail(one.status());
    reports.push_back(*std::move(one));
  }
  int drifted = 0;
  Json list = Json::array();
  for (const monitor::DriftReport& report : reports) {
    drifted += report.drifted();
    if (args.json) {
      list.push_back(report.ToJson());
    } else {
      PrintReport(report);
    }
  }
  if (args.json) {
    std::cout << (args.workflow.empty() ? list.dump(2) : list[0].dump(2)) << "\n";
  } else if (reports.empty()) {
    std::cout << "no workflow with drift monitoring\n";
  }
  return drifted > 0 ? kDriftFound : 0;
}

struct AlertArgs {
  std::string workflow;
  bool all = false;
  int limit = 50;
  std::string alert_id;
  std::string by;
  std::string note;
};

int ListAlerts(const GlobalOptions& global, const AlertArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::AlertFilter filter;
  filter.workflow = args.workflow;
  filter.unresolved_only = !args.all;
  filter.limit = args.limit;
  absl::StatusOr<std::vector<store::Alert>> alerts = (*app)->store().ListAlerts(filter);
  if (!alerts.ok()) return Fail(alerts.status());
  std::vector<std::vector<std::string>> rows;
  for (const store::Alert& a : *alerts) {
    rows.push_back({a.alert_id, a.workflow, a.kind, a.subject, store::AlertStatusName(a.status),
                    HumanTime(a.opened_at), HumanTime(a.updated_at), absl::StrCat(a.occurrences),
                    a.summary});
  }
  PrintTable(
      std::cout,
      {"ALERT", "WORKFLOW", "KIND", "SUBJECT", "STATUS", "OPENED", "LAST SEEN", "SEEN", "SUMMARY"},
      rows);
  return 0;
}

int ChangeAlert(const GlobalOptions& global, const AlertArgs& args, bool resolve) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  const std::string by = args.by.empty() ? "cli" : args.by;
  absl::StatusOr<store::Alert> alert;
  if (resolve) {
    store::AlertResolve r;
    r.alert_id = args.alert_id;
    r.by = by;
    r.resolution = args.note;
    r.now = (*app)->clock().Now();
    alert = (*app)->store().ResolveAlert(r);
  } else {
    alert = (*app)->store().AcknowledgeAlert(args.alert_id, by, (*app)->clock().Now());
  }
  if (!alert.ok()) return Fail(alert.status());
  std::cout << "alert " << alert->alert_id << " is " << store::AlertStatusName(alert->status)
            << "\n";
  return 0;
}

}  // namespace

void AddDriftCommands(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* drift = app.add_subcommand(
      "drift", "Drift detection: compare recent inputs, outputs and rates with a reference window");
  drift->require_subcommand(1);
  auto args = std::make_shared<DriftArgs>();
  auto* check = drift->add_subcommand(
      "check",
      "Bring the drift histograms up to date with the decision record, test every monitored "
      "feature (docs/drift.md), raise or resolve alerts, and print the findings. Exit code 0: "
      "no drift; 3: drift found; 1: the check failed");
  check->add_option("--workflow,-w", args->workflow, "The workflow to check (default: every one)");
  check->add_flag("--json", args->json, "Print the report as JSON");
  check->callback([args, &global, &exit_code] { exit_code = Check(global, *args); });

  auto* alerts = app.add_subcommand("alerts",
                                    "Alerts found by checks (drift): list, acknowledge, "
                                    "resolve");
  alerts->require_subcommand(1);
  auto alert_args = std::make_shared<AlertArgs>();
  auto* list = alerts->add_subcommand("list", "Unresolved alerts, newest first");
  list->add_option("--workflow,-w", alert_args->workflow, "Only this workflow's");
  list->add_flag("--all", alert_args->all, "Resolved ones too");
  list->add_option("--limit", alert_args->limit, "At most this many")->check(CLI::Range(1, 10000));
  list->callback(
      [alert_args, &global, &exit_code] { exit_code = ListAlerts(global, *alert_args); });
  auto* ack = alerts->add_subcommand("ack", "Acknowledge an open alert (someone is on it)");
  ack->add_option("alert", alert_args->alert_id, "The alert's id")->required();
  ack->add_option("--by", alert_args->by, "Who (default: cli)");
  ack->callback(
      [alert_args, &global, &exit_code] { exit_code = ChangeAlert(global, *alert_args, false); });
  auto* resolve = alerts->add_subcommand(
      "resolve", "Resolve an alert; if the drift goes on, the next check opens a new one");
  resolve->add_option("alert", alert_args->alert_id, "The alert's id")->required();
  resolve->add_option("--by", alert_args->by, "Who (default: cli)");
  resolve->add_option("--note", alert_args->note, "Why, for the record");
  resolve->callback(
      [alert_args, &global, &exit_code] { exit_code = ChangeAlert(global, *alert_args, true); });
}

}  // namespace flowline::cli
