#include "store/sqlite/read_pool.h"

#include <algorithm>
#include <utility>

namespace flowline::store::sqlite {

ReadPool::ReadPool(std::string path, ConnectionOptions options, int max_connections)
    : path_(std::move(path)), options_(options), max_connections_(std::max(1, max_connections)) {
  options_.read_only = true;  // readers must never write behind the writer thread's back
}

absl::StatusOr<ReadPool::Lease> ReadPool::Acquire() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    returned_.wait(lock, [this] { return !idle_.empty() || open_ < max_connections_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
    ++open_;  // reserve the slot; open outside the lock
  }
  absl::StatusOr<std::unique_ptr<Connection>> connection = Connection::Open(path_, options_);
  if (!connection.ok()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      --open_;
    }
    returned_.notify_one();
    return connection.status();
  }
  return Lease(this, *std::move(connection));
}

void ReadPool::Return(std::unique_ptr<Connection> connection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back(std::move(connection));
  }
  returned_.notify_one();
}

}  // namespace flowline::store::sqlite
