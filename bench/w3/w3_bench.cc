// Benchmark W3 (docs/benchmarks.md): 10,000 invoices through validate -> route -> record, 16 runs
// in flight, on the durable embedded store; and the engine's overhead per step with no-op steps.
//
//   build/bench/w3/w3_bench [--invoices ../shared/bench/w3-invoices.jsonl] [--in-flight 16]
//                           [--workers 16] [--noop-steps 0] [--runs N] [--store DIR]
//                           [--not-durable]
//
// Prints runs/s, p50/p99 run latency (start -> finished), peak RSS, and checks that every run
// reached the outcome its line expects (exit 1 otherwise).
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using flowline::Json;

// A step that does nothing: what is left of a step's cost is the engine's.
class NoopStep final : public flowline::steps::StepKind {
 public:
  NoopStep() {
    info_.name = "noop";
    info_.actors = {flowline::steps::Actor::kSystem};
  }
  const flowline::steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<flowline::steps::PreparedStep> Prepare(
      std::string_view, const Json&, std::vector<flowline::steps::ConfigError>*) const override {
    return std::make_unique<Prepared>();
  }

 private:
  struct Prepared final : flowline::steps::PreparedStep {
    flowline::steps::StepOutcome Execute(const flowline::steps::StepContext&) const override {
      return flowline::steps::StepOutcome::Completed(Json::object());
    }
  };
  flowline::steps::StepKindInfo info_;
};

struct Args {
  std::string invoices = "../shared/bench/w3-invoices.jsonl";
  std::string spec = "bench/w3/w3.yaml";
  std::string store_dir;
  int in_flight = 16;
  int workers = 16;
  int noop_steps = 0;   // > 0: a workflow of this many no-op steps instead of W3
  int runs = 0;         // 0: every invoice once (noop: 10,000)
  bool durable = true;  // --not-durable: synchronous=NORMAL (for diagnosis only)
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= argc) return false;
      out = argv[++i];
      return true;
    };
    std::string v;
    if (flag == "--invoices" && value(v)) {
      args.invoices = v;
    } else if (flag == "--spec" && value(v)) {
      args.spec = v;
    } else if (flag == "--store" && value(v)) {
      args.store_dir = v;
    } else if (flag == "--in-flight" && value(v)) {
      args.in_flight = std::stoi(v);
    } else if (flag == "--workers" && value(v)) {
      args.workers = std::stoi(v);
    } else if (flag == "--noop-steps" && value(v)) {
      args.noop_steps = std::stoi(v);
    } else if (flag == "--not-durable") {
      args.durable = false;
    } else if (flag == "--runs" && value(v)) {
      args.runs = std::stoi(v);
    } else {
      std::cerr << "usage: w3_bench [--invoices FILE] [--spec FILE] [--store DIR] [--in-flight N]"
                   " [--workers N] [--noop-steps N] [--runs N] [--not-durable]\n";
      return false;
    }
  }
  return true;
}

std::string NoopSpec(int steps) {
  std::string spec = "workflow: noop\nkey: ${{ input.id }}\nsteps:\n";
  for (int i = 0; i < steps; ++i) absl::StrAppend(&spec, "  - id: s", i, "\n    uses: noop\n");
  return spec;
}

