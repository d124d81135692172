// flowline workflows / promote / rollback / shadow report / replay: the release life cycle
// (docs/releases.md).
#include <cstdlib>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/commands.h"
#include "cli/table.h"
#include "cli/workflow_runs.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "lifecycle/promote.h"
#include "lifecycle/replay.h"
#include "lifecycle/shadow.h"
#include "monitor/measure_names.h"
#include "monitor/prices.h"
#include "server/version_lookup.h"

namespace flowline::cli {
namespace {

std::string Who() {
  const char* user = std::getenv("USER");
  return user != nullptr && *user != '\0' ? user : "cli";
}

std::string Short(const std::string& version) { return version.substr(0, 12); }

std::string Percent(int part, int whole) {
  return whole > 0 ? absl::StrFormat("%.1f%%", 100.0 * part / whole) : "-";
}

// A version by its hash or a unique prefix of it.
absl::StatusOr<store::VersionInfo> FindVersion(store::Store& store, const std::string& workflow,
                                               const std::string& prefix) {
  ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, store.ListVersions(workflow));
  if (versions.empty()) {
    return absl::NotFoundError(absl::StrCat("workflow ", workflow, " was never deployed"));
  }
  ASSIGN_OR_RETURN(const store::VersionInfo* found,
                   server::FindVersion(versions, workflow, prefix));
  return *found;
}

int ListWorkflows(const GlobalOptions& global, const std::string& name, bool json) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::Store& store = (*app)->store();
  if (name.empty()) {
    absl::StatusOr<std::vector<store::WorkflowInfo>> workflows = store.ListWorkflows();
    if (!workflows.ok()) return Fail(workflows.status());
    Json out = Json::array();
    std::vector<std::vector<std::string>> rows;
    for (const store::WorkflowInfo& w : *workflows) {
      out.push_back({{"workflow", w.workflow},
                     {"live_version", w.live_version},
                     {"shadow_version", w.shadow_version},
                     {"canary_version", w.canary_version},
                     {"canary_share", w.canary_share},
                     {"paused", w.paused}});
      rows.push_back(
          {w.workflow, w.live_version.empty() ? "-" : Short(w.live_version),
           w.shadow_version.empty() ? "-" : Short(w.shadow_version),
           w.canary_version.empty()
               ? "-"
               : absl::StrFormat("%s (%.1f%%)", Short(w.canary_version), 100 * w.canary_share),
           w.paused ? "paused" : ""});
    }
    if (json) {
      std::cout << out.dump(2) << "\n";
    } else {
      PrintTable(std::cout, {"WORKFLOW", "LIVE", "SHADOW", "CANARY", ""}, rows);
    }
    return 0;
  }
  absl::StatusOr<store::WorkflowInfo> workflow = store.GetWorkflow(name);
  if (!workflow.ok()) return Fail(workflow.status());
  absl::StatusOr<std::vector<store::VersionInfo>> versions = store.ListVersions(name);
  if (!versions.ok()) return Fail(versions.status());
  Json out = Json::array();
  std::vector<std::vector<std::string>> rows;
  for (const store::VersionInfo& v : *versions) {
    std::string stage = store::VersionStageName(v.stage);
    if (v.version == workflow->canary_version) {
      absl::StrAppend(&stage, absl::StrFormat(" + canary %.1f%%", 100 * workflow->canary_share));
    }
    out.push_back(
        {{"version", v.version},
         {"stage", store::VersionStageName(v.stage)},
         {"canary", v.version == workflow->canary_version},
         {"deployed_at", absl::FormatTime(absl::RFC3339_full, v.deployed_at, absl::UTCTimeZone())},
         {"source", v.source_name}});
    rows.push_back({Short(v.version), stage, HumanTime(v.deployed_at), v.source_name});
  }
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    PrintTable(std::cout, {"VERSION", "STAGE", "DEPLOYED", "SOURCE"}, rows);
  }
  return 0;
}

struct PromoteArgs {
  std::string workflow;
  std::string version;
  std::string to = "live";
  std::optional<double> canary;
  bool force = false;
  std::string reason;
  std::string prices;
  int workers = 2;
};

