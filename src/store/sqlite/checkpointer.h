// WAL checkpoints for the SQLite store, kept off the writer's critical path.
//
// In WAL mode every commit appends pages to the -wal file; a checkpoint copies them back into
// the database file (and, with synchronous=FULL, fsyncs it). SQLite's automatic checkpoint runs
// inside the COMMIT that crosses its threshold, so the writer thread — and every request of that
// batch — would wait for the whole copy. Instead:
//
// - The writer connection's WAL hook reports the WAL's size after each commit (Notify). Every
//   `passive_pages` new pages, a background thread runs a PASSIVE checkpoint on its own
//   connection: it copies what is committed without taking any lock the writer needs.
// - A WAL is only rewound to its start (and truncated to journal_size_limit) by the first write
//   after a checkpoint that copied *everything*, which a background checkpoint racing a busy
//   writer never does. So once the WAL passes `rewind_pages`, the writer itself, between two
//   batches, runs a PASSIVE checkpoint (FinishOnWriter): the background thread has already copied
//   almost all of it, so the writer only copies the tail, and its next transaction rewinds.
//
// Thread-safety: Notify() and FinishOnWriter() are called by the writer thread only; stats()
// and WaitForBackgroundCheckpoints() from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

struct CheckpointStats {
  int64_t background = 0;  // background checkpoints that found the WAL (and copied what they could)
  int64_t on_writer = 0;   // checkpoints the writer ran itself to rewind the WAL
};

class Checkpointer {
 public:
  // Starts the background thread. `connection` is a dedicated connection to a database already
  // in WAL mode. Errors: those of SQLite reading the database.
  static absl::StatusOr<std::unique_ptr<Checkpointer>> Start(std::unique_ptr<Connection> connection,
                                                             int passive_pages, int rewind_pages);
  // Stops the thread (SQLite checkpoints when the last connection to the database closes).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs Notify() as `writer`'s WAL hook, replacing SQLite's automatic checkpoint.
  void AttachTo(Connection& writer);

  // The WAL holds `wal_pages` pages after a commit.
  void Notify(int wal_pages);

  // Between batches, outside any transaction: if the WAL has grown past rewind_pages, finishes
  // the checkpoint on the writer's connection so that the next write rewinds the WAL.
  void FinishOnWriter(Connection& writer);

  CheckpointStats stats() const;

  // Blocks until at least `count` background checkpoints have run, or `timeout` passes; returns
  // whether they have (for tests).
  bool WaitForBackgroundCheckpoints(int64_t count, absl::Duration timeout);

 private:
  Checkpointer(std::unique_ptr<Connection> connection, int passive_pages, int rewind_pages);
  void Loop();

  std::unique_ptr<Connection> connection_;
  const int passive_pages_;
  const int rewind_pages_;
  bool rewind_due_ = false;  // writer thread only

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable checkpointed_;
  CheckpointStats stats_;  // guarded by mu_
  // Guarded by mu_: the WAL size (in frames) the writer last reported, and that size when the
  // last background checkpoint started. The WAL only grows until it is rewound, so a report
  // below the baseline means it was rewound.
  int wal_pages_ = 0;
  int baseline_ = 0;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace flowline::store::sqlite
