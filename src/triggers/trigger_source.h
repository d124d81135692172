// Trigger sources: what starts runs from the business's systems without being called (a folder,
// a schedule, a mailbox, a database table, a queue; docs/triggers.md). Webhooks are not
// sources: the HTTP server serves them (server/webhook_handlers.cc).
//
// A source is made once per trigger of a workflow's live version by its type's factory
// (TriggerRegistry, registered explicitly at start-up by RegisterTriggerSources), then polled by
// the TriggerHost (trigger_host.h) through a TriggerContext. Every source follows the
// exactly-once recipe: (1) obtain the item; (2) make its bytes durable where needed (the
// artifact store); (3) StartRun, which is de-duplicated by the business key and durable on
// return; (4) only then acknowledge / move / advance the state. A crash between 3 and 4 repeats
// 3 on restart, which the key turns into the same run.
//
// Thread-safety: the host calls one source from one thread at a time; a context is used by its
// own source only.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "common/json_util.h"
#include "engine/engine.h"
#include "engine/spec.h"
#include "steps/artifacts.h"
#include "steps/connections.h"

namespace flowline::triggers {

// What one trigger source sees.
class TriggerContext {
 public:
  virtual ~TriggerContext() = default;
  // Starts a run of the trigger's workflow on its live version, de-duplicated by the business
  // key (the spec's `key:`, else `default_key`). The run is durable when this returns OK; a
  // duplicate returns the existing run (created=false). InvalidArgument when the input breaks
  // the workflow's input schema (a source reports it and does not retry the item).
  virtual absl::StatusOr<engine::StartRunResult> StartRun(Json input, std::string default_key) = 0;
  virtual steps::ArtifactStore& artifacts() = 0;
  // This trigger's persistent state in the store (a cursor, a last tick), kept per workflow and
  // trigger id across restarts and deploys; nullopt before the first SaveState.
  virtual absl::StatusOr<std::optional<Json>> LoadState() = 0;
  virtual absl::Status SaveState(const Json& state) = 0;
  virtual const common::Clock& clock() = 0;
  // The business's systems by name (connections.yaml; empty when the process has none).
  virtual const steps::Connections& connections() = 0;
  virtual const engine::TriggerSpec& spec() = 0;
  // The workflow the trigger belongs to.
  virtual const std::string& workflow() = 0;
};

class TriggerSource {
 public:
  virtual ~TriggerSource() = default;
  // One pass: take what is new, start a run for each, advance the state. May block up to
  // `budget` (a queue consumer waits for messages). A failing pass is logged and retried by the
  // host with backoff; it must leave nothing half-done that a retry would duplicate.
  virtual absl::Status Poll(TriggerContext& context, absl::Duration budget) = 0;
  // Time until the next pass should start, as of `now` (after a pass).
  virtual absl::Duration NextPollIn(absl::Time now) const = 0;
};

// What a factory may use to validate its trigger once, when the source is made.
struct SourceEnv {
  const steps::Connections& connections;  // empty when the process has none
  const common::Clock& clock;
};

// Makes the source of one trigger; InvalidArgument/FailedPrecondition when the trigger cannot
// run here (an unknown connection, a folder that cannot be created), said so that a person can
// fix it.
using SourceFactory = std::function<absl::StatusOr<std::unique_ptr<TriggerSource>>(
    const engine::TriggerSpec& spec, const SourceEnv& env)>;

// The source factories by trigger type. Not thread-safe while registering; read-only after.
class TriggerRegistry {
 public:
  // Replaces an earlier factory of the same type.
  void Register(std::string type, SourceFactory factory);
  // Null when the type has no source (a webhook, or a type this build lacks).
  const SourceFactory* Find(const std::string& type) const;

 private:
  std::map<std::string, SourceFactory, std::less<>> factories_;
};

inline void RegisterSource(TriggerRegistry& registry, std::string type, SourceFactory factory) {
  registry.Register(std::move(type), std::move(factory));
}

// Registers every source type this build has (sources.cc: folder, schedule; one line each for
// the others).
void RegisterTriggerSources(TriggerRegistry& registry);

}  // namespace flowline::triggers
