// Drift detection at scale (issue 5; docs/benchmarks.md):
//   1. a store holding 1,000,000 runs' worth of drift histograms (90 days of the invoice
//      workflow's 10 monitored features in hour buckets, from the synthetic invoice stream):
//      the drift check of the workflow (both windows read, merged and tested, alerts raised,
//      the report stored), and the dashboard's queries through HTTP: GET .../drift and
//      GET /api/v1/alerts;
//   2. filling the histograms from the decision record: N runs' records as the invoice workflow
//      writes them (run.created, document.read with a ~20 KiB output, classify, extract, the
//      gate), then the ingest that reads them: records and runs per second.
// Usage: drift_bench [--runs N] [--ingest-runs M] [--repeats R]
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "monitor/drift_check.h"
#include "monitor/invoice_stream.h"
#include "server/api_server.h"
#include "server/auth.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using flowline::Json;
namespace monitor = flowline::monitor;
namespace store = flowline::store;

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

template <typename Fn>
void Time(const char* what, int repeats, Fn fn) {
  std::vector<double> ms;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    fn();
    ms.push_back(Ms(std::chrono::steady_clock::now() - start));
  }
  std::printf("%-62s median %8.2f ms  max %8.2f ms\n", what, Median(ms),
              *std::max_element(ms.begin(), ms.end()));
}

monitor::FeatureSpec Feature(const std::string& name, monitor::FeatureType type,
                             monitor::FeatureSource source, const std::string& step,
                             std::vector<std::string> path) {
  monitor::FeatureSpec f;
  f.name = name;
  f.from = name;
  f.type = type;
  f.source = source;
  f.step = step;
  f.path = std::move(path);
  f.derived = true;
  return f;
}

// The invoice workflow's derived features (workflows/invoice/invoice.yaml, docs/drift.md).
monitor::MonitorConfig InvoiceConfig(const std::string& version) {
  using monitor::FeatureSource;
  using monitor::FeatureType;
  monitor::MonitorConfig c;
  c.workflow = "invoice";
  c.version = version;
  c.gate_step = "review";
  c.features = {
      Feature("read.confidence", FeatureType::kConfidence, FeatureSource::kStepConfidence, "read",
              {}),
      Feature("kind.confidence", FeatureType::kConfidence, FeatureSource::kStepConfidence, "kind",
              {}),
      Feature("kind.label", FeatureType::kCategorical, FeatureSource::kStepOutput, "kind",
              {"label"}),
      Feature("fields.confidence", FeatureType::kConfidence, FeatureSource::kStepConfidence,
              "fields", {}),
      Feature("fields.net_amount", FeatureType::kNumeric, FeatureSource::kStepOutput, "fields",
              {"values", "net_amount"}),
      Feature("fields.tax_amount", FeatureType::kNumeric, FeatureSource::kStepOutput, "fields",
              {"values", "tax_amount"}),
      Feature("fields.total_amount", FeatureType::kNumeric, FeatureSource::kStepOutput, "fields",
              {"values", "total_amount"}),
      Feature("fields.vendor_name", FeatureType::kCategorical, FeatureSource::kStepOutput, "fields",
              {"values", "vendor_name"}),
      Feature("fields.currency", FeatureType::kCategorical, FeatureSource::kStepOutput, "fields",
              {"values", "currency"}),
      Feature("straight_through", FeatureType::kRate, FeatureSource::kStraightThrough, "review",
              {}),
  };
  for (monitor::FeatureSpec& f : c.features) f.thresholds = c.spec.thresholds;
  return c;
}

class FixedCatalog final : public monitor::MonitorCatalog {
 public:
  explicit FixedCatalog(monitor::MonitorConfig config)
      : config_(std::make_shared<monitor::MonitorConfig>(std::move(config))) {}
  absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> ForVersion(
      const std::string&, const std::string&) override {
    return config_;
  }
  absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> ForWorkflow(
      const std::string&) override {
    return config_;
  }

 private:
  std::shared_ptr<const monitor::MonitorConfig> config_;
};

constexpr char kSpec[] = R"yaml(
workflow: invoice
steps:
  - id: noop
    uses: script
    with: { code: "return {}" }
)yaml";

// A document.read output of about 20 KiB: one page, 60 lines of 5 words with boxes.
std::string ReadOutput(int n) {
  Json lines = Json::array();
  for (int l = 0; l < 60; ++l) {
    Json words = Json::array();
    for (int w = 0; w < 5; ++w) {
      words.push_back({{"text", absl::StrCat("word", n % 97, "-", w)},
                       {"box", {72 + 80 * w, 700 - 11 * l, 60, 9}},
                       {"conf", 0.91}});
    }
    lines.push_back({{"text", "word word word word word"}, {"words", std::move(words)}});
  }
  return Json{{"pages", {{{"number", 1}, {"width", 612}, {"height", 792}, {"lines", lines}}}},
              {"text", std::string(3000, 'x')},
              {"sha256", std::string(64, 'a')}}
      .dump();
}