int RunPromote(const GlobalOptions& global, const PromoteArgs& args) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::Store& store = (*app)->store();
  absl::StatusOr<store::VersionInfo> version = FindVersion(store, args.workflow, args.version);
  if (!version.ok()) return Fail(version.status());
  lifecycle::PromoteRequest request;
  request.workflow = args.workflow;
  request.version = version->version;
  request.to = *store::ParseVersionStage(args.to);
  request.canary_share = args.canary;
  request.force = args.force;
  request.reason = args.reason;
  request.by = Who();
  // The gate evaluates the candidate and the live version on the gate dataset (scratch stores,
  // side effects suppressed) with this program's step kinds; the evaluations are kept.
  absl::StatusOr<std::optional<monitor::PriceTable>> prices = LoadPriceTable(args.prices, global);
  if (!prices.ok()) return Fail(prices.status());
  ProgramEnvironment environment(global);
  lifecycle::GateCheckOptions gate_options;
  gate_options.workers = args.workers;
  gate_options.prices = *prices ? &**prices : nullptr;
  gate_options.created_by = Who();
  gate_options.progress = [](const std::string& what) { std::cerr << what << "\n"; };
  absl::StatusOr<lifecycle::PromoteResult> result = lifecycle::Promote(
      store, request,
      lifecycle::ReleaseGate(environment.env, store, (*app)->artifacts(), gate_options),
      (*app)->clock().Now());
  if (!result.ok()) return Fail(result.status());
  const std::string what =
      args.canary.has_value()
          ? (*args.canary > 0
                 ? absl::StrFormat("the canary, taking %.1f%% of new cases", 100 * *args.canary)
                 : std::string("no longer the canary"))
          : args.to;
  std::cout << args.workflow << " version " << Short(version->version) << " ("
            << store::VersionStageName(result->from) << ") is now " << what << "\n";
  if (result->gate_checked) {
    std::cout << (result->forced ? "the release gate FAILED and was overruled (--force): "
                                 : "the release gate passed")
              << (result->forced ? args.reason : "") << "\n";
    for (const std::string& failure : result->gate.failures) std::cout << "  " << failure << "\n";
    if (!result->gate.table.empty()) std::cout << "\n" << result->gate.table;
  } else {
    std::cout << "no release gate checked: " << result->gate_note << "\n";
  }
  return 0;
}

int RunRollback(const GlobalOptions& global, const std::string& workflow, const std::string& to,
                const std::string& reason) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  std::string version;
  if (!to.empty()) {
    absl::StatusOr<store::VersionInfo> found = FindVersion((*app)->store(), workflow, to);
    if (!found.ok()) return Fail(found.status());
    version = found->version;
  }
  absl::StatusOr<lifecycle::PromoteResult> result =
      lifecycle::Rollback((*app)->store(), workflow, version, Who(), reason, (*app)->clock().Now());
  if (!result.ok()) return Fail(result.status());
  std::cout << workflow << " is back on version " << Short(result->workflow.live_version)
            << " (was " << store::VersionStageName(result->from) << ")\n";
  return 0;
}

int RunShadowReport(const GlobalOptions& global, const std::string& workflow,
                    const std::string& version_prefix, bool json) {
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  std::string version;
  if (!version_prefix.empty()) {
    absl::StatusOr<store::VersionInfo> found =
        FindVersion((*app)->store(), workflow, version_prefix);
    if (!found.ok()) return Fail(found.status());
    version = found->version;
  }
  absl::StatusOr<lifecycle::ShadowReport> report =
      lifecycle::BuildShadowReport((*app)->store(), workflow, version, (*app)->clock().Now());
  if (!report.ok()) return Fail(report.status());
  if (json) {
    std::cout << lifecycle::ShadowReportJson(*report).dump(2) << "\n";
    return 0;
  }
  if (report->shadow_version.empty()) {
    std::cout << workflow << " has no shadow version and none was compared; put one in the "
              << "shadow with `flowline promote " << workflow << " VERSION --to shadow`\n";
    return 0;
  }
  std::cout << "shadow " << Short(report->shadow_version)
            << (report->current_shadow ? "" : " (no longer the shadow)") << " against live "
            << Short(report->live_version) << ": " << report->pairs << " cases compared, "
            << report->agreeing << " agree (" << Percent(report->agreeing, report->pairs)
            << ")\n\n";
  std::vector<std::vector<std::string>> rows;
  for (const lifecycle::FieldAgreement& f : report->fields) {
    rows.push_back({f.field, absl::StrCat(f.equal, "/", f.compared), Percent(f.equal, f.compared)});
  }
  PrintTable(std::cout, {"FIELD", "EQUAL", "AGREEMENT"}, rows);
  std::cout << "\nrouting: both straight through " << report->both_straight_through
            << ", both to a person " << report->both_person << ", differ "
            << report->routing_differs;
  if (report->live_only_routing > 0) {
    std::cout << ", gate on one side only " << report->live_only_routing;
  }
  std::cout << "\n";
  if (!report->disagreements.empty()) {
    std::cout << "\ndisagreeing cases (newest first):\n";
    std::vector<std::vector<std::string>> cases;
    for (const lifecycle::ShadowDisagreement& d : report->disagreements) {
      std::string routing =
          d.comparison.live_routing == d.comparison.shadow_routing
              ? ""
              : absl::StrCat(d.comparison.live_routing, " / ", d.comparison.shadow_routing);
      if (d.differing.empty()) {
        cases.push_back(
            {d.comparison.business_key, d.comparison.live_run_id, "(routing)", "", "", routing});
      }
      for (const Json& field : d.differing) {
        cases.push_back({d.comparison.business_key, d.comparison.live_run_id,
                         field.value("field", ""), field["live"].dump(), field["shadow"].dump(),
                         routing});
        routing.clear();
      }
    }
    PrintTable(std::cout, {"KEY", "LIVE RUN", "FIELD", "LIVE", "SHADOW", "ROUTING LIVE / SHADOW"},
               cases);
  }
  return 0;
}

