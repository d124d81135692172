// flowline report: a period's measures of a workflow as a table, and as an HTML page with charts.
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "ai/llm/provider_config.h"
#include "cli/commands.h"
#include "common/status_macros.h"
#include "monitor/measure_names.h"
#include "monitor/measure_rollup.h"
#include "monitor/measures.h"
#include "monitor/report.h"
#include "server/measure_context.h"
#include "server/version_lookup.h"
#include "steps/duration.h"

namespace flowline::cli {
namespace {

struct ReportArgs {
  std::string workflow;
  std::string period = "7d";
  std::string from;
  std::string until;
  std::string granularity;  // empty: by the period's length
  std::string version;
  std::string step;
  std::string html;
  std::string prices;
  bool json = false;
};

// The query the options describe: --from/--until, or --period back from now (or from --until).
absl::StatusOr<monitor::MeasuresQuery> Query(const ReportArgs& args, absl::Time now) {
  monitor::MeasuresQuery query;
  query.workflow = args.workflow;
  query.until = now;
  if (!args.until.empty()) {
    absl::StatusOr<absl::Time> until = monitor::ParsePeriodBound(args.until, "--until");
    if (!until.ok()) return until.status();
    query.until = *until;
  }
  std::optional<absl::Time> from;
  absl::Duration period;
  if (!args.from.empty()) {
    absl::StatusOr<absl::Time> parsed = monitor::ParsePeriodBound(args.from, "--from");
    if (!parsed.ok()) return parsed.status();
    from = *parsed;
    period = query.until - *from;
  } else {
    absl::StatusOr<absl::Duration> parsed = steps::ParseDuration(args.period);
    if (!parsed.ok() || *parsed <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--period must be a duration such as 24h, 7d or 30d, not '", args.period, "'"));
    }
    period = *parsed;
  }
  // Two days or less by hour, anything longer by day.
  query.granularity_s = args.granularity.empty()
                            ? (period <= absl::Hours(48) ? monitor::kHour : monitor::kDay)
                            : monitor::ParseGranularity(args.granularity.c_str());
  // The period ends with the bucket holding `until`; a --period is that many whole buckets.
  query.until = monitor::BucketEnd(query.until, query.granularity_s);
  query.from = from.value_or(query.until - period);
  if (!args.step.empty()) query.step = args.step;
  return query;
}

int Report(const GlobalOptions& global, const ReportArgs& args) {
  absl::StatusOr<std::optional<monitor::PriceTable>> prices = LoadPriceTable(args.prices, global);
  if (!prices.ok()) return Fail(prices.status());
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
  if (!app.ok()) return Fail(app.status());
  store::Store& store = (*app)->store();
  absl::StatusOr<store::WorkflowInfo> workflow = store.GetWorkflow(args.workflow);
  if (!workflow.ok()) return Fail(workflow.status());

  // Bring the measures up to the latest record first (a running `flowline serve` does it every
  // few seconds; the two never count a record twice).
  monitor::MeasureRollup rollup(store, (*app)->clock());
  absl::StatusOr<monitor::RollupResult> pass = rollup.CatchUp();
  if (!pass.ok()) return Fail(pass.status());
  if (pass->skipped > 0) {
    std::cerr << "flowline: " << pass->skipped
              << " decision records could not be counted (the log says which)\n";
  }

  absl::StatusOr<monitor::MeasuresQuery> query = Query(args, (*app)->clock().Now());
  if (!query.ok()) return Fail(query.status());
  std::unique_ptr<engine::Engine> engine = (*app)->NewEngine({});
  if (!args.version.empty()) {
    absl::StatusOr<std::vector<store::VersionInfo>> versions = store.ListVersions(args.workflow);
    if (!versions.ok()) return Fail(versions.status());
    absl::StatusOr<const store::VersionInfo*> version =
        server::FindVersion(*versions, args.workflow, args.version);
    if (!version.ok()) return Fail(version.status());
    query->version = (*version)->version;
  }
  absl::StatusOr<monitor::MeasureReport> report = monitor::ComputeMeasures(
      store, *query,
      server::MeasuresContextFor(*engine, args.workflow, *prices ? &**prices : nullptr));
  if (!report.ok()) return Fail(report.status());

  if (args.json) {
    std::cout << monitor::MeasureReportJson(*report).dump(2) << "\n";
  } else {
    std::cout << monitor::ReportText(*report);
  }
  if (!args.html.empty()) {
    std::ofstream out(args.html, std::ios::binary | std::ios::trunc);
    out << monitor::ReportHtml(*report, (*app)->clock().Now());
    out.close();
    if (!out) {
      return Fail(absl::UnavailableError(absl::StrCat("cannot write ", args.html)));
    }
    std::cerr << "flowline: wrote " << args.html << "\n";
  }
  return 0;
}

}  // namespace

void AddPricesOption(CLI::App& cmd, std::string& path) {
  if (const char* env = std::getenv("FLOWLINE_PRICES"); env != nullptr && *env) path = env;
  cmd.add_option("--prices", path,
                 "The price table (YAML, docs/measures.md) that model use and people's time are "
                 "costed with; also $FLOWLINE_PRICES. Without one, the measures carry no cost");
}

absl::StatusOr<std::optional<monitor::PriceTable>> LoadPriceTable(const std::string& prices_path,
                                                                  const GlobalOptions& global) {
  ASSIGN_OR_RETURN(std::optional<monitor::PriceTable> table,
                   monitor::PriceTable::LoadIfGiven(prices_path));
  const std::string providers_path = ProvidersPath(global);
  if (providers_path.empty()) return table;
  ASSIGN_OR_RETURN(ai::llm::ProvidersFile providers, ai::llm::LoadProviders(providers_path));
  bool priced = false;
  for (const ai::llm::ProviderConfig& provider : providers.providers) {
    for (const auto& [model, pricing] : provider.models) {
      priced =
          priced || pricing.input_per_million_tokens > 0 || pricing.output_per_million_tokens > 0;
    }
  }
  if (!priced) return table;
  if (table && !providers.currency.empty() && table->currency() != providers.currency) {
    return absl::InvalidArgumentError(
        absl::StrCat(providers_path, " prices models in ", providers.currency, " but ", prices_path,
                     " is in ", table->currency(), ": give both files the same currency"));
  }
  if (!table) table = monitor::PriceTable::WithCurrency(providers.currency);
  for (const ai::llm::ProviderConfig& provider : providers.providers) {
    for (const auto& [model, pricing] : provider.models) {
      monitor::ModelPrice price;
      price.input_per_million_tokens = pricing.input_per_million_tokens;
      price.output_per_million_tokens = pricing.output_per_million_tokens;
      table->AddDefaultModelPrice(absl::StrCat(provider.name, "/", model), price);
    }
  }
  return table;
}

void AddReportCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand(
      "report",
      "Print a workflow's measures over a period (volume, straight-through rate, exceptions by "
      "reason, people's time, accuracy from reviews and from the audit sample with 95% "
      "intervals, latency, cost, time saved; docs/measures.md) and optionally write them as an "
      "HTML page with charts. Folds the newest decision records into the measures first.");
  cmd->add_option("--workflow,-w", args->workflow, "The workflow")->required();
  cmd->add_option("--period", args->period,
                  "How far back from now (or from --until): 24h, 7d, 30d, ... (ignored with "
                  "--from)");
  cmd->add_option("--from", args->from, "Start: a date (UTC) or an RFC 3339 time");
  cmd->add_option("--until", args->until,
                  "End (exclusive): a date or an RFC 3339 time; default now");
  cmd->add_option("--granularity", args->granularity,
                  "Bucket size: minute (last 48 h only), hour (last 92 days), day; default hour "
                  "for periods up to 2 days, else day")
      ->check(CLI::IsMember({"minute", "hour", "day"}));
  cmd->add_option("--version", args->version, "Only this version (a hash or a unique prefix)");
  cmd->add_option("--step", args->step, "Also show this step's figures per bucket (with --json)");
  cmd->add_option("--html", args->html,
                  "Also write the report as a self-contained HTML page with charts to this file");
  AddPricesOption(*cmd, args->prices);
  cmd->add_flag("--json", args->json, "Print the measures as JSON (as the HTTP API gives them)");
  cmd->callback([args, &global, &exit_code] { exit_code = Report(global, *args); });
}

}  // namespace flowline::cli
