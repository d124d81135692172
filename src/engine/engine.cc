#include "engine/engine.h"

#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "engine/run_context.h"
#include "engine/step_runner.h"
#include "expr/expr.h"
#include "review/policy.h"
#include "review/resolution.h"
#include "spdlog/spdlog.h"

namespace flowline::engine {
namespace {

std::string DefaultWorkerId(common::Random& random) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] ? host : "localhost", ":", getpid(), ":",
                      common::RandomToken(4, random));
}

std::string StepKey(const store::ClaimedStep& step) {
  return absl::StrCat(step.run_id, "/", step.step_id);
}

struct WorkItem {
  store::ClaimedStep step;
  std::optional<RunContext> ctx;
};

// A concurrency limit in force for a step: (counter key, limit).
using LimitKeys = std::vector<std::pair<std::string, int>>;

// What the store's work listener calls (Store::SetWorkListener): wakes the poller while the
// engine runs. The store may keep the callback longer than the engine lives, so the callback
// holds this, not the engine, and Stop() detaches it.
class PollerWaker {
 public:
  void Attach(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(mu_);
    wake_ = std::move(wake);
  }
  void Wake() {
    std::lock_guard<std::mutex> lock(mu_);
    if (wake_) wake_();
  }

 private:
  std::mutex mu_;
  std::function<void()> wake_;
};

}  // namespace

double CanaryDraw(std::string_view workflow, std::string_view key) {
  // Its own material, so the canary's cases are not the audit sample's.
  return review::AuditDraw(absl::StrCat(Sv(workflow), "/canary"), key);
}

class Engine::Impl {
 public:
  Impl(EngineOptions options, store::Store& store, const steps::StepKindRegistry& registry,
       const common::Clock& clock, common::Random& random, steps::HttpClient* http)
      : options_(WithWorkerId(std::move(options), random)),
        store_(store),
        registry_(registry),
        clock_(clock),
        random_(random),
        http_(http),
        runner_(StepRunnerOptions{options_.worker_id, options_.lease, true, options_.artifacts,
                                  options_.personal_data_key, options_.recorded_output},
                store, clock, random, http),
        digest_(options_.personal_data_key) {}

  ~Impl() { Stop(); }

  // ---- Versions -------------------------------------------------------------------------------

