// The measures (issue 5; docs/benchmarks.md):
//   1. the rollup over real decision records: runs of an eleven-step workflow through the engine,
//      then one MeasureRollup::CatchUp() over their records (store lookups included): records/s;
//   2. a store holding the measures of 1,000,000 runs over 30 days, built by folding a synthetic
//      decision record (the invoice workflow's shape: three AI steps, a gate that sends 28% of
//      the cases to people for the usual reasons and 2% for the audit sample, corrections,
//      rejections, escalations, failures) through the real fold into the real store, page by
//      page, then expiring minute buckets past 48 h as the rollup does;
//   3. the dashboard's queries on it, through ComputeMeasures and through HTTP
//      (GET /api/v1/workflows/{name}/measures, GET /metrics): median of several.
// Usage: measures_bench [--runs N] [--days D] [--real-runs M] [--repeats R] [--keep FILE]
//        measures_bench --reuse FILE [--repeats R]   (3. only, on a store --keep made)
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "monitor/measure_names.h"
#include "monitor/measure_rollup.h"
#include "monitor/measures.h"
#include "monitor/prices.h"
#include "monitor/record_fold.h"
#include "server/api_server.h"
#include "server/measure_context.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using flowline::Json;
namespace engine = flowline::engine;
namespace monitor = flowline::monitor;
namespace store = flowline::store;

// The invoice workflow's shape with scripts in place of the models: the same step ids and
// actors, so the measures have the same rows.
constexpr char kSpec[] = R"yaml(
workflow: invoice
manual_minutes: 6
key: ${{ input.id }}
steps:
  - { id: read, uses: script, actor: ai, with: { code: "return { text = 'x' }" } }
  - { id: kind, uses: script, actor: ai, needs: [read], with: { code: "return { label = 'invoice' }" } }
  - id: fields
    uses: script
    actor: ai
    needs: [kind]
    with:
      code: "return { fields = { total = { value = '1', normalized = '1', confidence = 0.99 } } }"
  - { id: figures, uses: script, needs: [fields], with: { code: "return {}" } }
  - { id: vendor, uses: script, needs: [figures], with: { code: "return {}" } }
  - { id: earlier, uses: script, needs: [vendor], with: { code: "return {}" } }
  - { id: checks, uses: script, needs: [earlier], with: { code: "return {}" } }
  - { id: route, uses: script, needs: [checks], with: { code: "return {}" } }
  - id: review
    uses: review
    actor: human
    needs: [route]
    with: { gate: true, queue: ap, fields_step: fields, data: { fields: "${{ steps.fields.output.fields }}" } }
  - { id: final, uses: script, needs: [review], with: { code: "return {}" } }
  - { id: post, uses: script, needs: [final], with: { code: "return {}" } }
exceptions:
  confidence: 0.9
)yaml";

constexpr const char* kSteps[] = {"read",   "kind",    "fields", "figures",
                                  "vendor", "earlier", "checks", "route"};
constexpr const char* kActors[] = {"ai:script",     "ai:script",     "ai:script",
                                   "system:script", "system:script", "system:script",
                                   "system:script", "system:script"};

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename Fn>
void Time(const std::string& what, int repeats, Fn fn) {
  std::vector<double> ms;
  std::string size;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    size = fn();
    ms.push_back(Ms(std::chrono::steady_clock::now() - start));
  }
  std::printf("%-62s %-14s median %7.1f ms  max %7.1f ms\n", what.c_str(), size.c_str(), Median(ms),
              *std::max_element(ms.begin(), ms.end()));
}

// ---- The synthetic record stream ---------------------------------------------------------

struct Pending {
  absl::Time at;
  int64_t order;  // ties: generation order
  store::Record record;
  bool operator>(const Pending& other) const {
    return at != other.at ? at > other.at : order > other.order;
  }
};

class Stream final : public monitor::FactSource {
 public:
  Stream(std::string version, uint64_t seed) : version_(std::move(version)), rng_(seed) {}