struct ReplayArgs {
  std::string run_id;
  int sample = 0;
  std::string workflow;
  std::string since;
  bool json = false;
};

void PrintDifferences(const lifecycle::ReplayResult& result) {
  std::vector<std::vector<std::string>> rows;
  for (const lifecycle::StepDifference& d : result.differences) {
    rows.push_back(
        {d.step, d.what, d.path.empty() ? "-" : d.path, d.recorded.dump(), d.replayed.dump()});
  }
  PrintTable(std::cout, {"STEP", "WHAT", "PATH", "RECORDED", "REPLAYED"}, rows);
}

int RunReplay(const GlobalOptions& global, const ReplayArgs& args) {
  if (args.run_id.empty() == (args.sample == 0)) {
    std::cerr << "flowline: error: give a RUN id or --sample N (not both)\n";
    return 2;
  }
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  lifecycle::ReplayOptions options;
  options.registry = &(*app)->registry();
  options.artifacts = (*app)->artifacts();
  options.http = (*app)->http();
  if (!args.run_id.empty()) {
    absl::StatusOr<lifecycle::ReplayResult> result =
        lifecycle::ReplayRun((*app)->store(), options, args.run_id);
    if (!result.ok()) return Fail(result.status());
    if (args.json) {
      std::cout << lifecycle::ReplayResultJson(*result).dump(2) << "\n";
    } else if (result->consistent()) {
      std::cout << "run " << args.run_id << " replays on version " << Short(result->version)
                << " with no difference (" << result->replayed_status << ")\n";
    } else {
      std::cout << "run " << args.run_id << " replays differently on version "
                << Short(result->version) << ": " << result->differences.size()
                << (result->differences.size() == 1 ? " difference" : " differences") << "\n";
      PrintDifferences(*result);
    }
    return result->consistent() ? 0 : 3;
  }
  lifecycle::ReplaySampleRequest request;
  request.sample = args.sample;
  request.workflow = args.workflow;
  if (!args.since.empty()) {
    absl::StatusOr<absl::Time> since = monitor::ParsePeriodBound(args.since, "--since");
    if (!since.ok()) return Fail(since.status());
    request.since = *since;
  }
  absl::StatusOr<lifecycle::ConsistencyReport> report =
      lifecycle::ReplaySample((*app)->store(), options, request);
  if (!report.ok()) return Fail(report.status());
  if (args.json) {
    std::cout << lifecycle::ConsistencyReportJson(*report).dump(2) << "\n";
  } else {
    std::cout << "replayed " << report->replayed << " finished runs: " << report->consistent
              << " consistent (" << Percent(report->consistent, report->replayed) << ")\n";
    for (const lifecycle::ReplayResult& r : report->inconsistent) {
      std::cout << "\nrun " << r.run_id << " (" << r.workflow << " " << Short(r.version) << "):\n";
      PrintDifferences(r);
    }
    for (const auto& [run_id, why] : report->failed) {
      std::cout << "\nrun " << run_id << " could not be replayed: " << why << "\n";
    }
  }
  return report->inconsistent.empty() ? 0 : 3;
}

}  // namespace

