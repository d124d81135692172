#include "store/sqlite/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <utility>

namespace flowline::store::sqlite {
namespace {

int WalHook(void* checkpointer, sqlite3*, const char*, int wal_pages) {
  static_cast<Checkpointer*>(checkpointer)->Notify(wal_pages);
  return SQLITE_OK;
}

}  // namespace

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, int passive_pages,
                           int restart_pages)
    : connection_(std::move(connection)),
      passive_pages_(passive_pages),
      restart_pages_(restart_pages),
      thread_([this] { Loop(); }) {}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void Checkpointer::AttachTo(Connection& writer) { sqlite3_wal_hook(writer.db(), &WalHook, this); }

void Checkpointer::Notify(int wal_pages) {
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (wal_pages < baseline_) baseline_ = 0;
    wal_pages_ = wal_pages;
    due = wal_pages_ - baseline_ >= passive_pages_;
  }
  if (due) wake_.notify_one();
}

void Checkpointer::Loop() {
  pthread_setname_np(pthread_self(), "flowline-ckpt");
  for (;;) {
    int pages = 0;
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || wal_pages_ - baseline_ >= passive_pages_; });
      if (stopping_) return;
      pages = wal_pages_;
      baseline_ = wal_pages_;
    }
    const int mode =
        pages >= restart_pages_ ? SQLITE_CHECKPOINT_RESTART : SQLITE_CHECKPOINT_PASSIVE;
    // Failures (SQLITE_BUSY while a reader pins old frames, an I/O error) are not fatal: the
    // WAL keeps every committed transaction, and a later notification tries again.
    sqlite3_wal_checkpoint_v2(connection_->db(), nullptr, mode, nullptr, nullptr);
  }
}

}  // namespace flowline::store::sqlite
