#include "triggers/trigger_host.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace flowline::triggers {
namespace {

// The context of one hosted source: the trigger's workflow, the store's state under its id.
class HostedContext final : public TriggerContext {
 public:
  HostedContext(engine::Engine& engine, store::Store& store, steps::ArtifactStore& artifacts,
                const common::Clock& clock, const steps::Connections& connections,
                std::string workflow, engine::TriggerSpec spec)
      : engine_(engine),
        store_(store),
        artifacts_(artifacts),
        clock_(clock),
        connections_(connections),
        workflow_(std::move(workflow)),
        spec_(std::move(spec)) {}

  absl::StatusOr<engine::StartRunResult> StartRun(Json input, std::string default_key) override {
    engine::StartRunRequest request;
    request.workflow = workflow_;
    request.input = std::move(input);
    request.default_key = std::move(default_key);
    ASSIGN_OR_RETURN(engine::StartRunResult result, engine_.StartRun(request));
    if (result.created) {
      spdlog::info("trigger {}/{} started run {}", workflow_, spec_.id, result.run_id);
    }
    return result;
  }
  steps::ArtifactStore& artifacts() override { return artifacts_; }
  absl::StatusOr<std::optional<Json>> LoadState() override {
    ASSIGN_OR_RETURN(std::optional<std::string> text, store_.GetTriggerState(workflow_, spec_.id));
    if (!text.has_value()) return std::nullopt;
    ASSIGN_OR_RETURN(Json state, common::ParseJson(*text, absl::StrCat("the state of trigger ",
                                                                       workflow_, "/", spec_.id)));
    return std::optional<Json>(std::move(state));
  }
  absl::Status SaveState(const Json& state) override {
    return store_.PutTriggerState(workflow_, spec_.id, common::CanonicalJson(state));
  }
  const common::Clock& clock() override { return clock_; }
  const steps::Connections& connections() override { return connections_; }
  const engine::TriggerSpec& spec() override { return spec_; }
  const std::string& workflow() override { return workflow_; }

 private:
  engine::Engine& engine_;
  store::Store& store_;
  steps::ArtifactStore& artifacts_;
  const common::Clock& clock_;
  const steps::Connections& connections_;
  const std::string workflow_;
  const engine::TriggerSpec spec_;
};

constexpr absl::Duration kFirstBackoff = absl::Seconds(1);
// A source asking to wait longer is still polled this often, so a clock that jumps (a laptop
// waking, an NTP step) is noticed.
constexpr absl::Duration kLongestWait = absl::Minutes(1);

std::chrono::milliseconds Chrono(absl::Duration d) {
  return std::chrono::milliseconds(
      absl::ToInt64Milliseconds(std::clamp(d, absl::ZeroDuration(), kLongestWait)));
}

}  // namespace

// One trigger with its source; polled on its own thread, or by PollAllOnce.
class TriggerHost::Hosted {
 public:
  Hosted(std::string key, std::string version, std::unique_ptr<TriggerSource> source,
         std::unique_ptr<HostedContext> context)
      : key_(std::move(key)),
        version_(std::move(version)),
        source_(std::move(source)),
        context_(std::move(context)) {}
  ~Hosted() { Stop(); }

  const std::string& version() const { return version_; }

  absl::Status PollOnce(absl::Duration budget) {
    absl::Status status = source_->Poll(*context_, budget);
    if (!status.ok()) spdlog::warn("trigger {}: {}", key_, status.ToString());
    return status;
  }

  void StartThread(const TriggerHostOptions& options, const common::Clock& clock) {
    thread_ = std::thread([this, options, &clock] {
      absl::Duration backoff = kFirstBackoff;
      while (!stop_) {
        absl::Duration wait;
        if (PollOnce(options.poll_budget).ok()) {
          backoff = kFirstBackoff;
          wait = source_->NextPollIn(clock.Now());
        } else {
          wait = backoff;
          backoff = std::min(backoff * 2, options.max_backoff);
        }
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait_for(lock, Chrono(wait), [this] { return stop_.load(); });
      }
    });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  const std::string key_;
  const std::string version_;
  std::unique_ptr<TriggerSource> source_;
  std::unique_ptr<HostedContext> context_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Re-reads the live versions every refresh_every until stopped.
class TriggerHost::Refresher {
 public:
  explicit Refresher(TriggerHost& host)
      : thread_([this, &host] {
          while (!stop_) {
            if (absl::Status refreshed = host.Refresh(); !refreshed.ok()) {
              spdlog::warn("triggers: reading the live workflows: {}", refreshed.ToString());
            }
            std::unique_lock<std::mutex> lock(mu_);
            cv_.wait_for(lock, Chrono(host.options_.refresh_every), [this] { return stop_; });
          }
        }) {}
  ~Refresher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

TriggerHost::TriggerHost(engine::Engine& engine, store::Store& store,
                         steps::ArtifactStore& artifacts, const common::Clock& clock,
                         const TriggerRegistry& registry, TriggerHostOptions options)
    : engine_(engine),
      store_(store),
      artifacts_(artifacts),
      clock_(clock),
      registry_(registry),
      options_(options),
      connections_(options_.connections != nullptr ? options_.connections
                                                   : std::make_shared<const steps::Connections>()) {
}

TriggerHost::~TriggerHost() { Stop(); }

absl::Status TriggerHost::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (threaded_) return absl::FailedPreconditionError("the trigger host is already started");
    threaded_ = true;
  }
  refresher_ = std::make_unique<Refresher>(*this);
  return absl::OkStatus();
}

void TriggerHost::Stop() {
  refresher_.reset();  // no refresh starts sources behind our back
  std::map<std::string, std::unique_ptr<Hosted>> stopping;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping.swap(hosted_);
    threaded_ = false;
  }
  stopping.clear();  // joins each source's thread
}

