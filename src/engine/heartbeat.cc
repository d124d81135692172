#include "engine/heartbeat.h"

#include <unistd.h>

#include <chrono>

#include "spdlog/spdlog.h"

#ifndef FLOWLINE_VERSION
#define FLOWLINE_VERSION "unknown"
#endif

namespace flowline::engine {
namespace {

std::string HostName() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') return "localhost";
  return host;
}

}  // namespace

const char* FlowlineVersion() { return FLOWLINE_VERSION; }

Heartbeat::Heartbeat(store::Store& store, Engine& engine, const common::Clock& clock,
                     HeartbeatOptions options)
    : store_(store),
      engine_(engine),
      clock_(clock),
      options_(std::move(options)),
      host_(HostName()),
      started_at_(clock.Now()) {}

Heartbeat::~Heartbeat() { Stop(); }

absl::StatusOr<store::WorkerHeartbeat> Heartbeat::Beat() {
  store::WorkerHeartbeat heartbeat;
  heartbeat.worker_id = engine_.worker_id();
  heartbeat.host = host_;
  heartbeat.pid = getpid();
  heartbeat.role = options_.role;
  heartbeat.flowline_version = FlowlineVersion();
  heartbeat.started_at = started_at_;
  heartbeat.seen_at = clock_.Now();
  heartbeat.workers = options_.workers;
  heartbeat.steps_running = engine_.StepsHeld();
  absl::Status put = store_.PutWorkerHeartbeat(heartbeat);
  if (!put.ok()) return put;
  return heartbeat;
}

absl::Status Heartbeat::Start() {
  absl::Status first = Beat().status();
  if (!first.ok()) return first;
  thread_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, absl::ToChronoMilliseconds(options_.every),
                         [this] { return stopping_; })) {
      lock.unlock();
      absl::Status beat = Beat().status();
      if (!beat.ok()) spdlog::warn("cannot write this process's heartbeat: {}", beat.ToString());
      lock.lock();
    }
  });
  return absl::OkStatus();
}

void Heartbeat::Stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // The last word: what it still holds (0 after a drain), so the health view is current.
  absl::Status beat = Beat().status();
  if (!beat.ok()) spdlog::warn("cannot write this process's last heartbeat: {}", beat.ToString());
}

}  // namespace flowline::engine
