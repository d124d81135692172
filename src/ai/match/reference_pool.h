// Read-only connections to one reference database, shared by the threads that run `match`.
//
// SQLite connections must not be used by two threads at once; the pool hands each caller a
// connection of its own for the length of one lease and keeps it for the next caller, so a
// process opens at most one connection per concurrently matching thread. Connections are opened
// lazily (a database loaded after the workflow was deployed is found) and read-only, with a busy
// timeout, so a reader waits out a `flowline reference load` committing instead of failing.
//
// Thread-safe. The pool must outlive its leases.
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::ai {

class ReferencePool {
 public:
  class Lease {
   public:
    Lease(ReferencePool* pool, sqlite3* db) : pool_(pool), db_(db) {}
    Lease(Lease&& other) noexcept : pool_(other.pool_), db_(other.db_) { other.db_ = nullptr; }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    sqlite3* db() const { return db_; }

   private:
    ReferencePool* pool_;
    sqlite3* db_;
  };

  explicit ReferencePool(std::string path) : path_(std::move(path)) {}
  ~ReferencePool();
  ReferencePool(const ReferencePool&) = delete;
  ReferencePool& operator=(const ReferencePool&) = delete;

  // A connection for this caller alone. NotFound when the database file does not exist (with
  // how to create it), Unavailable when SQLite cannot open it.
  absl::StatusOr<Lease> Acquire();

  const std::string& path() const { return path_; }

 private:
  void Release(sqlite3* db);

  const std::string path_;
  std::mutex mu_;
  std::vector<sqlite3*> idle_;
};

}  // namespace flowline::ai
