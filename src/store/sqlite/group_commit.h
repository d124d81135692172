// The SQLite store's single writer, with group commit.
//
// SQLite allows one writer at a time, and a durable commit costs an fsync. GroupCommitter owns
// the write connection and a thread that runs every write of the store: callers enqueue a unit
// of work and block; the writer takes every pending request (up to `max_batch`), runs them in
// one BEGIN IMMEDIATE … COMMIT and commits once. A request whose work fails gets its own error
// and none of its writes; its neighbours commit. (The batch first runs without savepoints; if a
// request fails, the transaction is rolled back and the batch runs again with each request in
// its own SAVEPOINT, rolling back only the failed one.) So N threads committing at once share one
// transaction and one fsync, and the caller returns only after its work is durable.
//
// If the COMMIT fails (or SQLite rolls the whole transaction back after an I/O error), every
// request of that transaction whose work had succeeded gets that error instead: nothing a
// caller was told succeeded is lost.
//
// Thread-safety: Run() may be called from any number of threads. The work runs on the writer
// thread, while its caller waits, so it may read and write the caller's variables freely.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

struct GroupCommitStats {
  int64_t transactions = 0;     // committed write transactions
  int64_t requests = 0;         // requests run (committed or failed)
  int64_t failed_requests = 0;  // requests whose own work failed (rolled back to a savepoint)
  int64_t largest_batch = 0;    // most requests in one transaction
};

class GroupCommitter {
 public:
  using Work = absl::FunctionRef<absl::Status(Connection&)>;

  // Called on the writer thread after each batch, outside any transaction (housekeeping such as
  // checkpoints); may be empty.
  using AfterBatch = std::function<void(Connection&)>;

  // Starts the writer thread. `connection` must not be in a transaction. `max_batch` >= 1.
  GroupCommitter(std::unique_ptr<Connection> connection, int max_batch,
                 AfterBatch after_batch = nullptr);
  // Runs every request already queued, then stops the writer.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  // Runs `work` in the next write transaction and returns once that transaction has committed:
  // the work's own error, the commit's error, or OK when its changes are durable. The work must
  // do all its writes through the connection it is given and must not open or end transactions.
  // It may be run more than once (an earlier run is rolled back when a neighbour fails), so it
  // must only assign its results, never accumulate into or move from the caller's variables.
  absl::Status Run(Work work);

  GroupCommitStats stats() const;

 private:
  struct Request {
    explicit Request(Work w) : work(w) {}
    Work work;
    absl::Status status;
    // Set by the writer when the request's transaction has ended. A condition variable, not a
    // std::binary_semaphore: libstdc++'s semaphore spins with sched_yield before it sleeps,
    // and on a small machine a dozen waiting callers yielding steal CPU from the writer.
    std::mutex done_mu;
    std::condition_variable done_cv;
    bool done = false;
  };

  void WriterLoop();
  void RunBatch(const std::vector<Request*>& batch);
  // Runs the requests from `first` on without savepoints until one fails; returns its index, or
  // batch.size() if none did.
  size_t RunWithoutSavepoints(const std::vector<Request*>& batch, size_t first);
  // Runs one request inside a savepoint; returns false if SQLite ended the whole transaction.
  bool RunInSavepoint(Request& request);

  std::unique_ptr<Connection> connection_;
  const size_t max_batch_;
  const AfterBatch after_batch_;

  mutable std::mutex mu_;
  std::condition_variable wake_writer_;
  std::deque<Request*> pending_;  // guarded by mu_
  bool stopping_ = false;         // guarded by mu_
  GroupCommitStats stats_;        // guarded by mu_

  std::thread writer_;
};

}  // namespace flowline::store::sqlite