void Fill(store::Store& db, const monitor::MonitorConfig& config, int runs) {
  monitor::testing::StreamOptions options;
  options.days = 90;
  options.cases_per_day = std::max(1, runs / options.days);
  options.start = absl::Now() - absl::Hours(24 * 90);
  const std::vector<monitor::testing::StreamCase> cases =
      monitor::testing::GenerateStream(monitor::testing::CasePool::Synthetic(), options);
  std::map<std::pair<std::string, absl::Time>, monitor::FeatureHistogram> buckets;
  auto add = [&](const std::string& name, absl::Time start, auto value) {
    const monitor::FeatureSpec* f = config.Find(name);
    auto [it, inserted] = buckets.try_emplace({name, start}, monitor::FeatureHistogram(f->type));
    if constexpr (std::is_same_v<decltype(value), std::string>) {
      it->second.AddCategory(value);
    } else {
      it->second.AddNumber(static_cast<double>(value));
    }
  };
  for (const monitor::testing::StreamCase& c : cases) {
    const absl::Time start = monitor::BucketStart(c.at);
    add("read.confidence", start, c.ocr_confidence);
    add("kind.confidence", start, c.label_confidence);
    add("kind.label", start, c.label);
    if (c.label != "invoice") continue;
    add("fields.confidence", start, c.extract_confidence);
    add("fields.total_amount", start, c.total);
    add("fields.net_amount", start, std::round(c.total / 1.19 * 100) / 100);
    add("fields.tax_amount", start, std::round((c.total - c.total / 1.19) * 100) / 100);
    add("fields.vendor_name", start, c.vendor);
    add("fields.currency", start, c.currency);
    add("straight_through", start, c.straight_through ? 1 : 0);
  }
  store::DriftIngest ingest;
  for (const auto& [key, histogram] : buckets) {
    ingest.buckets.push_back({"invoice", key.first, key.second,
                              monitor::FeatureTypeName(histogram.type()), histogram.ToJson()});
    if (ingest.buckets.size() == 2000) {
      if (!db.CommitDriftIngest(ingest).ok()) std::abort();
      ingest.buckets.clear();
    }
  }
  if (!db.CommitDriftIngest(ingest).ok()) std::abort();
  std::printf("filled: %zu runs over 90 days, %zu hour buckets of 10 features\n", cases.size(),
              buckets.size());
}