  absl::StatusOr<monitor::RunFacts> Run(const std::string& run_id) override {
    auto it = runs_.find(run_id);
    if (it == runs_.end()) return absl::NotFoundError(run_id);
    return monitor::RunFacts{"invoice", version_, it->second.created};
  }
  absl::StatusOr<monitor::TaskFacts> Task(const std::string& task_id) override {
    auto it = tasks_.find(task_id);
    if (it == tasks_.end()) return absl::NotFoundError(task_id);
    return it->second;
  }
  absl::StatusOr<bool> HadPerson(const std::string& run_id) override {
    return runs_.at(run_id).person;
  }

  // Generates run `i`, created at `at`, into the pending records.
  void AddRun(int64_t i, absl::Time at) {
    const std::string run = absl::StrCat("run_", i);
    RunState& state = runs_[run];
    state.created = at;
    Emit(run, "", "run.created", "system", R"({"input_digest":"x"})", at, state);
    absl::Time t = at;
    for (size_t s = 0; s < std::size(kSteps); ++s) {
      const double seconds = s == 0   ? Uniform(0.3, 2.0)
                             : s == 1 ? Uniform(0.015, 0.04)
                             : s == 2 ? Uniform(0.1, 0.4)
                                      : Uniform(0.0005, 0.008);
      t += absl::Seconds(seconds);
      // The read step's record carries the document's text, the extract step's its fields.
      const std::string& output = s == 0 ? text_ : s == 2 ? fields_ : small_;
      Emit(run, kSteps[s], "step.completed", kActors[s],
           absl::StrCat(R"({"attempt":1,"input_digest":"0123456789abcdef0123456789abcdef",)",
                        R"("output":)", output, R"(,"duration_us":)",
                        static_cast<int64_t>(seconds * 1e6), "}"),
           t, state);
    }
    const double r = Uniform(0, 1);
    if (r < 0.70) {  // straight through
      Finish(run, t, state, /*fail=*/Uniform(0, 1) < 0.005);
      return;
    }
    // To a person: the audit sample (2%), else the usual reasons.
    const std::string task = absl::StrCat("task_", i);
    monitor::TaskFacts facts;
    facts.created_at = t;
    if (r < 0.72) {
      facts.audit_sample = true;
      facts.reasons = {"audit_sample"};
    } else {
      if (Uniform(0, 1) < 0.55) facts.reasons.push_back("low_confidence");
      if (Uniform(0, 1) < 0.30) facts.reasons.push_back("check_failed");
      if (Uniform(0, 1) < 0.05) facts.reasons.push_back("unusual");
      if (Uniform(0, 1) < 0.30 || facts.reasons.empty()) facts.reasons.push_back("workflow");
      std::sort(facts.reasons.begin(), facts.reasons.end());
    }
    tasks_[task] = facts;
    state.person = true;
    Emit(run, "review", "task.opened", "human:review",
         absl::StrCat(R"({"attempt":1,"task_id":")", task, R"(","queue":"ap"})"), t, state);
    const absl::Duration wait = absl::Seconds(-std::log(1 - Uniform(0, 0.999)) * 2400);
    if (wait > absl::Hours(3)) {
      Emit(run, "review", "task.escalated", "system", R"({"event":"task.escalated"})",
           t + absl::Hours(3), state);
    }
    const absl::Time claimed = t + wait;
    const absl::Time decided = claimed + absl::Seconds(Uniform(30, 480));
    const bool reject = Uniform(0, 1) < 0.03;
    const int changed = Uniform(0, 1) < 0.85 ? 0 : 1 + static_cast<int>(Uniform(0, 2));
    std::string payload = absl::StrCat(R"({"by":"ann","decision":")",
                                       reject    ? "reject"
                                       : changed ? "correct"
                                                 : "approve",
                                       R"(","task_id":")", task, R"(")");
    if (Uniform(0, 1) < 0.95) {
      absl::StrAppend(&payload, R"(,"claimed_at":")",
                      absl::FormatTime(absl::RFC3339_full, claimed, absl::UTCTimeZone()), "\"");
    }
    if (!reject)
      absl::StrAppend(&payload, R"(,"corrections":{"fields":7,"changed":)", changed, "}");
    payload.push_back('}');
    Emit(run, "", "task.resolved", "human:ann", payload, decided, state);
    Emit(run, "review", "step.completed", "human:review", R"({"attempt":2,"duration_us":300})",
         decided, state);
    if (reject) {
      Emit(run, "", "run.rejected", "human:review", R"({"reason":"not ours"})", decided, state);
      return;
    }
    Finish(run, decided, state, false);
  }

  // Records due by `until`, in time order.
  std::vector<store::Record> Due(absl::Time until) {
    std::vector<store::Record> out;
    while (!pending_.empty() && pending_.top().at <= until) {
      out.push_back(pending_.top().record);
      pending_.pop();
    }
    return out;
  }

  // Forgets runs whose records have all been folded.
  void Folded(const std::vector<store::Record>& records) {
    for (const store::Record& record : records) {
      auto it = runs_.find(record.run_id);
      if (it != runs_.end() && --it->second.outstanding == 0) {
        tasks_.erase(absl::StrCat("task_", record.run_id.substr(4)));
        runs_.erase(it);
      }
    }
  }

 private:
  struct RunState {
    absl::Time created;
    bool person = false;
    int outstanding = 0;
  };

  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }

  void Finish(const std::string& run, absl::Time t, RunState& state, bool fail) {
    if (!state.person) {
      Emit(run, "review", "step.completed", "human:review", R"({"attempt":1,"duration_us":200})", t,
           state);
    }
    t += absl::Milliseconds(2);
    Emit(run, "final", "step.completed", "system:script", R"({"attempt":1,"duration_us":900})", t,
         state);
    t += absl::Milliseconds(4);
    if (fail) {
      Emit(run, "post", "step.failed", "system", R"({"error":"ledger unavailable"})", t, state);
      Emit(run, "", "run.failed", "system", R"({"error":"ledger unavailable"})", t, state);
      return;
    }
    Emit(run, "post", "step.completed", "system:script", R"({"attempt":1,"duration_us":3500})", t,
         state);
    Emit(run, "", "run.completed", "system", R"({"output":{"posted":true}})", t, state);
  }

  void Emit(const std::string& run, const char* step, const char* kind, const char* actor,
            std::string payload, absl::Time at, RunState& state) {
    ++state.outstanding;
    store::Record record;
    record.run_id = run;
    record.step_id = step;
    record.version = version_;
    record.kind = kind;
    record.actor = actor;
    record.payload_json = std::move(payload);
    record.at = at;
    pending_.push(Pending{at, order_++, std::move(record)});
  }

  const std::string version_;
  std::mt19937_64 rng_;
  std::string text_ = Json(std::string(2500, 'w')).dump();
  std::string fields_ = Json{{"fields",
                              {{"total_amount", {{"value", "120.00"}, {"confidence", 0.97}}},
                               {"vendor_name", {{"value", "Acme"}, {"confidence", 0.93}}}}}}
                            .dump();
  std::string small_ = R"({"ok":true})";
  int64_t order_ = 0;
  absl::flat_hash_map<std::string, RunState> runs_;
  absl::flat_hash_map<std::string, monitor::TaskFacts> tasks_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
};