void AddReleaseCommands(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto name = std::make_shared<std::string>();
  auto json = std::make_shared<bool>(false);
  auto* workflows = app.add_subcommand(
      "workflows",
      "List workflows with their live, shadow and canary versions; with a NAME, its versions "
      "and their stages (draft, shadow, live, retired)");
  workflows->add_option("name", *name, "A workflow: list its versions");
  workflows->add_flag("--json", *json, "Print JSON");
  workflows->callback(
      [=, &global, &exit_code] { exit_code = ListWorkflows(global, *name, *json); });

  auto promote_args = std::make_shared<PromoteArgs>();
  auto* promote = app.add_subcommand(
      "promote",
      "Move a version to another stage: draft, shadow (gets a suppressed copy of every live "
      "case), live (new cases start on it; the previous live one is retired) or retired. Going "
      "live or taking a --canary share passes the workflow's release gate first; exit 1, naming "
      "the failed measures, when it refuses");
  promote->add_option("workflow", promote_args->workflow, "The workflow")->required();
  promote->add_option("version", promote_args->version, "The version (a unique prefix will do)")
      ->required();
  promote->add_option("--to", promote_args->to, "The stage (default live)")
      ->check(CLI::IsMember({"draft", "shadow", "live", "retired"}));
  promote
      ->add_option("--canary", promote_args->canary,
                   "Instead: send this share of new live cases (0.1 = 10%) to the version, "
                   "chosen by business key; 0 ends the canary")
      ->check(CLI::Range(0.0, 0.99));
  promote->add_flag("--force", promote_args->force,
                    "Promote even if the release gate refuses (operators; needs --reason, and "
                    "the record says so)");
  promote->add_option("--reason", promote_args->reason, "Why (kept in the decision record)");
  promote
      ->add_option("--workers", promote_args->workers,
                   "Threads per evaluation of the release gate (default 2)")
      ->check(CLI::Range(1, 64));
  AddPricesOption(*promote, promote_args->prices);
  promote->callback(
      [promote_args, &global, &exit_code] { exit_code = RunPromote(global, *promote_args); });

  auto rollback_workflow = std::make_shared<std::string>();
  auto rollback_to = std::make_shared<std::string>();
  auto rollback_reason = std::make_shared<std::string>();
  auto* rollback = app.add_subcommand(
      "rollback",
      "Make the previous live version live again (the newest retired version deployed before "
      "the live one, or --to VERSION); no gate");
  rollback->add_option("workflow", *rollback_workflow, "The workflow")->required();
  rollback->add_option("--to", *rollback_to, "The version to go back to");
  rollback->add_option("--reason", *rollback_reason, "Why (kept in the decision record)");
  rollback->callback([=, &global, &exit_code] {
    exit_code = RunRollback(global, *rollback_workflow, *rollback_to, *rollback_reason);
  });

  auto shadow_workflow = std::make_shared<std::string>();
  auto shadow_version = std::make_shared<std::string>();
  auto shadow_json = std::make_shared<bool>(false);
  auto* shadow = app.add_subcommand("shadow", "The shadow version's comparison with live");
  shadow->require_subcommand(1);
  auto* report = shadow->add_subcommand(
      "report",
      "Agreement of the shadow with live per field, routing agreement (both straight through, "
      "both to a person, differ) and the disagreeing cases with both values");
  report->add_option("workflow", *shadow_workflow, "The workflow")->required();
  report->add_option("--version", *shadow_version,
                     "A shadow version compared before (default: the shadow now)");
  report->add_flag("--json", *shadow_json, "Print JSON");
  report->callback([=, &global, &exit_code] {
    exit_code = RunShadowReport(global, *shadow_workflow, *shadow_version, *shadow_json);
  });

  auto replay_args = std::make_shared<ReplayArgs>();
  auto* replay = app.add_subcommand(
      "replay",
      "Re-execute a finished run on its pinned version with side effects suppressed (people's "
      "decisions and outside systems' answers as recorded) and report every step output that "
      "differs; --sample N does so over recent runs and reports the consistency rate. Exit 3 "
      "when something differs");
  replay->add_option("run", replay_args->run_id, "The run's id");
  replay->add_option("--sample", replay_args->sample, "Replay the N most recent finished runs")
      ->check(CLI::Range(1, 100000));
  replay->add_option("--workflow,-w", replay_args->workflow, "With --sample: only this workflow");
  replay->add_option("--since", replay_args->since,
                     "With --sample: only runs created since (2026-11-24 or RFC 3339)");
  replay->add_flag("--json", replay_args->json, "Print JSON");
  replay->callback(
      [replay_args, &global, &exit_code] { exit_code = RunReplay(global, *replay_args); });
}

}  // namespace flowline::cli
