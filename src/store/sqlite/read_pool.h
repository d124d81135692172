// A pool of read-only connections for the SQLite store.
//
// In WAL mode readers never block the writer or each other, so reads run on their own
// connections, in parallel with the writer thread. Acquire() hands out an idle connection,
// opening a new one while fewer than `max_connections` exist, and otherwise waits for one to be
// returned. A connection is returned when its Lease goes away.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "store/sqlite/sqlite_db.h"

namespace flowline::store::sqlite {

class ReadPool {
 public:
  // A connection on loan; returns it to the pool on destruction.
  class Lease {
   public:
    Lease(ReadPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (connection_ != nullptr) pool_->Return(std::move(connection_));
    }
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    ReadPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ReadPool(std::string path, ConnectionOptions options, int max_connections);
  // All leases must have been returned.
  ~ReadPool() = default;

  absl::StatusOr<Lease> Acquire();

 private:
  void Return(std::unique_ptr<Connection> connection);

  const std::string path_;
  ConnectionOptions options_;
  const int max_connections_;

  std::mutex mu_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // guarded by mu_
};

}  // namespace flowline::store::sqlite
