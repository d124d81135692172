// Worker heartbeats: every `flowline serve` and `flowline worker` process says every few
// seconds, in the store, that it is alive: its worker id (the owner name of its leases), host,
// pid, role, version, threads and how many steps it holds. The health endpoint lists them
// (GET /api/v1/health), so an operator sees which processes share a store and which went quiet.
//
// A heartbeat is information, not a lock: a process that stops beating loses nothing by it; its
// steps are taken over when their leases expire (store.h), whatever its heartbeat says.
//
// Thread-safety: Start() and Stop() from one thread; Beat() from any.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "store/store.h"

namespace flowline::engine {

// How often a process beats.
inline constexpr absl::Duration kHeartbeatEvery = absl::Seconds(5);
// A process whose last heartbeat is older than this (three missed) is shown as stale.
inline constexpr absl::Duration kHeartbeatStaleAfter = absl::Seconds(15);

// This flowline's version ("0.1.0"), as heartbeats report it.
const char* FlowlineVersion();

struct HeartbeatOptions {
  std::string role;  // "serve" or "worker". Required.
  int workers = 0;   // the process's step-executing threads (0: serve --workers 0)
  absl::Duration every = kHeartbeatEvery;
};

class Heartbeat {
 public:
  // `store`, `engine` (whose worker id and held steps are reported) and `clock` must outlive
  // this object.
  Heartbeat(store::Store& store, Engine& engine, const common::Clock& clock,
            HeartbeatOptions options);
  ~Heartbeat();  // Stop()s.
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // Writes the first heartbeat (its error is returned: a store that cannot take one is not a
  // store to run on), then one every `every` on a thread; a failed one is logged and retried
  // at the next turn.
  absl::Status Start();
  // Stops the thread and writes a last heartbeat. Idempotent.
  void Stop();

  // Writes one heartbeat now and returns what it wrote.
  absl::StatusOr<store::WorkerHeartbeat> Beat();

 private:
  store::Store& store_;
  Engine& engine_;
  const common::Clock& clock_;
  HeartbeatOptions options_;
  std::string host_;
  absl::Time started_at_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace flowline::engine
