#include "store/sqlite/group_commit.h"

#include <pthread.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::store::sqlite {
namespace {

absl::Status RunStatement(Connection& connection, const char* sql) {
  ASSIGN_OR_RETURN(auto stmt, connection.Prepare(sql));
  return stmt->Run();
}

}  // namespace

GroupCommitter::GroupCommitter(std::unique_ptr<Connection> connection, int max_batch,
                               AfterBatch after_batch)
    : connection_(std::move(connection)),
      max_batch_(static_cast<size_t>(std::max(1, max_batch))),
      after_batch_(std::move(after_batch)),
      writer_([this] { WriterLoop(); }) {}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
}

absl::Status GroupCommitter::Run(Work work) {
  Request request(work);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return absl::FailedPreconditionError("the store is closing");
    pending_.push_back(&request);
  }
  wake_writer_.notify_one();
  std::unique_lock<std::mutex> lock(request.done_mu);
  request.done_cv.wait(lock, [&request] { return request.done; });
  return std::move(request.status);
}

GroupCommitStats GroupCommitter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void GroupCommitter::WriterLoop() {
  pthread_setname_np(pthread_self(), "flowline-writer");  // for top, perf and gdb
  std::vector<Request*> batch;
  batch.reserve(max_batch_);
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_writer_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
      if (pending_.empty()) return;  // stopping, and everything queued has run
      size_t n = std::min(pending_.size(), max_batch_);
      batch.assign(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<ptrdiff_t>(n));
    }
    RunBatch(batch);
    if (after_batch_) after_batch_(*connection_);
  }
}

bool GroupCommitter::RunInSavepoint(Request& request) {
  Connection& connection = *connection_;
  absl::Status status = RunStatement(connection, "SAVEPOINT request");
  if (status.ok()) {
    status = request.work(connection);
    if (!connection.InTransaction()) {
      // SQLite rolls the whole transaction back on some errors (I/O error, disk full, out of
      // memory); the caller of RunBatch reports that to every request of the transaction.
      if (status.ok()) status = absl::InternalError("the write transaction ended inside a request");
      request.status = std::move(status);
      return false;
    }
    if (status.ok()) {
      status = RunStatement(connection, "RELEASE request");
    } else {
      // Undo this request only; its neighbours in the batch are unaffected.
      RunStatement(connection, "ROLLBACK TO request").IgnoreError();
      RunStatement(connection, "RELEASE request").IgnoreError();
    }
  }
  request.status = std::move(status);
  return connection.InTransaction();
}

// The optimistic pass: every request runs straight in the transaction, without the cost of a
// savepoint (SQLite copies each page a savepoint's request first changes into a sub-journal).
// Returns the index of the first request whose work failed, or batch.size() if none did.
size_t GroupCommitter::RunWithoutSavepoints(const std::vector<Request*>& batch, size_t first) {
  Connection& connection = *connection_;
  for (size_t i = first; i < batch.size(); ++i) {
    Request& request = *batch[i];
    request.status = request.work(connection);
    if (request.status.ok() && !connection.InTransaction()) {
      request.status = absl::InternalError("the write transaction ended inside a request");
    }
    if (!request.status.ok()) return i;
  }
  return batch.size();
}

void GroupCommitter::RunBatch(const std::vector<Request*>& batch) {
  Connection& connection = *connection_;
  int64_t transactions = 0;
  int64_t failed = 0;
  size_t next = 0;
  // Requests rarely fail, so a batch first runs without savepoints. When one fails, its partial
  // writes cannot be undone alone: the whole transaction is rolled back and the batch runs again
  // from its start, each request in its own savepoint. Work only assigns its results, so the
  // second run's stand, and nothing of the first run was ever committed.
  bool savepoints = false;
  while (next < batch.size()) {
    const size_t first = next;
    absl::Status outcome = RunStatement(connection, "BEGIN IMMEDIATE");
    if (!outcome.ok()) {
      for (; next < batch.size(); ++next) batch[next]->status = outcome;
      break;
    }
    bool lost = false;
    bool rollback = false;
    if (batch.size() - first == 1) {
      // Alone in its transaction: no savepoint needed; a failure rolls the transaction back.
      Request& request = *batch[next++];
      request.status = request.work(connection);
      lost = !connection.InTransaction();
      rollback = !request.status.ok();
    } else if (!savepoints) {
      const size_t failed_at = RunWithoutSavepoints(batch, first);
      if (failed_at == batch.size()) {
        next = batch.size();
      } else if (!connection.InTransaction()) {
        next = failed_at + 1;  // SQLite rolled back everything: as for a savepoint's request
        lost = true;
      } else {
        absl::Status undo = RunStatement(connection, "ROLLBACK");
        if (!undo.ok() && connection.InTransaction()) {
          for (; next < batch.size(); ++next) batch[next]->status = undo;
          break;
        }
        savepoints = true;
        continue;  // next == first: run the rest of the batch again, with savepoints
      }
    } else {
      while (next < batch.size() && !lost) lost = !RunInSavepoint(*batch[next++]);
    }
    if (lost) {
      outcome = absl::UnavailableError(
          absl::StrCat("the write transaction was rolled back by SQLite after an error in a "
                       "concurrent request: ",
                       batch[next - 1]->status.message()));
    } else if (rollback) {
      outcome = RunStatement(connection, "ROLLBACK");
    } else {
      // The one fsync of the batch happens here (synchronous=FULL).
      outcome = RunStatement(connection, "COMMIT");
      if (outcome.ok()) {
        ++transactions;
      } else if (connection.InTransaction()) {
        connection.Exec("ROLLBACK").IgnoreError();
      }
    }
    for (size_t i = first; i < next; ++i) {
      if (!batch[i]->status.ok()) {
        ++failed;
      } else if (!outcome.ok()) {
        batch[i]->status = outcome;
      }
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stats_.transactions += transactions;
    stats_.requests += static_cast<int64_t>(batch.size());
    stats_.failed_requests += failed;
    stats_.largest_batch = std::max(stats_.largest_batch, static_cast<int64_t>(batch.size()));
  }
  // Last touch of each request: its caller may return (and destroy it) as soon as it wakes.
  // Notify under the lock: once it is released the caller may already be gone.
  for (Request* request : batch) {
    std::lock_guard<std::mutex> lock(request->done_mu);
    request->done = true;
    request->done_cv.notify_one();
  }
}

}  // namespace flowline::store::sqlite
