// TriggerHost: runs the trigger sources (trigger_source.h) of every workflow's live version in
// one process (`flowline serve`, docs/triggers.md).
//
// Every `refresh_every` the host re-reads the workflows' live versions: a trigger of a newly
// deployed or promoted version gets a source (made by its type's factory), a trigger that is no
// longer live has its source stopped. Each source runs on its own thread: Poll, then wait
// NextPollIn; a failing pass is logged and retried with exponential backoff (1 s doubling up to
// `max_backoff`). Trigger state lives in the store under (workflow, trigger id), so a new
// version with the same trigger id continues where the old one stopped.
//
// Several processes may host the same triggers on one store: every source de-duplicates by the
// business key (and claims files by atomic rename), so one item still makes one run.
//
// Thread-safety: Start/Stop/PollAllOnce from one thread; the sources run on the host's threads.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "store/store.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

struct TriggerHostOptions {
  // How often the live versions are re-read. Default 2 s.
  absl::Duration refresh_every = absl::Seconds(2);
  // The longest wait between retries of a failing source. Default 1 min.
  absl::Duration max_backoff = absl::Minutes(1);
  // How long a source may block in one Poll. Default 1 s (also how quickly Stop() returns).
  absl::Duration poll_budget = absl::Seconds(1);
  // The business's systems the sources name (connections.yaml). Default null: none.
  std::shared_ptr<const steps::Connections> connections;
};

class TriggerHost {
 public:
  TriggerHost(engine::Engine& engine, store::Store& store, steps::ArtifactStore& artifacts,
              const common::Clock& clock, const TriggerRegistry& registry,
              TriggerHostOptions options = {});
  ~TriggerHost();  // Stop()s
  TriggerHost(const TriggerHost&) = delete;
  TriggerHost& operator=(const TriggerHost&) = delete;

  // Starts the refresh thread (which starts the sources). FailedPrecondition if started.
  absl::Status Start();
  // Stops every source (waiting for passes in flight) and the refresh thread. Idempotent.
  void Stop();

  // For tests and one-shot use, without threads: re-reads the live versions, then polls every
  // source once, in workflow and trigger order, on the calling thread. Returns the first
  // failure (after polling the rest).
  absl::Status PollAllOnce();

  // The triggers that have a source now, as "workflow/trigger-id".
  std::vector<std::string> Running() const;

 private:
  class Hosted;
  absl::Status Refresh();

  engine::Engine& engine_;
  store::Store& store_;
  steps::ArtifactStore& artifacts_;
  const common::Clock& clock_;
  const TriggerRegistry& registry_;
  TriggerHostOptions options_;
  std::shared_ptr<const steps::Connections> connections_;  // never null

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Hosted>> hosted_;  // by "workflow/trigger-id"
  std::map<std::string, std::string> failed_;              // key → version that failed to make
  bool threaded_ = false;
  class Refresher;
  std::unique_ptr<Refresher> refresher_;
};

}  // namespace flowline::triggers