// CPU seconds (user + system) used so far by this process's thread named `name`, or -1.
double ThreadCpuSeconds(const std::string& name) {
  std::error_code ignored;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ignored)) {
    std::ifstream comm(task.path() / "comm");
    std::string thread_name;
    if (!std::getline(comm, thread_name) || thread_name != name) continue;
    std::ifstream stat_file(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
    // Fields after the parenthesised name: state is the 3rd field, utime and stime the 14th, 15th.
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string field;
    long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::stoll(field);
      if (i == 15) stime = std::stoll(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return -1;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) return 2;

  // Inputs and the outcome each must reach.
  std::vector<Json> inputs;
  std::vector<std::string> expected;
  if (args.noop_steps > 0) {
    int n = args.runs > 0 ? args.runs : 10000;
    for (int i = 0; i < n; ++i) inputs.push_back({{"id", absl::StrCat("noop-", i)}});
  } else {
    std::ifstream in(args.invoices);
    if (!in) {
      std::cerr << "cannot read " << args.invoices << "\n";
      return 2;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      Json invoice = Json::parse(line);
      expected.push_back(invoice["_expect"].get<std::string>());
      invoice.erase("_expect");
      inputs.push_back(std::move(invoice));
    }
    if (args.runs > 0 && static_cast<size_t>(args.runs) < inputs.size()) {
      inputs.resize(args.runs);
      expected.resize(args.runs);
    }
  }
  std::string spec;
  if (args.noop_steps > 0) {
    spec = NoopSpec(args.noop_steps);
  } else {
    std::ifstream in(args.spec);
    if (!in) {
      std::cerr << "cannot read " << args.spec << " (run from the project's top folder)\n";
      return 2;
    }
    spec.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  flowline::common::TempDir temp;
  flowline::store::sqlite::SqliteStoreOptions store_options;
  store_options.synchronous_full = args.durable;
  store_options.path = (args.store_dir.empty() ? temp.path() : args.store_dir) + "/w3.db";
  auto store = flowline::store::sqlite::SqliteStore::Open(store_options);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  flowline::steps::StepKindRegistry registry;
  flowline::steps::RegisterSystemStepKinds(registry);
  registry.Register(std::make_unique<NoopStep>());
  flowline::engine::EngineOptions options;
  options.workers = args.workers;
  flowline::engine::Engine engine(options, **store, registry, flowline::common::SystemClock::Get(),
                                  flowline::common::SystemRandom::Get(), nullptr);
  auto deployed = engine.Deploy(spec, args.noop_steps > 0 ? "noop.yaml" : args.spec);
  if (!deployed.ok()) {
    std::cerr << deployed.status().message() << "\n";
    return 1;
  }

  // Runs finish on worker threads; each client thread waits for its own run, woken alone (a
  // shared condition variable would wake all sixteen clients on every finish).
  std::mutex mu;
  std::unordered_map<std::string, absl::Time> finished_at;
  std::unordered_map<std::string, std::condition_variable*> waiting;
  std::atomic<int> failed{0};
  engine.SetRunFinishedCallback([&](const std::string& run_id, flowline::store::RunStatus status) {
    absl::Time now = absl::Now();
    if (status != flowline::store::RunStatus::kCompleted) ++failed;
    std::lock_guard<std::mutex> lock(mu);
    finished_at[run_id] = now;
    if (auto it = waiting.find(run_id); it != waiting.end()) it->second->notify_one();
  });
  if (auto s = engine.Start(); !s.ok()) {
    std::cerr << s << "\n";
    return 1;
  }

  // `in_flight` clients, each starting a run and waiting for it to finish before the next:
  // always that many runs in flight, as many concurrent callers would keep.
  std::vector<std::string> run_ids(inputs.size());
  std::vector<double> latencies_ms(inputs.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> error{false};
  const absl::Time begin = absl::Now();
  std::vector<std::thread> clients;
  for (int c = 0; c < args.in_flight; ++c) {
    clients.emplace_back([&] {
      std::condition_variable cv;
      for (size_t i = next++; i < inputs.size() && !error; i = next++) {
        absl::Time start = absl::Now();
        auto run = engine.StartRun({deployed->workflow, inputs[i], ""});
        if (!run.ok()) {
          std::cerr << "run " << i << ": " << run.status() << "\n";
          error = true;
          return;
        }
        run_ids[i] = run->run_id;
        std::unique_lock<std::mutex> lock(mu);
        waiting[run->run_id] = &cv;
        cv.wait(lock, [&] { return finished_at.count(run->run_id) > 0; });
        waiting.erase(run->run_id);
        latencies_ms[i] = absl::ToDoubleMilliseconds(finished_at[run->run_id] - start);
      }
    });
  }
  for (std::thread& t : clients) t.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - begin);
  const double writer_cpu = ThreadCpuSeconds("flowline-writer");
  engine.Stop();
  if (error) return 1;

  // Every run must have reached its expected outcome.
  int wrong = 0;
  for (size_t i = 0; i < expected.size(); ++i) {
    auto run = (*store)->GetRun(run_ids[i]);
    std::string outcome;
    if (run.ok() && !run->output_json.empty()) {
      outcome = Json::parse(run->output_json).value("outcome", "");
    }
    if (outcome != expected[i]) ++wrong;
  }
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf(
      "%s: %zu runs, %d in flight, %d workers: %.0f runs/s, p50 %.2f ms, p99 %.2f ms, peak RSS "
      "%.1f MiB, %d failed, %d wrong outcome\n",
      args.noop_steps > 0 ? absl::StrCat("noop x", args.noop_steps).c_str() : "W3", inputs.size(),
      args.in_flight, args.workers, static_cast<double>(inputs.size()) / seconds,
      Percentile(latencies_ms, 0.5), Percentile(latencies_ms, 0.99), usage.ru_maxrss / 1024.0,
      failed.load(), wrong);
  auto commits = (*store)->stats();
  std::printf(
      "store: %lld write transactions for %lld requests (%.1f per transaction, largest %lld)\n",
      static_cast<long long>(commits.transactions), static_cast<long long>(commits.requests),
      static_cast<double>(commits.requests) /
          static_cast<double>(std::max<int64_t>(1, commits.transactions)),
      static_cast<long long>(commits.largest_batch));
  std::printf("writer thread: %.0f µs of CPU per write transaction, busy %.0f%% of the time\n",
              writer_cpu * 1e6 / static_cast<double>(std::max<int64_t>(1, commits.transactions)),
              100 * writer_cpu / seconds);
  auto checkpoints = (*store)->checkpoint_stats();
  std::printf("checkpoints: %lld in the background, %lld on the writer\n",
              static_cast<long long>(checkpoints.background),
              static_cast<long long>(checkpoints.on_writer));
  if (args.noop_steps > 0) {
    std::printf("per step: %.1f µs of wall time per step at this concurrency\n",
                seconds * 1e6 / (static_cast<double>(inputs.size()) * args.noop_steps));
  }
  return (failed.load() > 0 || wrong > 0) ? 1 : 0;
}