std::unique_ptr<store::sqlite::SqliteStore> OpenStore(const std::string& path, bool durable) {
  store::sqlite::SqliteStoreOptions options;
  options.path = path;
  options.synchronous_full = durable;
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(*opened);
}

// 1. Real runs through the engine, then the rollup over their records.
void RealRollup(int runs, const std::string& dir) {
  auto db = OpenStore(dir + "/real.db", true);
  flowline::steps::StepKindRegistry registry;
  flowline::steps::RegisterSystemStepKinds(registry);
  flowline::common::SystemRandom random;
  engine::EngineOptions options;
  options.workers = 4;
  engine::Engine eng(options, *db, registry, flowline::common::SystemClock::Get(), random, nullptr);
  if (!eng.Deploy(kSpec, "invoice.yaml").ok() || !eng.Start().ok()) std::exit(1);
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  for (int i = 0; i < runs; ++i) {
    auto started = eng.StartRun({"invoice", Json{{"id", absl::StrCat("r", i)}}, ""});
    if (!started.ok()) std::exit(1);
    ids.push_back(started->run_id);
  }
  for (const std::string& id : ids) {
    if (!eng.WaitForRun(id, absl::Seconds(600)).ok()) std::exit(1);
  }
  std::printf("%d real runs of the eleven-step workflow in %.1f s\n", runs,
              Ms(std::chrono::steady_clock::now() - start) / 1000);
  eng.Stop();
  monitor::MeasureRollup rollup(*db, flowline::common::SystemClock::Get());
  start = std::chrono::steady_clock::now();
  auto pass = rollup.CatchUp();
  const double ms = Ms(std::chrono::steady_clock::now() - start);
  if (!pass.ok()) {
    std::fprintf(stderr, "%s\n", pass.status().ToString().c_str());
    std::exit(1);
  }
  std::printf(
      "rollup over their decision records: %lld records in %.0f ms = %.0f records/s "
      "(%.0f runs/s), %d pages\n\n",
      static_cast<long long>(pass->records), ms, pass->records / ms * 1000, runs / ms * 1000,
      pass->pages);
}

}  // namespace

