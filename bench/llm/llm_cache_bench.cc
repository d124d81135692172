// Benchmark of what the llm step adds around a model call (docs/benchmarks.md): the response
// cache's lookups and stores in its SQLite file, and ProviderGate admission, per operation.
// A model call takes hundreds of milliseconds; these should be far below that.
//
//   build/bench/llm_cache_bench [--entries 10000] [--bytes 2000] [--threads 4] [--rounds 5]
//
// Each round: a new cache file; --entries stores of a ModelResponse whose answer text is --bytes
// long; the same number of hits (each one bumps the entry's hit count: a write); a miss per
// entry; then the hits again from --threads threads at once. Then Admit+Finish through a gate
// without limits and through one with concurrency/requests/tokens limits it never reaches.
// Prints each round and the median.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ai/llm/provider_gate.h"
#include "ai/llm/response_cache.h"
#include "common/clock.h"
#include "common/temp_dir.h"

namespace {

using flowline::ai::llm::ModelResponse;
using flowline::ai::llm::ProviderGate;
using flowline::ai::llm::ResponseCache;

struct Args {
  int entries = 10000;
  int bytes = 2000;
  int threads = 4;
  int rounds = 5;
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    const int value = std::atoi(argv[++i]);
    if (value <= 0) return false;
    if (flag == "--entries") {
      args.entries = value;
    } else if (flag == "--bytes") {
      args.bytes = value;
    } else if (flag == "--threads") {
      args.threads = value;
    } else if (flag == "--rounds") {
      args.rounds = value;
    } else {
      return false;
    }
  }
  return true;
}

double MicrosPer(std::chrono::steady_clock::time_point start, int64_t operations) {
  const std::chrono::duration<double, std::micro> elapsed =
      std::chrono::steady_clock::now() - start;
  return elapsed.count() / static_cast<double>(operations);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

struct Round {
  double put_us, hit_us, miss_us, parallel_hit_us, gate_us, limited_gate_us;
};

Round RunRound(const Args& args) {
  Round round{};
  flowline::common::TempDir dir;
  absl::StatusOr<std::unique_ptr<ResponseCache>> opened =
      flowline::ai::llm::OpenSqliteResponseCache(dir.File("llm-cache"));
  if (!opened.ok()) {
    std::fprintf(stderr, "%s\n", std::string(opened.status().message()).c_str());
    std::exit(1);
  }
  ResponseCache& cache = **opened;
  ModelResponse response;
  response.text =
      absl::StrCat("{\"summary\":\"", std::string(static_cast<size_t>(args.bytes), 'x'), "\"}");
  response.answer = {{"summary", std::string(static_cast<size_t>(args.bytes), 'x')}};
  response.input_tokens = 412;
  response.output_tokens = 61;
  std::vector<std::string> keys;
  for (int i = 0; i < args.entries; ++i) keys.push_back(absl::StrCat("key-", i));
  const absl::Time now = absl::Now();

  auto start = std::chrono::steady_clock::now();
  for (const std::string& key : keys) {
    if (!cache.Put(key, "openai", "gpt-4o-mini", response, now).ok()) std::exit(1);
  }
  round.put_us = MicrosPer(start, args.entries);

  start = std::chrono::steady_clock::now();
  for (const std::string& key : keys) {
    if (!cache.Get(key).ok()) std::exit(1);
  }
  round.hit_us = MicrosPer(start, args.entries);

  start = std::chrono::steady_clock::now();
  for (const std::string& key : keys) {
    if (!cache.Get(key + "-missing").ok()) std::exit(1);
  }
  round.miss_us = MicrosPer(start, args.entries);

  start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < args.threads; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = static_cast<size_t>(t); i < keys.size();
           i += static_cast<size_t>(args.threads)) {
        if (!cache.Get(keys[i]).ok()) std::exit(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  round.parallel_hit_us = MicrosPer(start, args.entries);

  auto time_gate = [&](flowline::ai::llm::ProviderLimits limits) {
    ProviderGate gate("openai", limits, flowline::ai::llm::BreakerOptions{},
                      flowline::common::SystemClock::Get(), flowline::ai::llm::SystemSleeper());
    const auto gate_start = std::chrono::steady_clock::now();
    for (int i = 0; i < args.entries; ++i) {
      absl::StatusOr<ProviderGate::Permit> permit = gate.Admit(1500, absl::InfiniteFuture());
      if (!permit.ok()) std::exit(1);
      permit->Finish(absl::OkStatus(), 473);
    }
    return MicrosPer(gate_start, args.entries);
  };
  round.gate_us = time_gate({});
  flowline::ai::llm::ProviderLimits limits;
  limits.concurrency = 8;
  limits.requests_per_minute = 1'000'000'000;
  limits.tokens_per_minute = 1'000'000'000'000;
  round.limited_gate_us = time_gate(limits);
  return round;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: llm_cache_bench [--entries N] [--bytes N] [--threads N] [--rounds N]\n");
    return 2;
  }
  std::vector<Round> rounds;
  std::printf("µs per operation: put, hit, miss, hit (%d threads), gate, gate with limits\n",
              args.threads);
  for (int r = 0; r < args.rounds; ++r) {
    rounds.push_back(RunRound(args));
    const Round& x = rounds.back();
    std::printf("round %d: %.1f %.1f %.1f %.1f %.2f %.2f\n", r + 1, x.put_us, x.hit_us, x.miss_us,
                x.parallel_hit_us, x.gate_us, x.limited_gate_us);
  }
  auto median = [&](double Round::*field) {
    std::vector<double> values;
    for (const Round& x : rounds) values.push_back(x.*field);
    return Median(values);
  };
  std::printf("median:  %.1f %.1f %.1f %.1f %.2f %.2f\n", median(&Round::put_us),
              median(&Round::hit_us), median(&Round::miss_us), median(&Round::parallel_hit_us),
              median(&Round::gate_us), median(&Round::limited_gate_us));
  return 0;
}
