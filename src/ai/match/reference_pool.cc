#include "ai/match/reference_pool.h"

#include <filesystem>

#include "absl/strings/str_cat.h"

namespace flowline::ai {

ReferencePool::Lease::~Lease() {
  if (db_ != nullptr) pool_->Release(db_);
}

ReferencePool::~ReferencePool() {
  for (sqlite3* db : idle_) sqlite3_close_v2(db);
}

absl::StatusOr<ReferencePool::Lease> ReferencePool::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      sqlite3* db = idle_.back();
      idle_.pop_back();
      return Lease(this, db);
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) {
    return absl::NotFoundError(
        absl::StrCat("reference database ", path_,
                     " does not exist; load reference data with `flowline "
                     "reference load --table NAME --from FILE.csv --reference ",
                     path_, "`"));
  }
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(
        absl::StrCat("cannot open reference database ", path_, ": ", why));
  }
  sqlite3_busy_timeout(db, 10000);
  return Lease(this, db);
}

void ReferencePool::Release(sqlite3* db) {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.push_back(db);
}

}  // namespace flowline::ai
