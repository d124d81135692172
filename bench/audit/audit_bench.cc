// Benchmark of the decision record's verification (docs/benchmarks.md): builds a store with N
// records shaped like W3's (run.created, three step.completed with outputs, run.completed), signs
// a checkpoint, then times `VerifyChain` over the whole chain, best and median of several walks.
//
//   build/bench/audit_bench [--records 1000000] [--walks 5] [--checkpoints 1] [--store DIR]
//
// --checkpoints N signs N checkpoints spread over the chain (a year of `flowline serve` at one a
// minute is 525,600), to measure what checking their signatures adds.
// With --store DIR the database is kept (and reused if it already has the records).
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "audit/checkpoints.h"
#include "audit/key_dir.h"
#include "audit/verifier.h"
#include "common/temp_dir.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace {

using flowline::store::NewRecord;

struct Args {
  int64_t records = 1'000'000;
  int walks = 5;
  int64_t checkpoints = 1;
  std::string store_dir;
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return false;
    const std::string value = argv[++i];
    if (flag == "--records") {
      args.records = std::atoll(value.c_str());
    } else if (flag == "--walks") {
      args.walks = std::atoi(value.c_str());
    } else if (flag == "--checkpoints") {
      args.checkpoints = std::atoll(value.c_str());
    } else if (flag == "--store") {
      args.store_dir = value;
    } else {
      return false;
    }
  }
  return args.records > 0 && args.walks > 0 && args.checkpoints >= 1;
}

// The five records of one W3-like run.
std::vector<NewRecord> RunRecords(int64_t n) {
  const std::string digest(64, 'a');
  std::vector<NewRecord> records;
  records.push_back({"", "run.created", "system",
                     absl::StrCat(R"({"version":"3f9a2c","key":"INV-)", n, R"(","input_digest":")",
                                  digest, R"("})")});
  records.push_back(
      {"validate", "step.completed", "system:script",
       absl::StrCat(R"({"attempt":1,"input_digest":")", digest, R"(","output":{"ok":true,"sum":)",
                    n % 5000, R"(.25},"duration_us":412})")});
  records.push_back({"route", "step.completed", "system:switch",
                     absl::StrCat(R"({"attempt":1,"input_digest":")", digest,
                                  R"(","output":{"route":"approve","matched":"default"},)"
                                  R"("duration_us":95})")});
  records.push_back({"record", "step.completed", "system:script",
                     absl::StrCat(R"({"attempt":1,"input_digest":")", digest,
                                  R"(","output":{"outcome":"approve","id":"INV-)", n,
                                  R"("},"duration_us":233})")});
  records.push_back({"", "run.completed", "system", R"({"output":{"outcome":"approve"}})"});
  return records;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (!ParseArgs(argc, argv, args)) {
    std::cerr << "usage: audit_bench [--records N] [--walks N] [--store DIR]\n";
    return 2;
  }
  flowline::common::TempDir temp;
  const std::string dir = args.store_dir.empty() ? temp.path() : args.store_dir;
  std::filesystem::create_directories(dir);
  flowline::store::sqlite::SqliteStoreOptions options =
      flowline::store::sqlite::ScratchStoreOptions(dir + "/audit-bench.db");
  auto store = flowline::store::sqlite::SqliteStore::Open(options);
  if (!store.ok()) {
    std::cerr << store.status() << "\n";
    return 1;
  }
  auto key = flowline::audit::LoadOrCreateSigningKey(options.path + ".keys");
  if (!key.ok()) return 1;

  auto head = (*store)->GetRecordChainHead();
  if (!head.ok()) return 1;
  const absl::Time start = absl::Now();
  // 200 runs' records per CreateRun: building the chain is not what is measured.
  for (int64_t run = head->seq / 5; run * 5 < args.records; run += 200) {
    flowline::store::NewRun batch;
    batch.run_id = absl::StrCat("run-", run);
    batch.workflow = "w3";
    batch.version = "3f9a2c";
    batch.input_json = "{}";
    batch.now = absl::FromUnixSeconds(1'700'000'000 + run);
    batch.steps = {{"$end", 1}};
    for (int64_t n = run; n < run + 200 && n * 5 < args.records; ++n) {
      for (NewRecord& record : RunRecords(n)) batch.records.push_back(std::move(record));
    }
    if (auto created = (*store)->CreateRun(batch); !created.ok()) {
      std::cerr << created.status() << "\n";
      return 1;
    }
  }
  head = (*store)->GetRecordChainHead();
  auto existing = (*store)->ListCheckpoints(0, 0);
  if (!head.ok() || !existing.ok()) return 1;
  if (static_cast<int64_t>(existing->size()) < args.checkpoints) {
    // Spread over the chain, the last one at the head.
    for (int64_t i = static_cast<int64_t>(existing->size()) + 1; i <= args.checkpoints; ++i) {
      const int64_t seq = head->seq * i / args.checkpoints;
      auto record = (*store)->ScanRecords(seq - 1, 1);
      if (!record.ok() || record->empty()) return 1;
      auto checkpoint = flowline::audit::SignCheckpoint(*key, seq, record->front().hash,
                                                        absl::Now(), "interval", false);
      if (!checkpoint.ok() || !(*store)->AddCheckpoint(*checkpoint).ok()) return 1;
    }
  }
  std::printf("chain: %lld records, %lld checkpoints (built in %.1f s), database %.0f MiB\n",
              static_cast<long long>(head->seq), static_cast<long long>(args.checkpoints),
              absl::ToDoubleSeconds(absl::Now() - start),
              static_cast<double>(std::filesystem::file_size(options.path)) / (1 << 20));

  std::vector<double> rates;
  for (int walk = 0; walk < args.walks; ++walk) {
    flowline::audit::VerifyOptions verify;
    const flowline::audit::PublicKey public_key = key->public_key();
    verify.trusted_key = &public_key;
    auto report = flowline::audit::VerifyChain(**store, verify);
    if (!report.ok() || report->finding.has_value()) {
      std::cerr << "verify failed: "
                << (report.ok() ? report->finding->message : report.status().ToString()) << "\n";
      return 1;
    }
    const double seconds = absl::ToDoubleSeconds(report->elapsed);
    rates.push_back(static_cast<double>(report->records) / seconds);
    std::printf("walk %d: %lld records in %.3f s: %.0f records/s\n", walk + 1,
                static_cast<long long>(report->records), seconds, rates.back());
  }
  std::sort(rates.begin(), rates.end());
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  std::printf("verify: median %.0f records/s, best %.0f records/s, peak RSS %.0f MiB\n",
              rates[rates.size() / 2], rates.back(), static_cast<double>(usage.ru_maxrss) / 1024);
  return 0;
}
