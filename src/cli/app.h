// What every flowline command shares: the store, the step kinds, the clock, outbound HTTP.
//
// The store is a SQLite file or a PostgreSQL database (--store; store/store_location.h).
//
// The embedded SQLite store may be executed by one engine at a time (`flowline serve` or
// `flowline run`); EngineLock enforces that with a lock file beside the database, so an engine
// that starts after a crash knows every lease in the store is orphaned and resumes those steps
// at once. A PostgreSQL store is executed by any number of processes on any number of hosts
// (`flowline worker`, docs/scale-out.md): there is no lock, and a dead process's steps are taken
// over when their leases expire.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "audit/keys.h"
#include "common/clock.h"
#include "engine/engine.h"
#include "steps/artifacts.h"
#include "steps/connections.h"
#include "steps/http_client.h"
#include "steps/step_kind.h"
#include "store/store.h"
#include "store/store_location.h"

namespace flowline::cli {

struct GlobalOptions {
  // --store, or $FLOWLINE_STORE: a SQLite file, or a postgresql:// URL or libpq conninfo.
  std::string store_path = "flowline.db";
  std::string log_level = "warn";             // --log-level
  std::string models_dir = "models";          // --models, or $FLOWLINE_MODELS
  std::string reference_db = "reference.db";  // --reference, or $FLOWLINE_REFERENCE
  // The audit key directory (--audit-keys, or $FLOWLINE_AUDIT_KEYS); empty: <store>.keys on a
  // SQLite store; a PostgreSQL store has no default (every host must use the same keys).
  std::string audit_keys;
  // Content-addressed files (--artifacts, or $FLOWLINE_ARTIFACTS); empty: <store>.artifacts on
  // a SQLite store, flowline.artifacts in the working directory on a PostgreSQL store.
  std::string artifacts;
  // The model providers of `llm` steps (--providers, or $FLOWLINE_PROVIDERS; docs/llm.md);
  // empty: providers.yaml in the working directory if there is one, else none.
  std::string providers_file;
  // The business's systems that steps and triggers name (--connections, or
  // $FLOWLINE_CONNECTIONS; docs/connectors.md); empty: connections.yaml in the working directory
  // if there is one, else none.
  std::string connections_file;
  // PostgreSQL: connections the store's pool opens at most (--store-connections, or
  // $FLOWLINE_STORE_CONNECTIONS). Default 8.
  int store_connections = 8;
  // The llm steps' response cache (--llm-cache, or $FLOWLINE_LLM_CACHE); empty:
  // <store>.llm-cache.
  std::string llm_cache;
};

// The providers file in effect (see GlobalOptions::providers_file), or "" for none.
std::string ProvidersPath(const GlobalOptions& options);
// The connections file in effect (see GlobalOptions::connections_file), or "" for none.
std::string ConnectionsPath(const GlobalOptions& options);
// The connections of ConnectionsPath(): a broken file gives Connections::Unusable(its error), so
// that a step naming a connection reports it (App::Open stops on it before).
std::shared_ptr<const steps::Connections> LoadConnections(const GlobalOptions& options);
// The response cache file in effect (see GlobalOptions::llm_cache): <store>.llm-cache on a
// SQLite store, flowline.llm-cache in the working directory on a PostgreSQL store.
std::string LlmCachePath(const GlobalOptions& options);
// Where files a SQLite store keeps beside its database go: "<store>" for a SQLite store,
// "flowline" (the working directory) for a PostgreSQL one.
std::string FilesBase(const GlobalOptions& options);

// Registers every step kind this program has (system and AI) into `registry`.
void RegisterStepKinds(steps::StepKindRegistry& registry, const GlobalOptions& options);
// The same with the connections already loaded.
void RegisterStepKinds(steps::StepKindRegistry& registry, const GlobalOptions& options,
                       std::shared_ptr<const steps::Connections> connections);

class App {
 public:
  // Opens (creating if needed) the store options.store_path names and registers the step kinds.
  // InvalidArgument for a --store that is neither a path nor a PostgreSQL location.
  static absl::StatusOr<std::unique_ptr<App>> Open(const GlobalOptions& options);
  ~App();

  store::Store& store() { return *store_; }
  const steps::StepKindRegistry& registry() const { return registry_; }
  const common::Clock& clock() const { return common::SystemClock::Get(); }
  common::Random& random() { return common::SystemRandom::Get(); }
  steps::HttpClient* http() { return http_.get(); }
  // Content-addressed files (page images, uploaded documents): --artifacts, or
  // <store>.artifacts/ (see GlobalOptions::artifacts).
  steps::ArtifactStore* artifacts() { return artifacts_.get(); }
  // The business's systems by name (connections.yaml; empty when there is none).
  const std::shared_ptr<const steps::Connections>& connections() const { return connections_; }
  const store::StoreLocation& location() const { return location_; }

  // An engine on this store. Executing engines (workers > 0, started) must hold the EngineLock.
  std::unique_ptr<engine::Engine> NewEngine(engine::EngineOptions options);

  // An engine that will execute steps here: applies --workers and --kind-limit values
  // ("http=32"; a bad one is InvalidArgument naming it) and `lease` (0: the engine's default).
  // On SQLite it takes the engine lock (so it may take over every lease left by a crash). Not
  // started yet.
  absl::StatusOr<std::unique_ptr<engine::Engine>> NewExecutingEngine(
      int workers, const std::vector<std::string>& kind_limits,
      absl::Duration lease = absl::ZeroDuration());

  // The audit key directory (audit/key_dir.h): --audit-keys, or beside a SQLite store.
  // FailedPrecondition on a PostgreSQL store without --audit-keys.
  absl::StatusOr<std::string> audit_key_dir() const;
  // The key that signs the decision record's checkpoints, made on first use.
  absl::StatusOr<const audit::SigningKey*> signing_key();
  // Sets the personal data key of an engine that writes decision records (made on first use).
  // Every engine that runs steps or resolves tasks on the real store needs it, or its records'
  // personal data digests are unkeyed.
  absl::Status AddPersonalDataKey(engine::EngineOptions& options);

  // Takes the store's engine lock (a lock file beside the database). FailedPrecondition, naming
  // the holder's pid, if another engine holds it, and always on a PostgreSQL store (its workers
  // execute it; no process is the only one).
  absl::Status LockForExecution();

 private:
  App() = default;
  store::StoreLocation location_;
  std::string audit_keys_;
  std::unique_ptr<audit::SigningKey> signing_key_;
  std::unique_ptr<store::Store> store_;
  steps::StepKindRegistry registry_;
  std::shared_ptr<const steps::Connections> connections_;
  std::unique_ptr<steps::HttpClient> http_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
  int lock_fd_ = -1;
};

}  // namespace flowline::cli
