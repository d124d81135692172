// Background WAL checkpoints for the SQLite store.
//
// In WAL mode every commit appends pages to the -wal file; a checkpoint copies them back into
// the database file (and, with synchronous=FULL, fsyncs it). SQLite's automatic checkpoint runs
// inside the COMMIT that crosses the threshold, so the writer thread — and every request of that
// batch — would wait for the copy and the fsyncs. Instead the writer connection's WAL hook
// (Notify) wakes this thread, which checkpoints on its own connection:
//
// - PASSIVE, normally: it copies what it can without taking any lock the writer needs, so
//   writes go on in parallel.
// - RESTART, when the WAL has grown past `restart_pages` anyway (PASSIVE can never finish while
//   writes keep arriving, and only a fully checkpointed WAL is rewound): it waits for the writer
//   to finish its current transaction, copies the rest and lets the next write start the WAL
//   from its beginning, which bounds the file's size. The writer waits for that short tail only.
//
// Thread-safety: Notify() may be called from any thread (it is called by the writer thread).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

class Checkpointer {
 public:
  // Starts the thread. `connection` is a dedicated connection to the same database.
  Checkpointer(std::unique_ptr<Connection> connection, int passive_pages, int restart_pages);
  // Stops the thread (without a final checkpoint: SQLite checkpoints when the last connection
  // to the database closes).
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // The WAL holds `wal_pages` pages after a commit; wakes the thread once `passive_pages` were
  // added since the last checkpoint.
  void Notify(int wal_pages);

  // Installs Notify() as `writer`'s WAL hook, replacing SQLite's automatic checkpoint.
  void AttachTo(Connection& writer);

 private:
  void Loop();

  std::unique_ptr<Connection> connection_;
  const int passive_pages_;
  const int restart_pages_;

  std::mutex mu_;
  std::condition_variable wake_;
  // Guarded by mu_: the WAL size (in frames) the writer last reported, and that size when the
  // last checkpoint started. The WAL only grows until a writer rewinds it after a complete
  // checkpoint, so a report below the baseline means it was rewound.
  int wal_pages_ = 0;
  int baseline_ = 0;
  bool stopping_ = false;

  std::thread thread_;
};

}  // namespace flowline::store::sqlite