  absl::StatusOr<DeployResult> Deploy(std::string_view text, std::string_view source_name,
                                      std::optional<store::VersionStage> wanted,
                                      const std::string& by) {
    ASSIGN_OR_RETURN(WorkflowSpec spec, ParseSpec(text, source_name, registry_));
    ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan, Plan::Build(std::move(spec), registry_));
    store::VersionStage stage = wanted.value_or(store::VersionStage::kLive);
    if (!wanted.has_value() && plan->spec().release_gate.has_value()) {
      absl::StatusOr<store::WorkflowInfo> workflow = store_.GetWorkflow(plan->workflow());
      if (workflow.ok() && !workflow->live_version.empty()) stage = store::VersionStage::kDraft;
      if (!workflow.ok() && !absl::IsNotFound(workflow.status())) return workflow.status();
    }
    store::VersionInfo info{plan->workflow(), plan->version(), std::string(text),
                            std::string(source_name), clock_.Now()};
    info.stage = store::VersionStage::kDraft;
    ASSIGN_OR_RETURN(bool created, store_.PutVersion(info));
    {
      std::lock_guard<std::mutex> lock(plans_mu_);
      plans_.emplace(plan->version(), plan);
    }
    DeployResult result{plan->workflow(), plan->version(), created, store::VersionStage::kDraft};
    if (!created) {
      ASSIGN_OR_RETURN(store::VersionInfo stored, store_.GetVersion(info.workflow, info.version));
      result.stage = stored.stage;
      return result;
    }
    if (stage != store::VersionStage::kDraft) {
      // Stored as a draft first, then moved: the move is a stage change like any other, with its
      // record. (A crash between the two leaves a draft, which a second deploy reports as such.)
      store::StageChange change;
      change.workflow = info.workflow;
      change.version = info.version;
      change.to = stage;
      change.expected_from = store::VersionStage::kDraft;
      change.now = clock_.Now();
      const Json payload = {{"workflow", info.workflow},
                            {"version", info.version},
                            {"from", "draft"},
                            {"to", store::VersionStageName(stage)},
                            {"source", info.source_name},
                            {"by", by}};
      change.records.push_back({"", "version.deployed",
                                by == "system" ? "system" : absl::StrCat("human:", by),
                                common::CanonicalJson(payload)});
      RETURN_IF_ERROR(store_.SetVersionStage(change).status());
      result.stage = stage;
    }
    return result;
  }

  absl::StatusOr<std::shared_ptr<const Plan>> GetPlan(const std::string& workflow,
                                                      const std::string& version) {
    {
      std::lock_guard<std::mutex> lock(plans_mu_);
      auto it = plans_.find(version);
      if (it != plans_.end()) return it->second;
    }
    ASSIGN_OR_RETURN(store::VersionInfo info, store_.GetVersion(workflow, version));
    ASSIGN_OR_RETURN(WorkflowSpec spec, ParseSpec(info.spec_source, info.source_name, registry_));
    ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan, Plan::Build(std::move(spec), registry_));
    std::lock_guard<std::mutex> lock(plans_mu_);
    return plans_.emplace(version, std::move(plan)).first->second;
  }

  // ---- Runs -----------------------------------------------------------------------------------

  absl::StatusOr<StartRunResult> StartRun(const StartRunRequest& request) {
    const store::RunMode mode = request.mode;
    std::string version = request.version;
    std::optional<store::WorkflowInfo> workflow;
    if (version.empty()) {
      ASSIGN_OR_RETURN(workflow, store_.GetWorkflow(request.workflow));
      if (workflow->live_version.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "workflow ", request.workflow, " has no live version yet (only drafts): promote one ",
            "with `flowline promote ", request.workflow, " VERSION`"));
      }
      version = workflow->live_version;
    }
    ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan, GetPlan(request.workflow, version));
    RETURN_IF_ERROR(plan->ValidateInput(request.input));

    expr::Evaluator& evaluator = ThreadEvaluator();
    RETURN_IF_ERROR(evaluator.SetEnvironment(Json{{"input", request.input}}));
    ASSIGN_OR_RETURN(std::string key, plan->EvaluateKey(evaluator));
    if (key.empty()) key = request.default_key;

    const absl::Time now = clock_.Now();
    store::NewRun run;
    run.run_id = common::NewId("run_", now, random_);
    // The canary takes its share of new live cases, drawn by business key (by run id for a
    // workflow without keys: then only the share, not the same case's version, is stable).
    bool canary = false;
    if (workflow.has_value() && mode == store::RunMode::kNormal &&
        !workflow->canary_version.empty() &&
        CanaryDraw(request.workflow, key.empty() ? run.run_id : key) < workflow->canary_share) {
      ASSIGN_OR_RETURN(plan, GetPlan(request.workflow, workflow->canary_version));
      RETURN_IF_ERROR(plan->ValidateInput(request.input));
      ASSIGN_OR_RETURN(key, plan->EvaluateKey(evaluator));
      if (key.empty()) key = request.default_key;
      canary = true;
    }
    run.workflow = plan->workflow();
    run.version = plan->version();
    run.business_key = std::move(key);
    run.mode = mode;
    run.input_json = common::CanonicalJson(request.input);
    run.now = now;
    run.steps = plan->new_steps();
    const bool executing = started_ || options_.workers == 0;
    if (executing) run.lease = store::LeaseRequest{options_.worker_id, options_.lease};
    run.records.push_back({"", "run.created", "system", RunCreatedPayload(*plan, run, canary)});
    ASSIGN_OR_RETURN(store::CreateRunResult created, store_.CreateRun(run));
    Schedule(run, request.input, created);
    StartRunResult result{created.run_id,  created.created ? run.version : "",
                          created.created, created.status,
                          canary,          ""};
    // A new live case is copied to the shadow version (mode shadow: it writes nothing outside
    // and asks nobody). The copy failing never fails the live case: it is logged.
    if (created.created && workflow.has_value() && mode == store::RunMode::kNormal &&
        !workflow->shadow_version.empty() && workflow->shadow_version != run.version) {
      absl::StatusOr<std::string> shadow = StartShadow(*workflow, request.input, run.run_id, now);
      if (shadow.ok()) {
        result.shadow_run_id = *shadow;
      } else {
        spdlog::warn("run {}: no shadow copy on version {}: {}", run.run_id,
                     workflow->shadow_version, shadow.status().ToString());
      }
    }
    return result;
  }

  std::string RunCreatedPayload(const Plan& plan, const store::NewRun& run, bool canary) {
    const Json key_json = plan.personal().Covers("key") && !run.business_key.empty()
                              ? Json(digest_(Json(run.business_key)))
                              : Json(run.business_key);
    std::string payload =
        absl::StrCat("{\"version\":\"", run.version, "\",\"key\":", common::CanonicalJson(key_json),
                     ",\"input_digest\":\"", common::Sha256Hex(run.input_json), "\"");
    if (run.mode != store::RunMode::kNormal) {
      absl::StrAppend(&payload, ",\"mode\":\"", store::RunModeName(run.mode), "\"");
    }
    if (!run.parent_run_id.empty()) {
      absl::StrAppend(&payload, ",\"live_run\":\"", run.parent_run_id, "\"");
    }
    if (canary) absl::StrAppend(&payload, ",\"canary\":true");
    payload.push_back('}');
    return payload;
  }

  absl::StatusOr<std::string> StartShadow(const store::WorkflowInfo& workflow, const Json& input,
                                          const std::string& live_run_id, absl::Time now) {
    ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan,
                     GetPlan(workflow.workflow, workflow.shadow_version));
    RETURN_IF_ERROR(plan->ValidateInput(input));
    expr::Evaluator& evaluator = ThreadEvaluator();
    RETURN_IF_ERROR(evaluator.SetEnvironment(Json{{"input", input}}));
    store::NewRun run;
    ASSIGN_OR_RETURN(run.business_key, plan->EvaluateKey(evaluator));
    run.run_id = common::NewId("run_", now, random_);
    run.workflow = plan->workflow();
    run.version = plan->version();
    run.mode = store::RunMode::kShadow;
    run.parent_run_id = live_run_id;
    run.input_json = common::CanonicalJson(input);
    run.now = now;
    run.steps = plan->new_steps();
    if (started_ || options_.workers == 0) {
      run.lease = store::LeaseRequest{options_.worker_id, options_.lease};
    }
    run.records.push_back({"", "run.created", "system", RunCreatedPayload(*plan, run, false)});
    ASSIGN_OR_RETURN(store::CreateRunResult created, store_.CreateRun(run));
    Schedule(run, input, created);
    return created.run_id;
  }

  // Queues the steps a new run's creation leased to this engine.
  void Schedule(const store::NewRun& run, const Json& input, store::CreateRunResult& created) {
    if (created.created && !created.leased.empty()) {
      RunContext ctx = RunContext::ForNewRun(run, input);
      std::lock_guard<std::mutex> lock(mu_);
      for (store::ClaimedStep& step : created.leased) {
        held_[StepKey(step)] = step;
        queue_.push_back(WorkItem{std::move(step), ctx});
        // One idle worker per step: waking them all would send all but one back to sleep.
        work_cv_.notify_one();
      }
    }
  }

  absl::StatusOr<store::Task> ResolveTask(const TaskDecision& decision) {
    ASSIGN_OR_RETURN(store::Task task, store_.GetTask(decision.task_id));
    review::Decision made{decision.user, decision.decision, decision.comment, decision.data};
    ASSIGN_OR_RETURN(review::ResolutionPlan plan, review::PlanResolution(task, made));
    store::TaskResolution r;
    r.task_id = decision.task_id;
    r.user = decision.user;
    r.decision = decision.decision;
    r.resolution_json = common::CanonicalJson(plan.resolution);
    r.now = clock_.Now();
    r.first_of_two = plan.first_of_two;
    r.expected_first_by = plan.expected_first_by;
    r.correction_step_id = plan.correction_step_id;
    r.correction_document_json = plan.document_json;
    r.corrections = std::move(plan.corrections);
    ASSIGN_OR_RETURN(Json payload, ResolutionPayload(task, decision, r));
    if (plan.first_of_two) payload["stage"] = "first of two";
    // When the decider's claim began: their working time on it (docs/measures.md).
    if (task.claimed_by == decision.user && task.claimed_at.has_value()) {
      payload["claimed_at"] =
          absl::FormatTime(absl::RFC3339_full, *task.claimed_at, absl::UTCTimeZone());
    }
    r.records.push_back({"", plan.first_of_two ? "task.first_decision" : "task.resolved",
                         absl::StrCat("human:", decision.user), common::CanonicalJson(payload)});
    ASSIGN_OR_RETURN(store::Task resolved, store_.ResolveTask(r));
    poll_cv_.notify_all();  // the step is due now
    return resolved;
  }

  // The decision record of a person's decision: what they decided and why (`comment`), the data
  // they gave, and each field they changed with its value before and after. Personal data (the
  // run's version's `personal:` paths for the step whose fields were reviewed) as digests.
  absl::StatusOr<Json> ResolutionPayload(const store::Task& task, const TaskDecision& decision,
                                         const store::TaskResolution& resolution) {
    ASSIGN_OR_RETURN(store::Run run, store_.GetRun(task.run_id));
    ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan, GetPlan(run.workflow, run.version));
    const audit::PersonalFields& personal = plan->personal();
    const std::string& fields_step = resolution.correction_step_id;
    const std::string root = absl::StrCat("steps.", fields_step, ".output");
    Json payload = {{"decision", decision.decision},
                    {"by", decision.user},
                    {"comment", decision.comment},
                    {"data", personal.RedactDecision(fields_step, decision.data, digest_)},
                    {"task_id", decision.task_id}};
    int changed = 0;
    Json changes = Json::array();
    for (const store::NewCorrection& correction : resolution.corrections) {
      if (!correction.changed) continue;
      ++changed;
      Json before = common::ParseJson(correction.ai_value_json, "a correction").value_or(Json());
      Json after = common::ParseJson(correction.human_value_json, "a correction").value_or(Json());
      if (personal.Touches(root, {"fields", correction.field})) {
        if (!before.is_null()) before = digest_(before);
        if (!after.is_null()) after = digest_(after);
      }
      changes.push_back({{"field", correction.field}, {"before", before}, {"after", after}});
    }
    if (!resolution.corrections.empty()) {
      payload["corrections"] = {{"fields", resolution.corrections.size()}, {"changed", changed}};
      payload["changes"] = std::move(changes);
    }
    return payload;
  }

  // Moves overdue tasks to their escalation queues and delivers the webhook notifications that
  // are due. Returns how many tasks were escalated.
  absl::StatusOr<int> SweepTasks() {
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::vector<store::Task> overdue, store_.ListOverdueTasks(now, 100));
    int escalated = 0;
    for (const store::Task& task : overdue) {
      Json event = {
          {"event", "task.escalated"},
          {"task_id", task.task_id},
          {"run_id", task.run_id},
          {"workflow", task.workflow},
          {"title", task.title},
          {"from_queue", task.queue},
          {"to_queue", task.escalate_to},
          {"due_at", absl::FormatTime(absl::RFC3339_full, *task.due_at, absl::UTCTimeZone())},
          {"escalated_at", absl::FormatTime(absl::RFC3339_full, now, absl::UTCTimeZone())}};
      store::TaskEscalation escalation;
      escalation.task_id = task.task_id;
      escalation.now = now;
      escalation.notification_json = common::CanonicalJson(event);
      escalation.records.push_back(
          {task.step_id, "task.escalated", "system", escalation.notification_json});
      absl::StatusOr<store::Task> moved = store_.EscalateTask(escalation);
      if (moved.ok()) {
        ++escalated;
        spdlog::info("task {} is past its SLA: moved from {} to {}", task.task_id, task.queue,
                     task.escalate_to);
      } else if (!absl::IsFailedPrecondition(moved.status())) {
        return moved.status();  // resolved meanwhile is fine; anything else is not
      }
    }
    RETURN_IF_ERROR(DeliverNotifications(now));
    return escalated;
  }

  absl::Status DeliverNotifications(absl::Time now) {
    ASSIGN_OR_RETURN(std::vector<store::Notification> due, store_.ListDueNotifications(now, 50));
    for (const store::Notification& notification : due) {
      bool delivered = false;
      if (http_ != nullptr) {
        steps::HttpRequest request;
        request.method = "POST";
        request.url = notification.url;
        request.headers = {{"Content-Type", "application/json"}};
        request.body = notification.payload_json;
        request.timeout = absl::Seconds(10);
        absl::StatusOr<steps::HttpResponse> response = http_->Send(request);
        delivered = response.ok() && response->status >= 200 && response->status < 300;
        if (!delivered) {
          spdlog::warn("webhook {} not delivered (attempt {}): {}", notification.url,
                       notification.attempts + 1,
                       response.ok() ? absl::StrCat("HTTP ", response->status)
                                     : response.status().ToString());
        }
      }
      // Retried with a doubling pause, 5 s up to an hour.
      const absl::Duration pause = std::min(
          absl::Hours(1), absl::Seconds(5) * (int64_t{1} << std::min(notification.attempts, 10)));
      absl::Status finished = store_.FinishNotification(notification.seq, delivered, now + pause);
      // NotFound: another process sharing the store (several `serve` on PostgreSQL) delivered
      // it meanwhile and finished first; delivery is at least once, so that is fine.
      if (!finished.ok() && !absl::IsNotFound(finished)) return finished;
    }
    return absl::OkStatus();
  }

  // ---- Execution ------------------------------------------------------------------------------

  absl::Status Start() {
    std::lock_guard<std::mutex> lock(mu_);
    if (started_) return absl::FailedPreconditionError("the engine is already started");
    if (options_.workers <= 0) {
      return absl::FailedPreconditionError("an engine with 0 workers is driven by RunUntilIdle()");
    }
    if (options_.recover_leases_on_start) {
      ASSIGN_OR_RETURN(int expired, store_.ExpireAllLeases());
      if (expired > 0) spdlog::info("resuming {} step(s) that were in flight at shutdown", expired);
    }
    started_ = true;
    stopping_ = false;
    // Another process's commit that makes a step claimable wakes the poller at once (PostgreSQL
    // NOTIFY); polling every poll_interval stays as the fallback for a lost wake-up.
    waker_->Attach([this] {
      std::lock_guard<std::mutex> lock(mu_);
      wake_requested_ = true;
      poll_cv_.notify_all();
    });
    store_.SetWorkListener([waker = waker_] { waker->Wake(); });
    for (int i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { WorkerLoop(); });
    threads_.emplace_back([this] { PollerLoop(); });
    return absl::OkStatus();
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_) return;
      stopping_ = true;
    }
    waker_->Attach(nullptr);  // waits for a wake-up in progress
    work_cv_.notify_all();
    poll_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
    threads_.clear();
    GiveBackQueued();
    std::lock_guard<std::mutex> lock(mu_);
    started_ = false;
  }

  // The steps leased to this engine that no worker started (a stopping engine's queue): their
  // leases end now, so other workers take them at once instead of when the leases would have
  // expired. Like a lease that expires, the claim stays counted in the step's attempts.
  void GiveBackQueued() {
    std::vector<store::ClaimedStep> queued;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (WorkItem& item : queue_) {
        held_.erase(StepKey(item.step));
        queued.push_back(std::move(item.step));
      }
      queue_.clear();
    }
    if (queued.empty()) return;
    absl::StatusOr<std::vector<std::string>> lost =
        store_.RenewLeases(options_.worker_id, queued, clock_.Now());
    if (!lost.ok()) {
      spdlog::warn("cannot give back {} leased steps (others take them when the leases expire): {}",
                   queued.size(), lost.status().ToString());
    }
  }

  absl::StatusOr<int> RunUntilIdle() {
    if (options_.workers != 0) {
      return absl::FailedPreconditionError("RunUntilIdle() drives an engine with 0 workers");
    }
    int before = attempts_;
    while (true) {
      std::optional<WorkItem> item;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (!queue_.empty()) {
          item = std::move(queue_.front());
          queue_.pop_front();
        }
      }
      if (item.has_value()) {
        RunChain(std::move(*item));
        continue;
      }
      ASSIGN_OR_RETURN(std::vector<store::ClaimedStep> claimed,
                       store_.ClaimSteps({options_.worker_id, options_.lease}, clock_.Now(), 64));
      if (claimed.empty()) break;
      Enqueue(std::move(claimed));
    }
    return attempts_ - before;
  }

  absl::StatusOr<store::Run> WaitForRun(const std::string& run_id, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      ASSIGN_OR_RETURN(store::Run run, store_.GetRun(run_id));
      if (store::IsTerminal(run.status)) return run;
      absl::Duration left = deadline - absl::Now();
      if (left <= absl::ZeroDuration()) {
        return absl::DeadlineExceededError(
            absl::StrCat("run ", run_id, " is still ", store::RunStatusName(run.status)));
      }
      std::unique_lock<std::mutex> lock(finish_mu_);
      finish_cv_.wait_for(lock, absl::ToChronoMilliseconds(std::min(left, absl::Milliseconds(50))));
    }
  }

  void SetRunFinishedCallback(std::function<void(const std::string&, store::RunStatus)> callback) {
    on_finished_ = std::move(callback);
  }

  const std::string& worker_id() const { return options_.worker_id; }
  store::Store& store() { return store_; }

  int StepsHeld() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(held_.size());
  }

 private:
  static EngineOptions WithWorkerId(EngineOptions options, common::Random& random) {
    if (options.worker_id.empty()) options.worker_id = DefaultWorkerId(random);
    return options;
  }

  void Enqueue(std::vector<store::ClaimedStep> claimed) {
    std::lock_guard<std::mutex> lock(mu_);
    for (store::ClaimedStep& step : claimed) {
      held_[StepKey(step)] = step;
      queue_.push_back(WorkItem{std::move(step), std::nullopt});
    }
    work_cv_.notify_all();
  }

  LimitKeys LimitsFor(const Plan& plan, const store::ClaimedStep& step) const {
    LimitKeys keys;
    if (plan.spec().concurrency.has_value()) {
      keys.emplace_back(absl::StrCat("workflow:", plan.workflow()), *plan.spec().concurrency);
    }
    if (const PlannedStep* planned = plan.Find(step.step_id); planned != nullptr) {
      if (planned->spec->concurrency.has_value()) {
        keys.emplace_back(absl::StrCat("step:", plan.workflow(), "/", step.step_id),
                          *planned->spec->concurrency);
      }
      auto it = options_.kind_limits.find(planned->spec->uses);
      if (it != options_.kind_limits.end()) {
        keys.emplace_back(absl::StrCat("kind:", it->first), it->second);
      }
    }
    return keys;
  }

  // Takes a slot under every limit, or none (then the caller defers the step).
  bool TryAcquire(const LimitKeys& keys) {
    if (keys.empty()) return true;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, limit] : keys) {
      if (in_use_[key] >= limit) return false;
    }
    for (const auto& [key, limit] : keys) ++in_use_[key];
    return true;
  }

  void Release(const LimitKeys& keys) {
    if (keys.empty()) return;
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, limit] : keys) --in_use_[key];
    // Deferred steps get another chance, ahead of new work.
    while (!deferred_.empty()) {
      queue_.push_front(std::move(deferred_.back()));
      deferred_.pop_back();
    }
    work_cv_.notify_all();
  }

  // Executes a step and, while its commit leases the next ones to us, those too.
  void RunChain(WorkItem item) {
    while (true) {
      absl::StatusOr<std::shared_ptr<const Plan>> plan =
          GetPlan(item.step.workflow, item.step.version);
      if (!plan.ok()) {
        spdlog::error("run {}: cannot load version {}: {}", item.step.run_id, item.step.version,
                      plan.status().ToString());
        Forget(item.step);  // the lease expires and the step is tried again later
        return;
      }
      LimitKeys limits = LimitsFor(**plan, item.step);
      if (!TryAcquire(limits)) {
        std::lock_guard<std::mutex> lock(mu_);
        deferred_.push_back(std::move(item));
        return;
      }
      absl::StatusOr<AttemptResult> result = runner_.RunAttempt(**plan, item.step, item.ctx);
      Release(limits);
      Forget(item.step);
      ++attempts_;
      if (!result.ok()) {
        // A lost lease means another worker has the step; anything else (the store failing)
        // leaves the lease to expire so the step is tried again.
        spdlog::warn("run {} step {}: result not committed: {}", item.step.run_id,
                     item.step.step_id, result.status().ToString());
        return;
      }
      if (result->finished.has_value()) NotifyFinished(item.step.run_id, *result->finished);
      std::vector<store::ClaimedStep>& leased = result->commit.leased;
      if (leased.empty()) return;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (const store::ClaimedStep& step : leased) held_[StepKey(step)] = step;
        for (size_t i = 1; i < leased.size(); ++i) {
          queue_.push_back(WorkItem{std::move(leased[i]), item.ctx});
        }
        if (leased.size() > 1) work_cv_.notify_all();
      }
      item.step = std::move(leased[0]);
    }
  }

  void Forget(const store::ClaimedStep& step) {
    std::lock_guard<std::mutex> lock(mu_);
    held_.erase(StepKey(step));
  }

  void NotifyFinished(const std::string& run_id, store::RunStatus status) {
    if (on_finished_) on_finished_(run_id, status);
    finish_cv_.notify_all();
  }

  void WorkerLoop() {
    while (true) {
      WorkItem item;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        item = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      RunChain(std::move(item));
      bool wake_poller;
      {
        std::lock_guard<std::mutex> lock(mu_);
        --busy_;
        wake_poller = poller_needs_capacity_;
      }
      // Capacity freed: the poller may claim more. Only if it is waiting for exactly that;
      // otherwise it would wake (and read the store) once per finished chain for nothing.
      if (wake_poller) poll_cv_.notify_all();
    }
  }

  void PollerLoop() {
    absl::Time last_renewal = clock_.Now();
    absl::Time last_sweep = absl::InfinitePast();
    while (true) {
      int capacity;
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stopping_) return;
        capacity = Capacity();
      }
      const absl::Time now = clock_.Now();
      absl::Duration sleep = options_.poll_interval;
      bool needs_capacity = false;
      absl::StatusOr<std::optional<absl::Time>> due = store_.NextDueTime();
      if (!due.ok()) {
        spdlog::error("cannot read the store: {}", due.status().ToString());
      } else if (due->has_value() && **due <= now && capacity > 0) {
        absl::StatusOr<std::vector<store::ClaimedStep>> claimed =
            store_.ClaimSteps({options_.worker_id, options_.lease}, now, capacity);
        if (!claimed.ok()) {
          spdlog::error("cannot claim steps: {}", claimed.status().ToString());
        } else {
          if (static_cast<int>(claimed->size()) == capacity) sleep = absl::ZeroDuration();
          Enqueue(std::move(*claimed));
        }
      } else if (due->has_value() && **due > now) {
        sleep = std::min(sleep, **due - now);
      } else if (due->has_value() && capacity <= 0) {
        needs_capacity = true;  // steps are due but every worker is busy
      }
      if (now - last_renewal >= options_.lease / 3) {
        RenewLeases(now);
        last_renewal = now;
      }
      if (now - last_sweep >= absl::Seconds(1)) {
        absl::StatusOr<int> swept = SweepTasks();
        if (!swept.ok()) spdlog::error("cannot escalate tasks: {}", swept.status().ToString());
        last_sweep = now;
      }
      if (sleep > absl::ZeroDuration()) {
        std::unique_lock<std::mutex> lock(mu_);
        // A worker that finished since `capacity` was read saw no request to wake the poller.
        if (needs_capacity && Capacity() > 0) continue;
        // Stop() or work announced by another process since the store was read: a wait now
        // would miss their notification (and last up to poll_interval).
        if (stopping_) return;
        if (std::exchange(wake_requested_, false)) continue;
        poller_needs_capacity_ = needs_capacity;
        poll_cv_.wait_for(lock, absl::ToChronoMicroseconds(sleep));
        poller_needs_capacity_ = false;
        wake_requested_ = false;
      }
    }
  }

  // Steps the poller may claim now: twice the workers, less the queued and running ones.
  // Needs mu_.
  int Capacity() const { return 2 * options_.workers - static_cast<int>(queue_.size()) - busy_; }

  void RenewLeases(absl::Time now) {
    std::vector<store::ClaimedStep> held;
    {
      std::lock_guard<std::mutex> lock(mu_);
      held.reserve(held_.size());
      for (const auto& [key, step] : held_) held.push_back(step);
    }
    if (held.empty()) return;
    absl::StatusOr<std::vector<std::string>> lost =
        store_.RenewLeases(options_.worker_id, held, now + options_.lease);
    if (!lost.ok()) {
      spdlog::error("cannot renew leases: {}", lost.status().ToString());
    } else if (!lost->empty()) {
      spdlog::debug("{} lease(s) no longer held (committed or taken over)", lost->size());
    }
  }

  EngineOptions options_;
  store::Store& store_;
  const steps::StepKindRegistry& registry_;
  const common::Clock& clock_;
  common::Random& random_;
  steps::HttpClient* http_;
  StepRunner runner_;
  audit::PersonalDigest digest_;

  std::mutex plans_mu_;
  std::unordered_map<std::string, std::shared_ptr<const Plan>> plans_;

  std::mutex mu_;
  std::condition_variable work_cv_;
  std::condition_variable poll_cv_;
  std::shared_ptr<PollerWaker> waker_ = std::make_shared<PollerWaker>();
  std::deque<WorkItem> queue_;
  std::deque<WorkItem> deferred_;
  std::unordered_map<std::string, store::ClaimedStep> held_;  // every lease this engine holds
  std::unordered_map<std::string, int> in_use_;
  std::vector<std::thread> threads_;
  bool started_ = false;
  bool stopping_ = false;
  int busy_ = 0;
  bool poller_needs_capacity_ = false;  // the poller sleeps until a worker frees capacity
  bool wake_requested_ = false;         // the store announced work (SetWorkListener)
  std::atomic<int> attempts_{0};

  std::mutex finish_mu_;
  std::condition_variable finish_cv_;
  std::function<void(const std::string&, store::RunStatus)> on_finished_;
};