int main(int argc, char** argv) {
  int64_t runs = 1000000;
  int days = 30;
  int real_runs = 10000;
  int repeats = 7;
  std::string keep;
  std::string reuse;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--reuse") == 0) reuse = argv[i + 1];
    if (std::strcmp(argv[i], "--runs") == 0) runs = std::atoll(argv[i + 1]);
    if (std::strcmp(argv[i], "--days") == 0) days = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--real-runs") == 0) real_runs = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--repeats") == 0) repeats = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--keep") == 0) keep = argv[i + 1];
  }
  flowline::common::TempDir dir;
  if (real_runs > 0 && reuse.empty()) RealRollup(real_runs, dir.path());

  // 2. The measures of `runs` runs over `days` days, ending at a day boundary.
  const std::string path = !reuse.empty() ? reuse : keep.empty() ? dir.File("measures.db") : keep;
  if (reuse.empty()) std::filesystem::remove(path);
  auto db = OpenStore(path, false);
  const absl::Time end = absl::FromUnixSeconds(1'795'000'000 - 1'795'000'000 % 86400);
  const absl::Time begin = end - absl::Hours(24 * days);
  flowline::common::FakeClock clock(end);
  flowline::steps::StepKindRegistry registry;
  flowline::steps::RegisterSystemStepKinds(registry);
  flowline::common::SystemRandom random;
  engine::EngineOptions engine_options;
  engine_options.workers = 0;
  engine::Engine eng(engine_options, *db, registry, clock, random, nullptr);
  auto deployed = eng.Deploy(kSpec, "invoice.yaml");
  if (!deployed.ok()) {
    std::fprintf(stderr, "%s\n", deployed.status().ToString().c_str());
    return 1;
  }
  Stream stream(deployed->version, 42);
  auto start = std::chrono::steady_clock::now();
  const double spacing = absl::ToDoubleSeconds(end - begin) / static_cast<double>(runs);
  int64_t folded = 0, pages = 0;
  std::vector<store::Record> page;
  auto flush = [&](bool all) {
    while (page.size() >= 2000 || (all && !page.empty())) {
      const size_t n = std::min<size_t>(page.size(), 2000);
      std::vector<store::Record> chunk(page.begin(), page.begin() + n);
      page.erase(page.begin(), page.begin() + n);
      monitor::MeasureFold fold(stream);
      for (const store::Record& record : chunk) {
        if (!fold.Add(record).ok()) std::exit(1);
      }
      store::MeasureBatch batch;
      batch.from_seq = folded;
      batch.to_seq = folded + static_cast<int64_t>(n);
      batch.deltas = fold.TakeDeltas();
      if (absl::Status applied = db->ApplyMeasures(batch); !applied.ok()) {
        std::fprintf(stderr, "%s\n", applied.ToString().c_str());
        std::exit(1);
      }
      stream.Folded(chunk);
      folded += static_cast<int64_t>(n);
      ++pages;
    }
  };
  for (int64_t i = 0; reuse.empty() && i < runs; ++i) {
    const absl::Time at = begin + absl::Seconds(spacing * static_cast<double>(i));
    std::vector<store::Record> due = stream.Due(at);
    page.insert(page.end(), due.begin(), due.end());
    flush(false);
    stream.AddRun(i, at);
  }
  if (reuse.empty()) {
    std::vector<store::Record> rest = stream.Due(absl::InfiniteFuture());
    page.insert(page.end(), rest.begin(), rest.end());
    flush(true);
  }
  const double build_ms = Ms(std::chrono::steady_clock::now() - start);
  // As the rollup keeps them: minutes 48 h, hours 92 days.
  monitor::MeasureRollup rollup(*db, clock);
  if (!rollup.Prune().ok()) return 1;
  std::printf(
      "%lld runs over %d days: %lld synthetic decision records folded and applied in %.1f s "
      "(%.0f records/s, %lld pages); store %.0f MiB\n\n",
      static_cast<long long>(runs), days, static_cast<long long>(folded), build_ms / 1000,
      folded / build_ms * 1000, static_cast<long long>(pages),
      std::filesystem::file_size(path) / 1048576.0);

  // 3. The dashboard's queries.
  monitor::PriceTable prices = *monitor::PriceTable::Parse(R"yaml(
currency: EUR
models:
  - { model: ai:script, per_call: 0.0004 }
people:
  - { hourly_rate: 42 }
)yaml",
                                                           "prices.yaml");
  const monitor::MeasuresContext context =
      flowline::server::MeasuresContextFor(eng, "invoice", &prices);
  struct Query {
    const char* what;
    int64_t granularity;
    absl::Duration span;
    const char* step;
  };
  const Query queries[] = {
      {"last 3 hours by minute", monitor::kMinute, absl::Hours(3), nullptr},
      {"last 48 hours by hour (the dashboard's default)", monitor::kHour, absl::Hours(48), nullptr},
      {"last 7 days by hour, with step=read", monitor::kHour, absl::Hours(24 * 7), "read"},
      {"last 30 days by hour", monitor::kHour, absl::Hours(24 * 30), nullptr},
      {"last 30 days by day", monitor::kDay, absl::Hours(24 * 30), nullptr},
  };
  std::printf("ComputeMeasures (store read + figures), %d repeats:\n", repeats);
  for (const Query& q : queries) {
    monitor::MeasuresQuery query;
    query.workflow = "invoice";
    query.granularity_s = q.granularity;
    query.until = end;
    query.from = end - q.span;
    if (q.step != nullptr) query.step = q.step;
    Time(q.what, repeats, [&] {
      auto report = monitor::ComputeMeasures(*db, query, context);
      if (!report.ok()) {
        std::fprintf(stderr, "%s\n", report.status().ToString().c_str());
        std::exit(1);
      }
      return absl::StrCat(report->buckets.size(), " buckets");
    });
  }

  flowline::server::ApiServerOptions options;
  options.prices = &prices;
  auto api = flowline::server::ApiServer::Create(options, eng, *db, clock, random);
  if (!api.ok() || !(*api)->Listen("127.0.0.1", 0).ok()) return 1;
  auto token = (*api)->tokens().CreateToken("bench", "viewer");
  if (!token.ok()) return 1;
  httplib::Client client("127.0.0.1", (*api)->port());
  httplib::Headers auth = {{"Authorization", "Bearer " + *token}};
  std::printf("\nHTTP on loopback (auth, query, figures, JSON), %d repeats:\n", repeats);
  for (const Query& q : queries) {
    std::string path = absl::StrCat(
        "/api/v1/workflows/invoice/measures?granularity=", monitor::GranularityName(q.granularity),
        "&from=", monitor::FormatUtc(end - q.span), "&until=", monitor::FormatUtc(end));
    if (q.step != nullptr) absl::StrAppend(&path, "&step=", q.step);
    Time(absl::StrCat("GET measures: ", q.what), repeats, [&] {
      httplib::Result result = client.Get(path.c_str(), auth);
      if (!result || result->status != 200) {
        std::fprintf(stderr, "%s: %d %s\n", path.c_str(), result ? result->status : 0,
                     result ? result->body.c_str() : "");
        std::exit(1);
      }
      return absl::StrCat(result->body.size() / 1024, " KiB");
    });
  }
  Time("GET /metrics", repeats, [&] {
    httplib::Result result = client.Get("/metrics", auth);
    if (!result || result->status != 200) std::exit(1);
    return absl::StrCat(result->body.size() / 1024, " KiB");
  });
  (*api)->Stop();
  return 0;
}
