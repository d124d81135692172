// The fold from the record log to measure buckets: what each decision-record kind adds to which
// measure (docs/measures.md has the definitions). MeasureRollup (measure_rollup.h) feeds it the
// record log in pages and stores what it returns; the fold itself keeps no state between
// batches, so a batch can be folded again from scratch after a crash or a lost race.
//
// The record log names runs and tasks; their workflow, version and opening times come from a
// FactSource (the store, through StoreFacts; a benchmark's synthetic stream, through its own).
//
// Reads are tolerant: payload members the fold does not know are ignored, and a record whose
// payload cannot be read, or whose run or task no longer exists, is skipped and counted rather
// than stopping the rollup.
//
// Thread-safety: none; one fold per rollup pass.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::monitor {

struct RunFacts {
  std::string workflow;
  std::string version;
  absl::Time created_at;
  // A business case (a normal run); shadow copies and other suppressed runs are not counted.
  bool business = true;
};

struct TaskFacts {
  absl::Time created_at;
  bool audit_sample = false;  // the gate opened it for the random audit sample
  // The kinds of the reasons it was opened for (payload "routing"), sorted, each once; empty for
  // a review step that opens a task for every case.
  std::vector<std::string> reasons;
};

class FactSource {
 public:
  virtual ~FactSource() = default;
  // NotFound for an unknown run or task.
  virtual absl::StatusOr<RunFacts> Run(const std::string& run_id) = 0;
  virtual absl::StatusOr<TaskFacts> Task(const std::string& task_id) = 0;
  // Whether a person decided anything in the run (it has a resolved task).
  virtual absl::StatusOr<bool> HadPerson(const std::string& run_id) = 0;
};

// A task's facts from its row: the reason kinds and the audit flag of its payload.
TaskFacts TaskFactsOf(const store::Task& task);

// FactSource over a store. Runs are cached (their workflow, version and creation time never
// change), up to `max_cached_runs` at a time.
class StoreFacts final : public FactSource {
 public:
  explicit StoreFacts(store::Store& store, size_t max_cached_runs = 100000);
  absl::StatusOr<RunFacts> Run(const std::string& run_id) override;
  absl::StatusOr<TaskFacts> Task(const std::string& task_id) override;
  absl::StatusOr<bool> HadPerson(const std::string& run_id) override;

 private:
  store::Store& store_;
  const size_t max_cached_runs_;
  absl::flat_hash_map<std::string, RunFacts> runs_;
};

class MeasureFold {
 public:
  // `facts` must outlive the fold.
  explicit MeasureFold(FactSource& facts);
  ~MeasureFold();

  // Folds one record into the pending deltas. Errors are the fact source's other than NotFound
  // (which skips the record).
  absl::Status Add(const store::Record& record);

  // The pending deltas, one per bucket (each record counts in every granularity of
  // kGranularities), in no particular order; clears them.
  std::vector<store::MeasureBucket> TakeDeltas();

  int64_t folded() const { return folded_; }    // records that added something
  int64_t skipped() const { return skipped_; }  // records that could not be read

 private:
  struct Key;
  struct KeyHash;
  struct Cell {
    int64_t count = 0;
    double sum = 0;
  };
  // Adds to `measure`/`label` of `run`'s workflow and version at `at`, in every granularity.
  void Count(const RunFacts& run, absl::Time at, const std::string& step, const char* measure,
             const std::string& label, int64_t count, double sum);
  void Observe(const RunFacts& run, absl::Time at, const std::string& step, const char* measure,
               double seconds);

  absl::Status AddStep(const store::Record& record, const RunFacts& run);
  // The task a task record names (payload "task_id"), its payload in `payload`; nullopt (and
  // the record skipped) when the payload names none or the task is gone.
  absl::StatusOr<std::optional<TaskFacts>> TaskOf(const store::Record& record, Json& payload);
  absl::Status AddTaskOpened(const store::Record& record, const RunFacts& run);
  absl::Status AddDecision(const store::Record& record, const RunFacts& run);
  absl::Status AddRunEnd(const store::Record& record, const RunFacts& run);
  void Skip(const store::Record& record, std::string_view why);

  FactSource& facts_;
  std::unique_ptr<absl::flat_hash_map<Key, Cell, KeyHash>> cells_;
  int64_t folded_ = 0;
  int64_t skipped_ = 0;
};

}  // namespace flowline::monitor
