#include "cli/app.h"

#include <filesystem>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ai/ai_step_kinds.h"
#include "audit/key_dir.h"
#include "common/status_macros.h"
#include "steps/system_step_kinds.h"
#include "store/open_store.h"

namespace flowline::cli {

namespace {

absl::Status ParseKindLimits(const std::vector<std::string>& values,
                             std::map<std::string, int>& limits) {
  for (const std::string& value : values) {
    size_t eq = value.find('=');
    int limit = 0;
    if (eq == std::string::npos || eq == 0 || !absl::SimpleAtoi(value.substr(eq + 1), &limit) ||
        limit < 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--kind-limit ", value, " is not KIND=N with N at least 1 (e.g. --kind-limit http=32)"));
    }
    limits[value.substr(0, eq)] = limit;
  }
  return absl::OkStatus();
}

}  // namespace

std::string ProvidersPath(const GlobalOptions& options) {
  if (!options.providers_file.empty()) return options.providers_file;
  std::error_code error;
  return std::filesystem::exists("providers.yaml", error) ? "providers.yaml" : "";
}

std::string ConnectionsPath(const GlobalOptions& options) {
  if (!options.connections_file.empty()) return options.connections_file;
  std::error_code error;
  return std::filesystem::exists("connections.yaml", error) ? "connections.yaml" : "";
}

std::shared_ptr<const steps::Connections> LoadConnections(const GlobalOptions& options) {
  absl::StatusOr<steps::Connections> connections =
      steps::Connections::Load(ConnectionsPath(options));
  if (!connections.ok()) {
    return std::make_shared<const steps::Connections>(
        steps::Connections::Unusable(connections.status()));
  }
  return std::make_shared<const steps::Connections>(*std::move(connections));
}

std::string FilesBase(const GlobalOptions& options) {
  absl::StatusOr<store::StoreLocation> location = store::ParseStoreLocation(options.store_path);
  return location.ok() && location->is_postgres() ? "flowline" : options.store_path;
}

std::string LlmCachePath(const GlobalOptions& options) {
  return options.llm_cache.empty() ? absl::StrCat(FilesBase(options), ".llm-cache")
                                   : options.llm_cache;
}

// The one place the step kinds of this program are registered.
void RegisterStepKinds(steps::StepKindRegistry& registry, const GlobalOptions& options) {
  RegisterStepKinds(registry, options, LoadConnections(options));
}

void RegisterStepKinds(steps::StepKindRegistry& registry, const GlobalOptions& options,
                       std::shared_ptr<const steps::Connections> connections) {
  steps::SystemStepOptions system_options;
  system_options.connections = std::move(connections);
  steps::RegisterSystemStepKinds(registry, system_options);
  ai::AiOptions ai_options;
  ai_options.models_dir = options.models_dir;
  ai_options.reference_db = options.reference_db;
  ai_options.providers_file = ProvidersPath(options);
  ai_options.llm_cache = LlmCachePath(options);
  ai::RegisterAiStepKinds(registry, ai_options);
}

absl::StatusOr<std::unique_ptr<App>> App::Open(const GlobalOptions& options) {
  std::unique_ptr<App> app(new App());
  ASSIGN_OR_RETURN(app->location_, store::ParseStoreLocation(options.store_path));
  app->audit_keys_ = options.audit_keys;
  store::OpenStoreOptions store_options;
  store_options.connections = options.store_connections;
  ASSIGN_OR_RETURN(app->store_, store::OpenStore(app->location_, store_options));
  // A broken providers file stops the command here, with its file:line:column errors, rather
  // than at the first llm step.
  ai::AiOptions ai_options;
  ai_options.providers_file = ProvidersPath(options);
  RETURN_IF_ERROR(ai::CheckAiOptions(ai_options));
  // So does a broken connections file.
  ASSIGN_OR_RETURN(steps::Connections connections,
                   steps::Connections::Load(ConnectionsPath(options)));
  app->connections_ = std::make_shared<const steps::Connections>(std::move(connections));
  RegisterStepKinds(app->registry_, options, app->connections_);
  app->http_ = steps::NewCurlHttpClient();
  app->artifacts_ = steps::NewFileArtifactStore(options.artifacts.empty()
                                                    ? absl::StrCat(FilesBase(options), ".artifacts")
                                                    : options.artifacts);
  return app;
}

App::~App() {
  if (lock_fd_ >= 0) close(lock_fd_);  // releases the flock
}

std::unique_ptr<engine::Engine> App::NewEngine(engine::EngineOptions options) {
  options.artifacts = artifacts_.get();
  return std::make_unique<engine::Engine>(std::move(options), *store_, registry_, clock(), random(),
                                          http_.get());
}

absl::StatusOr<std::string> App::audit_key_dir() const {
  if (!audit_keys_.empty()) return audit_keys_;
  if (location_.is_postgres()) {
    // A key made here would differ from the other hosts' keys: digests of the same personal
    // data would not match, and checkpoints would be signed by several keys.
    return absl::FailedPreconditionError(
        "a PostgreSQL store has no default audit key directory: pass --audit-keys DIR (or set "
        "$FLOWLINE_AUDIT_KEYS) with the same keys on every host (docs/scale-out.md)");
  }
  return audit::DefaultKeyDir(location_.target);
}

absl::StatusOr<const audit::SigningKey*> App::signing_key() {
  if (signing_key_ == nullptr) {
    ASSIGN_OR_RETURN(std::string dir, audit_key_dir());
    ASSIGN_OR_RETURN(audit::SigningKey key, audit::LoadOrCreateSigningKey(dir));
    signing_key_ = std::make_unique<audit::SigningKey>(std::move(key));
  }
  return signing_key_.get();
}

absl::Status App::AddPersonalDataKey(engine::EngineOptions& options) {
  ASSIGN_OR_RETURN(std::string dir, audit_key_dir());
  ASSIGN_OR_RETURN(options.personal_data_key, audit::LoadOrCreatePersonalDataKey(dir));
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<engine::Engine>> App::NewExecutingEngine(
    int workers, const std::vector<std::string>& kind_limits, absl::Duration lease) {
  engine::EngineOptions options;
  options.workers = workers;
  if (lease > absl::ZeroDuration()) options.lease = lease;
  RETURN_IF_ERROR(ParseKindLimits(kind_limits, options.kind_limits));
  RETURN_IF_ERROR(AddPersonalDataKey(options));
  if (!location_.is_postgres()) {
    RETURN_IF_ERROR(LockForExecution());
    options.recover_leases_on_start = true;  // we hold the store's engine lock
  }
  return NewEngine(std::move(options));
}

absl::Status App::LockForExecution() {
  if (location_.is_postgres()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the PostgreSQL store ", location_.display,
        " is executed by its workers (flowline worker, flowline serve); no process holds it "
        "alone"));
  }
  if (lock_fd_ >= 0) return absl::OkStatus();
  const std::string& store_path = location_.target;
  std::string path = absl::StrCat(store_path, ".lock");
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open the lock file ", path, ": ", std::strerror(errno)));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char holder[32] = {0};
    ssize_t n = pread(fd, holder, sizeof(holder) - 1, 0);
    close(fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "the store ", store_path, " is being executed by another flowline process",
        n > 0 ? absl::StrCat(" (pid ", std::string(holder, static_cast<size_t>(n)), ")") : "",
        "; stop it, or send work to it through its HTTP API"));
  }
  std::string pid = std::to_string(getpid());
  if (ftruncate(fd, 0) != 0 || pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock is held; the pid is only informative.
  }
  lock_fd_ = fd;
  return absl::OkStatus();
}

}  // namespace flowline::cli
