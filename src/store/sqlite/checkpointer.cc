#include "store/sqlite/checkpointer.h"

#include <pthread.h>
#include <sqlite3.h>

#include <utility>

#include "common/status_macros.h"

namespace flowline::store::sqlite {
namespace {

int WalHook(void* checkpointer, sqlite3*, const char*, int wal_pages) {
  static_cast<Checkpointer*>(checkpointer)->Notify(wal_pages);
  return SQLITE_OK;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Checkpointer>> Checkpointer::Start(
    std::unique_ptr<Connection> connection, int passive_pages, int rewind_pages) {
  // A connection only learns that the database is in WAL mode (and opens the WAL) when it first
  // reads it. Until then sqlite3_wal_checkpoint_v2 succeeds and does nothing (its frame counts
  // are -1), and every checkpoint would be left to the writer.
  RETURN_IF_ERROR(connection->Exec("SELECT count(*) FROM sqlite_schema"));
  return std::unique_ptr<Checkpointer>(
      new Checkpointer(std::move(connection), passive_pages, rewind_pages));
}

Checkpointer::Checkpointer(std::unique_ptr<Connection> connection, int passive_pages,
                           int rewind_pages)
    : connection_(std::move(connection)),
      passive_pages_(passive_pages),
      rewind_pages_(rewind_pages),
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
  rewind_due_ = wal_pages >= rewind_pages_;
  bool due = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (wal_pages < baseline_) baseline_ = 0;
    wal_pages_ = wal_pages;
    due = wal_pages_ - baseline_ >= passive_pages_;
  }
  if (due) wake_.notify_one();
}

void Checkpointer::FinishOnWriter(Connection& writer) {
  if (!rewind_due_) return;
  int wal_frames = 0;
  int copied_frames = 0;
  int rc = sqlite3_wal_checkpoint_v2(writer.db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, &wal_frames,
                                     &copied_frames);
  // Not finished (the background checkpoint holds the checkpoint lock, or a reader still uses
  // old frames): try again after the next batch.
  if (rc == SQLITE_OK && copied_frames == wal_frames) rewind_due_ = false;
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.on_writer;
}

CheckpointStats Checkpointer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

bool Checkpointer::WaitForBackgroundCheckpoints(int64_t count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return checkpointed_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                                [&] { return stats_.background >= count; });
}

void Checkpointer::Loop() {
  pthread_setname_np(pthread_self(), "flowline-ckpt");
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || wal_pages_ - baseline_ >= passive_pages_; });
      if (stopping_) return;
      baseline_ = wal_pages_;
    }
    // Failures (an I/O error) are not fatal: the WAL keeps every committed transaction, and a
    // later notification tries again.
    int wal_frames = -1;
    int rc = sqlite3_wal_checkpoint_v2(connection_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       &wal_frames, nullptr);
    if (rc == SQLITE_OK && wal_frames >= 0) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.background;
      checkpointed_.notify_all();
    }
  }
}

}  // namespace flowline::store::sqlite