Engine::Engine(EngineOptions options, store::Store& store, const steps::StepKindRegistry& registry,
               const common::Clock& clock, common::Random& random, steps::HttpClient* http)
    : impl_(std::make_unique<Impl>(std::move(options), store, registry, clock, random, http)) {}
Engine::~Engine() = default;

absl::StatusOr<DeployResult> Engine::Deploy(std::string_view spec_text,
                                            std::string_view source_name,
                                            std::optional<store::VersionStage> stage,
                                            const std::string& by) {
  return impl_->Deploy(spec_text, source_name, stage, by);
}
absl::StatusOr<std::shared_ptr<const Plan>> Engine::GetPlan(const std::string& workflow,
                                                            const std::string& version) {
  return impl_->GetPlan(workflow, version);
}
absl::StatusOr<StartRunResult> Engine::StartRun(const StartRunRequest& request) {
  return impl_->StartRun(request);
}
absl::StatusOr<store::Task> Engine::ResolveTask(const TaskDecision& decision) {
  return impl_->ResolveTask(decision);
}
absl::StatusOr<int> Engine::SweepTasks() { return impl_->SweepTasks(); }
absl::Status Engine::Start() { return impl_->Start(); }
void Engine::Stop() { impl_->Stop(); }
absl::StatusOr<int> Engine::RunUntilIdle() { return impl_->RunUntilIdle(); }
absl::StatusOr<store::Run> Engine::WaitForRun(const std::string& run_id, absl::Duration timeout) {
  return impl_->WaitForRun(run_id, timeout);
}
void Engine::SetRunFinishedCallback(
    std::function<void(const std::string&, store::RunStatus)> callback) {
  impl_->SetRunFinishedCallback(std::move(callback));
}
const std::string& Engine::worker_id() const { return impl_->worker_id(); }
int Engine::StepsHeld() { return impl_->StepsHeld(); }
store::Store& Engine::store() { return impl_->store(); }

}  // namespace flowline::engine