absl::Status TriggerHost::Refresh() {
  ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> workflows, store_.ListWorkflows());
  // What should run: key → (version, trigger).
  std::map<std::string, std::pair<std::string, engine::TriggerSpec>> wanted;
  std::map<std::string, std::string> workflow_of;
  for (const store::WorkflowInfo& workflow : workflows) {
    if (workflow.live_version.empty()) continue;
    absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
        engine_.GetPlan(workflow.workflow, workflow.live_version);
    if (!plan.ok()) {
      spdlog::warn("triggers of workflow {} not run: its live version {} does not load: {}",
                   workflow.workflow, workflow.live_version, plan.status().ToString());
      continue;
    }
    for (const engine::TriggerSpec& trigger : (*plan)->spec().triggers) {
      if (registry_.Find(trigger.type) == nullptr) continue;  // webhooks: the HTTP server's
      const std::string key = absl::StrCat(workflow.workflow, "/", trigger.id);
      wanted.emplace(key, std::make_pair(workflow.live_version, trigger));
      workflow_of[key] = workflow.workflow;
    }
  }

  std::vector<std::unique_ptr<Hosted>> stopping;
  std::vector<std::pair<std::string, std::pair<std::string, engine::TriggerSpec>>> starting;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = hosted_.begin(); it != hosted_.end();) {
      auto want = wanted.find(it->first);
      if (want == wanted.end() || want->second.first != it->second->version()) {
        stopping.push_back(std::move(it->second));
        it = hosted_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto& [key, entry] : wanted) {
      if (hosted_.contains(key)) continue;
      auto failed = failed_.find(key);
      if (failed != failed_.end() && failed->second == entry.first) continue;  // said so once
      starting.emplace_back(key, entry);
    }
  }
  // The old source stops before its successor starts: one process never polls a trigger twice.
  stopping.clear();

  for (auto& [key, entry] : starting) {
    const auto& [version, trigger] = entry;
    SourceEnv env{*connections_, clock_};
    absl::StatusOr<std::unique_ptr<TriggerSource>> source =
        (*registry_.Find(trigger.type))(trigger, env);
    std::lock_guard<std::mutex> lock(mu_);
    if (!source.ok()) {
      spdlog::error("trigger {} (version {}) not started: {}", key, version,
                    source.status().ToString());
      failed_[key] = version;
      continue;
    }
    failed_.erase(key);
    auto hosted = std::make_unique<Hosted>(
        key, version, std::move(*source),
        std::make_unique<HostedContext>(engine_, store_, artifacts_, clock_, *connections_,
                                        workflow_of[key], trigger));
    if (threaded_) hosted->StartThread(options_, clock_);
    spdlog::info("trigger {} ({}) started", key, trigger.type);
    hosted_.emplace(key, std::move(hosted));
  }
  return absl::OkStatus();
}

absl::Status TriggerHost::PollAllOnce() {
  RETURN_IF_ERROR(Refresh());
  std::vector<Hosted*> all;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [key, hosted] : hosted_) all.push_back(hosted.get());
  }
  absl::Status first;
  for (Hosted* hosted : all) {
    absl::Status status = hosted->PollOnce(options_.poll_budget);
    if (first.ok()) first = status;
  }
  return first;
}

std::vector<std::string> TriggerHost::Running() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> keys;
  for (const auto& [key, hosted] : hosted_) keys.push_back(key);
  return keys;
}

void TriggerRegistry::Register(std::string type, SourceFactory factory) {
  factories_[std::move(type)] = std::move(factory);
}

const SourceFactory* TriggerRegistry::Find(const std::string& type) const {
  auto it = factories_.find(type);
  return it == factories_.end() ? nullptr : &it->second;
}

}  // namespace flowline::triggers
