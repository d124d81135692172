// The review inbox and resumption (issue 4; docs/benchmarks.md):
//   1. with 10,000 open tasks in the store, how long the inbox's queries take on the server
//      side: a page of 100 tasks (the inbox), every open task (10,000), the per-queue counts;
//   2. after a person resolves a task, how long until the run's next step is running
//      (engine with worker threads, real clock, durable SQLite store).
// Usage: review_bench [--tasks N] [--resolves M]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "server/api_server.h"
#include "server/auth.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using flowline::Json;
namespace engine = flowline::engine;
namespace store = flowline::store;

constexpr char kSpec[] = R"yaml(
workflow: inbox
key: ${{ input.id }}
steps:
  - id: fields
    uses: script
    actor: ai
    with:
      code: |
        return { fields = { total = { value = input.total, confidence = 0.5 } } }
  - id: review
    uses: review
    actor: human
    with:
      gate: true
      queue: ${{ input.queue }}
      priority: ${{ input.priority }}
      sla: 4h
      fields_step: fields
      decisions: [approve, correct, reject]
      data:
        fields: ${{ steps.fields.output.fields }}
  - id: after
    uses: script
    with:
      code: return { done = true }
exceptions:
  confidence: 0.9
)yaml";

double Ms(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

template <typename Fn>
void Time(const char* what, int repeats, Fn fn) {
  std::vector<double> ms;
  size_t rows = 0;
  for (int i = 0; i < repeats; ++i) {
    auto start = std::chrono::steady_clock::now();
    rows = fn();
    ms.push_back(Ms(std::chrono::steady_clock::now() - start));
  }
  std::printf("%-44s %7zu rows  median %8.2f ms  max %8.2f ms\n", what, rows, Median(ms),
              *std::max_element(ms.begin(), ms.end()));
}

}  // namespace

int main(int argc, char** argv) {
  int tasks = 10000;
  int resolves = 200;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--tasks") == 0) tasks = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--resolves") == 0) resolves = std::atoi(argv[i + 1]);
  }
  flowline::common::TempDir dir;
  store::sqlite::SqliteStoreOptions options;
  options.path = dir.File("flowline.db");
  auto opened = store::sqlite::SqliteStore::Open(options);
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<store::sqlite::SqliteStore> db = std::move(*opened);
  flowline::steps::StepKindRegistry registry;
  flowline::steps::RegisterSystemStepKinds(registry);
  flowline::common::SystemRandom random;
  engine::EngineOptions engine_options;
  engine_options.workers = 4;
  engine_options.poll_interval = absl::Milliseconds(100);
  engine::Engine eng(engine_options, *db, registry, flowline::common::SystemClock::Get(), random,
                     nullptr);
  if (auto deployed = eng.Deploy(kSpec, "inbox.yaml"); !deployed.ok()) {
    std::fprintf(stderr, "%s\n", deployed.status().ToString().c_str());
    return 1;
  }
  if (!eng.Start().ok()) return 1;

  // 1. Fill the inbox: every run stops at the gate with an open task.
  const char* queues[] = {"accounts-payable", "claims", "onboarding", "accounts-payable-urgent"};
  auto fill_start = std::chrono::steady_clock::now();
  for (int i = 0; i < tasks; ++i) {
    Json input = {{"id", absl::StrCat("case-", i)},
                  {"total", absl::StrCat(100 + i % 900, ".00")},
                  {"queue", queues[i % 4]},
                  {"priority", i % 5}};
    if (auto started = eng.StartRun({"inbox", std::move(input), ""}); !started.ok()) {
      std::fprintf(stderr, "%s\n", started.status().ToString().c_str());
      return 1;
    }
  }
  for (;;) {
    store::TaskFilter all;
    all.limit = 0;
    auto open = db->ListTasks(all);
    if (open.ok() && static_cast<int>(open->size()) >= tasks) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf("%d runs waiting at the gate with open tasks (filled in %.1f s)\n\n", tasks,
              Ms(std::chrono::steady_clock::now() - fill_start) / 1000);

  const absl::Time now = absl::Now();
  Time("inbox page: 100 open tasks, all queues", 20, [&] {
    store::TaskFilter filter;
    filter.limit = 100;
    return db->ListTasks(filter)->size();
  });
  Time("inbox page: 100 open tasks of one queue", 20, [&] {
    store::TaskFilter filter;
    filter.queue = "claims";
    filter.limit = 100;
    return db->ListTasks(filter)->size();
  });
  Time("every open task (the whole inbox)", 10, [&] {
    store::TaskFilter filter;
    filter.limit = 0;
    return db->ListTasks(filter)->size();
  });
  Time("per-queue counts (open, claimed, overdue)", 20,
       [&] { return db->CountTasks(now)->size(); });

  // The same through HTTP: what a client of GET /api/v1/tasks waits for (auth, the query, the
  // JSON of each task with its payload), on the server's loopback.
  {
    auto api = flowline::server::ApiServer::Create({}, eng, *db,
                                                   flowline::common::SystemClock::Get(), random);
    if (!api.ok() || !(*api)->Listen("127.0.0.1", 0).ok()) return 1;
    auto token = (*api)->tokens().CreateToken("bench", "viewer");
    if (!token.ok()) return 1;
    httplib::Client client("127.0.0.1", (*api)->port());
    httplib::Headers auth = {{"Authorization", "Bearer " + *token}};
    for (int limit : {100, 500}) {
      const std::string path = absl::StrCat("/api/v1/tasks?limit=", limit);
      Time(absl::StrCat("HTTP GET /api/v1/tasks?limit=", limit).c_str(), 20, [&] {
        httplib::Result result = client.Get(path.c_str(), auth);
        return result && result->status == 200 ? result->body.size() / 1024 : 0;
      });
    }
    (*api)->Stop();
    std::printf("(HTTP rows column: KiB of JSON)\n");
  }

  // 2. Resolve tasks one at a time; time until the next step of the run is running.
  store::TaskFilter page;
  page.limit = resolves;
  std::vector<store::Task> to_resolve = *db->ListTasks(page);
  std::vector<double> resume_ms;
  for (const store::Task& task : to_resolve) {
    if (!db->ClaimTask(task.task_id, "ann", absl::Now(), absl::Minutes(5)).ok()) continue;
    const absl::Time decided = absl::Now();
    auto resolved = eng.ResolveTask({task.task_id, "ann", "approve", "", Json::object()});
    if (!resolved.ok()) {
      std::fprintf(stderr, "%s\n", resolved.status().ToString().c_str());
      return 1;
    }
    for (;;) {
      auto detail = db->GetRunDetail(task.run_id);
      bool started = false;
      for (const store::StepState& step : detail->steps) {
        if (step.step_id == "after" && step.started_at.has_value()) {
          resume_ms.push_back(absl::ToDoubleMilliseconds(*step.started_at - decided));
          started = true;
        }
      }
      if (started) break;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  std::printf(
      "\nresolve -> next step running, %zu tasks: median %.2f ms, p95 %.2f ms, max %.2f ms\n",
      resume_ms.size(), Median(resume_ms), Percentile(resume_ms, 0.95),
      *std::max_element(resume_ms.begin(), resume_ms.end()));
  eng.Stop();
  return 0;
}