// Runs with the records the invoice workflow writes, at `start` + one per second.
void WriteRecords(store::Store& db, const std::string& version, int runs, absl::Time start) {
  std::mt19937_64 rng(9);
  std::lognormal_distribution<double> amounts(6.5, 1.2);
  const char* vendors[] = {"Acme GmbH", "Globex Ltd", "Initech AG", "Umbrella plc"};
  for (int i = 0; i < runs; ++i) {
    store::NewRun run;
    run.run_id = absl::StrCat("run_", i);
    run.workflow = "invoice";
    run.version = version;
    run.input_json = R"({"file":"invoice.pdf"})";
    run.now = start + absl::Seconds(i);
    run.steps = {{"noop", 1}, {store::kEndStepId, 1}};
    const double total = std::round(amounts(rng) * 100) / 100;
    Json fields = {{"values",
                    {{"total_amount", absl::StrCat(total)},
                     {"net_amount", absl::StrCat(std::round(total / 1.19 * 100) / 100)},
                     {"tax_amount", absl::StrCat(std::round(total * 0.19 / 1.19 * 100) / 100)},
                     {"vendor_name", vendors[i % 4]},
                     {"currency", "EUR"}}}};
    run.records = {
        {"", "run.created", "system", R"({"version":"v"})"},
        {"read", "step.completed", "ai:document.read",
         absl::StrCat(R"({"attempt":1,"output":)", ReadOutput(i), R"(,"confidence":0.93})")},
        {"kind", "step.completed", "ai:classify",
         R"({"attempt":1,"output":{"label":"invoice","confidence":0.97},"confidence":0.97})"},
        {"fields", "step.completed", "ai:extract",
         absl::StrCat(R"({"attempt":1,"output":)", fields.dump(), R"(,"confidence":0.9})")},
        {"review", "step.completed", "human:review", R"({"output":{"decision":"auto"}})"},
        {"", "run.completed", "system", R"({"output":{}})"},
    };
    if (!db.CreateRun(run).ok()) std::abort();
  }
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 1000000;
  int ingest_runs = 20000;
  int repeats = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--ingest-runs") == 0) ingest_runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeats") == 0) repeats = std::atoi(argv[i + 1]);
  }
  flowline::common::TempDir dir;
  store::sqlite::SqliteStoreOptions options;
  options.path = dir.File("flowline.db");
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) return 1;
  store::Store& db = **opened;
  flowline::steps::StepKindRegistry registry;
  flowline::steps::RegisterSystemStepKinds(registry);
  flowline::engine::EngineOptions engine_options;
  engine_options.workers = 0;
  flowline::common::SystemRandom& random = flowline::common::SystemRandom::Get();
  flowline::engine::Engine engine(engine_options, db, registry,
                                  flowline::common::SystemClock::Get(), random, nullptr);
  auto deployed = engine.Deploy(kSpec, "invoice.yaml");
  if (!deployed.ok()) return 1;

  // 1. The check and the dashboard's queries over 1,000,000 runs' histograms.
  const monitor::MonitorConfig config = InvoiceConfig(deployed->version);
  auto fill_start = std::chrono::steady_clock::now();
  Fill(db, config, runs);
  std::printf("fill took %.1f s\n", Ms(std::chrono::steady_clock::now() - fill_start) / 1000);
  FixedCatalog catalog(config);
  auto check = [&](monitor::DriftMonitor& monitor) {
    absl::StatusOr<monitor::DriftReport> report = monitor.Check("invoice");
    if (!report.ok()) {
      std::printf("check failed: %s\n", report.status().ToString().c_str());
      std::abort();
    }
  };
  // A new process's first check merges the reference window too; later ones reuse it.
  Time("first drift check of a process: 10 features, 14 + 7 days", repeats, [&] {
    monitor::DriftMonitor fresh(db, catalog, flowline::common::SystemClock::Get(), random);
    check(fresh);
  });
  monitor::DriftMonitor drift(db, catalog, flowline::common::SystemClock::Get(), random);
  check(drift);
  Time("later drift checks (the ended reference window kept)", repeats, [&] { check(drift); });

  // 1,000 alerts over 10 workflows, half of them resolved.
  for (int i = 0; i < 1000; ++i) {
    store::AlertRaise raise;
    raise.alert_id = absl::StrCat("alert_bench_", i);
    raise.workflow = absl::StrCat("workflow-", i % 10);
    raise.kind = "drift";
    raise.subject = absl::StrCat("feature_", i);
    raise.summary = "fields.total_amount drifted: PSI 1.84 >= 0.2, KS p < 0.0001 < 0.01";
    raise.detail_json = R"({"feature":"fields.total_amount","statistics":[]})";
    raise.now = absl::Now();
    if (!db.RaiseAlert(raise).ok()) std::abort();
    if (i % 2 == 0) {
      store::AlertResolve resolve;
      resolve.alert_id = raise.alert_id;
      resolve.by = "bench";
      resolve.now = absl::Now();
      if (!db.ResolveAlert(resolve).ok()) std::abort();
    }
  }

  flowline::server::ApiServerOptions server_options;
  server_options.drift = &drift;
  auto api = flowline::server::ApiServer::Create(server_options, engine, db,
                                                 flowline::common::SystemClock::Get(), random);
  if (!api.ok() || !(*api)->Listen("127.0.0.1", 0).ok()) return 1;
  auto token = (*api)->tokens().IssueToken("bench", "viewer");
  if (!token.ok()) return 1;
  httplib::Client client("127.0.0.1", (*api)->port());
  httplib::Headers headers = {{"Authorization", "Bearer " + token->secret}};
  size_t bytes = 0;
  Time("HTTP GET /api/v1/workflows/invoice/drift", repeats * 4, [&] {
    auto res = client.Get("/api/v1/workflows/invoice/drift", headers);
    if (!res || res->status != 200) std::abort();
    bytes = res->body.size();
  });
  std::printf("  (%zu bytes of JSON)\n", bytes);
  Time("HTTP GET /api/v1/alerts (100 of 500 unresolved, 1,000 in all)", repeats * 4, [&] {
    auto res = client.Get("/api/v1/alerts", headers);
    if (!res || res->status != 200) std::abort();
    bytes = res->body.size();
  });
  std::printf("  (%zu bytes of JSON)\n", bytes);
  (*api)->Stop();

  // 2. Filling the histograms from the decision record.
  WriteRecords(db, deployed->version, ingest_runs, absl::Now() - absl::Hours(6));
  auto start = std::chrono::steady_clock::now();
  absl::StatusOr<monitor::IngestStats> stats = drift.Ingest();
  const double ms = Ms(std::chrono::steady_clock::now() - start);
  if (!stats.ok()) {
    std::printf("ingest failed: %s\n", stats.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "ingest: %lld records (%d runs) in %.0f ms: %.0f records/s, %.0f runs/s, "
      "%lld values into %lld bucket writes\n",
      static_cast<long long>(stats->records), ingest_runs, ms, stats->records / ms * 1000,
      ingest_runs / ms * 1000, static_cast<long long>(stats->values),
      static_cast<long long>(stats->buckets));
  return 0;
}
