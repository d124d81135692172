#include "engine/step_runner.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "engine/retry.h"
#include "expr/expr.h"

namespace flowline::engine {
namespace {

using store::StepResolution;

std::string RecordPayload(int attempt, const std::string& params_json, const std::string& extra) {
  std::string payload = absl::StrCat("{\"attempt\":", attempt);
  if (!params_json.empty()) {
    absl::StrAppend(&payload, ",\"input_digest\":\"", common::Sha256Hex(params_json), "\"");
  }
  if (!extra.empty()) absl::StrAppend(&payload, ",", extra);
  payload.push_back('}');
  return payload;
}

std::string JsonString(const std::string& text) { return common::CanonicalJson(Json(text)); }

// `,"usage":{...}` for a record payload, or nothing: the measures count an attempt's model
// calls and tokens from it (monitor/record_fold.cc).
std::string UsageMember(const std::optional<Json>& usage) {
  if (!usage.has_value() || !usage->is_object()) return "";
  return absl::StrCat(",\"usage\":", common::CanonicalJson(*usage));
}

// True if every step `step_id` depends on has finished in `ctx` (for $end: every step).
bool ContextCovers(const Plan& plan, const std::string& step_id, const RunContext& ctx) {
  const PlannedStep* step = plan.Find(step_id);
  if (step == nullptr) {
    for (const PlannedStep& s : plan.steps()) {
      if (!ctx.finished.contains(s.spec->id)) return false;
    }
    return true;
  }
  for (const std::string& need : step->spec->needs) {
    if (!ctx.finished.contains(need)) return false;
  }
  return true;
}

}  // namespace

expr::Evaluator& ThreadEvaluator() {
  thread_local std::unique_ptr<expr::Evaluator> evaluator = std::make_unique<expr::Evaluator>();
  return *evaluator;
}

absl::StatusOr<AttemptResult> StepRunner::RunAttempt(const Plan& plan,
                                                     const store::ClaimedStep& claimed,
                                                     std::optional<RunContext>& ctx) {
  const absl::Time started = clock_.Now();
  if (!ctx.has_value() || ctx->run_id != claimed.run_id ||
      !ContextCovers(plan, claimed.step_id, *ctx)) {
    ASSIGN_OR_RETURN(store::RunDetail detail, store_.GetRunDetail(claimed.run_id));
    ASSIGN_OR_RETURN(ctx, RunContext::FromDetail(detail));
  }

  store::StepCommit commit;
  commit.run_id = claimed.run_id;
  commit.step_id = claimed.step_id;
  commit.lease_token = claimed.lease_token;
  if (options_.lease_next)
    commit.lease_next = store::LeaseRequest{options_.worker_id, options_.lease};

  expr::Evaluator& evaluator = ThreadEvaluator();
  const PlannedStep* step = plan.Find(claimed.step_id);
  if (claimed.step_id == store::kEndStepId) {
    commit.resolution = StepResolution::kCompleted;
    FinishRun(plan, *ctx, commit);
  } else if (step == nullptr) {
    FailRun(claimed.step_id,
            absl::StrCat("version ", plan.version(), " has no step '", claimed.step_id, "'"),
            commit);
  } else if (absl::Status env = evaluator.SetEnvironment(ctx->env); !env.ok()) {
    FailRun(claimed.step_id, std::string(env.message()), commit);
  } else {
    // The condition first: a false `when:` skips the step, and the graph moves on.
    bool run_it = true;
    bool failed = false;
    if (step->when != nullptr) {
      absl::StatusOr<Json> condition = step->when->Evaluate(evaluator);
      if (!condition.ok()) {
        FailRun(claimed.step_id, std::string(condition.status().message()), commit);
        failed = true;
      } else if (!condition->is_boolean() && !condition->is_null()) {
        FailRun(claimed.step_id,
                absl::StrCat("steps.", claimed.step_id, ".when must give true or false, got ",
                             common::CanonicalJson(*condition)),
                commit);
        failed = true;
      } else {
        run_it = condition->is_boolean() && condition->get<bool>();
      }
    }
    if (failed) {
      // FailRun filled the commit.
    } else if (!run_it) {
      CompleteStep(plan, *step, claimed.attempt,
                   StepResult{store::StepStatus::kSkipped, Json::object(), std::nullopt,
                              std::nullopt, std::nullopt, clock_.Now() - started},
                   *ctx, commit);
    } else if (absl::StatusOr<Json> params = step->params.Evaluate(evaluator); !params.ok()) {
      FailRun(claimed.step_id, std::string(params.status().message()), commit);
    } else {
      commit.params_json = common::CanonicalJson(*params);
      Json resume;
      if (!claimed.resume_json.empty()) {
        ASSIGN_OR_RETURN(resume, common::ParseJson(claimed.resume_json, "a stored resume value"));
      }
      // A person's decision on a step that exhausted its retries (exceptions.retries_exhausted):
      // try again, complete it with the data they give, or reject the case.
      std::string exhausted_decision;
      if (step->spec->uses != "review" && resume.is_object() && resume.contains("decision") &&
          resume["decision"].is_string()) {
        exhausted_decision = resume["decision"].get<std::string>();
      }
      Json routing_json;
      if (plan.IsGate(*step) && claimed.resume_json.empty()) {
        const std::string& key = ctx->business_key.empty() ? claimed.run_id : ctx->business_key;
        routing_json = plan.Route(evaluator, ctx->env, key).ToJson();
        if (!plan.spec().exceptions.queue.empty()) {
          routing_json["queue"] = plan.spec().exceptions.queue;
        }
        commit.records.push_back({claimed.step_id, "routing.decided", "system",
                                  common::CanonicalJson(RecordedRouting(plan, routing_json))});
      }
      steps::StepContext sctx;
      sctx.run_id = claimed.run_id;
      sctx.step_id = claimed.step_id;
      sctx.workflow = plan.workflow();
      sctx.version = plan.version();
      sctx.business_key = ctx->business_key;
      sctx.idempotency_key = claimed.idempotency_key;
      sctx.attempt = claimed.attempt;
      sctx.params = &*params;
      sctx.run = &ctx->env;
      sctx.resume = claimed.resume_json.empty() || !exhausted_decision.empty() ? nullptr : &resume;
      sctx.routing = routing_json.is_null() ? nullptr : &routing_json;
      sctx.deadline = started + step->spec->timeout;
      sctx.clock = &clock_;
      sctx.http = http_;
      sctx.artifacts = options_.artifacts;
      sctx.evaluator = &evaluator;
      const bool suppress = ctx->mode != store::RunMode::kNormal;
      sctx.suppress_side_effects = suppress;
      sctx.suppress_reads = ctx->mode == store::RunMode::kEvaluation;
      const steps::StepKindInfo& info = step->kind->Info();
      const bool execute = exhausted_decision.empty() || exhausted_decision == "retry";
      std::optional<Json> recorded;
      if (ctx->mode == store::RunMode::kReplay && info.side_effects && options_.recorded_output) {
        recorded = options_.recorded_output(claimed.step_id);
      }
      steps::StepOutcome outcome = !execute ? ExhaustedDecision(exhausted_decision, resume)
                                   : recorded.has_value()
                                       ? steps::StepOutcome::Completed(*std::move(recorded))
                                   : suppress && info.side_effects && !info.suppressible
                                       ? steps::StepOutcome::Completed(Json{{"suppressed", true}})
                                       : step->prepared->Execute(sctx);
      if (ctx->mode == store::RunMode::kShadow &&
          outcome.kind == steps::StepOutcome::Kind::kWaitForTask) {
        outcome = ShadowInsteadOfTask(outcome);
      }
      const absl::Time now = clock_.Now();

      switch (outcome.kind) {
        case steps::StepOutcome::Kind::kCompleted:
          CompleteStep(plan, *step, claimed.attempt,
                       StepResult{store::StepStatus::kCompleted, std::move(outcome.output),
                                  outcome.confidence, std::move(outcome.model),
                                  std::move(outcome.usage), now - started},
                       *ctx, commit);
          break;
        case steps::StepOutcome::Kind::kFailed:
          commit.error = outcome.error;
          if (ShouldRetry(step->spec->retry, claimed.attempt, outcome.error_class)) {
            commit.resolution = StepResolution::kRetry;
            commit.retry_at =
                now + RetryDelay(step->spec->retry, claimed.attempt, outcome.retry_after, random_);
            commit.records.push_back(
                {claimed.step_id, "step.retry", step->actor_label,
                 RecordPayload(
                     claimed.attempt, commit.params_json,
                     absl::StrCat("\"error\":", JsonString(outcome.error), ",\"error_class\":\"",
                                  steps::ErrorClassName(outcome.error_class), "\",\"retry_at\":\"",
                                  absl::FormatTime(commit.retry_at), "\"",
                                  UsageMember(outcome.usage)))});
          } else if (plan.spec().exceptions.retries_exhausted && step->spec->uses != "review" &&
                     ctx->mode != store::RunMode::kShadow) {
            OpenExhaustedTask(plan, *step, claimed, outcome.error, now, commit);
          } else {
            FailRun(
                claimed.step_id,
                absl::StrCat("step ", claimed.step_id, " failed after ", claimed.attempt,
                             claimed.attempt == 1 ? " attempt: " : " attempts: ", outcome.error),
                commit);
          }
          break;
        case steps::StepOutcome::Kind::kWaitForTask: {
          store::NewTask task;
          task.task_id = common::NewId("task_", now, random_);
          task.queue = outcome.task.queue;
          task.title = outcome.task.title;
          task.priority = outcome.task.priority;
          if (outcome.task.sla.has_value()) task.due_at = now + *outcome.task.sla;
          task.payload_json = common::CanonicalJson(outcome.task.payload);
          task.escalate_to = outcome.task.escalate_to;
          task.four_eyes = outcome.task.four_eyes;
          task.notify_url = plan.spec().exceptions.notify_url;
          commit.resolution = StepResolution::kWaitTask;
          commit.records.push_back(
              {claimed.step_id, "task.opened", step->actor_label,
               RecordPayload(claimed.attempt, commit.params_json,
                             absl::StrCat("\"task_id\":\"", task.task_id,
                                          "\",\"queue\":", JsonString(task.queue)))});
          commit.task = std::move(task);
          break;
        }
        case steps::StepOutcome::Kind::kWaitUntil:
          commit.resolution = StepResolution::kWaitTimer;
          commit.retry_at = outcome.wake_at;
          commit.resume_json = R"({"timer":true})";
          commit.records.push_back(
              {claimed.step_id, "step.waiting", step->actor_label,
               RecordPayload(
                   claimed.attempt, commit.params_json,
                   absl::StrCat("\"until\":\"", absl::FormatTime(outcome.wake_at), "\""))});
          break;
        case steps::StepOutcome::Kind::kRejected:
          commit.resolution = StepResolution::kCompleted;
          commit.output_json = common::CanonicalJson(outcome.output);
          commit.records.push_back(
              {claimed.step_id, "step.completed", step->actor_label,
               RecordPayload(
                   claimed.attempt, commit.params_json,
                   absl::StrCat("\"output\":", RecordedOutput(plan, claimed.step_id, outcome.output,
                                                              commit.output_json)))});
          commit.finish = store::RunFinish{store::RunStatus::kRejected, "", outcome.error};
          commit.records.push_back({"", "run.rejected", step->actor_label,
                                    absl::StrCat("{\"reason\":", JsonString(outcome.error), "}")});
          break;
      }
    }
  }
  commit.now = clock_.Now();
  commit.duration_us = absl::ToInt64Microseconds(commit.now - started);
  ASSIGN_OR_RETURN(store::CommitResult result, store_.CommitStep(commit));
  AttemptResult out{std::move(result), std::nullopt};
  if (out.commit.run_finished && commit.finish.has_value()) out.finished = commit.finish->status;
  return out;
}

steps::StepOutcome StepRunner::ShadowInsteadOfTask(const steps::StepOutcome& waiting) {
  // A shadow never asks a person: it records where the case would have gone and goes on as if
  // the case were straight through, so its outputs can be compared with live's.
  const Json& payload = waiting.task.payload;
  return steps::StepOutcome::Completed(
      Json{{"decision", "auto"},
           {"routed", "straight_through"},
           {"suppressed", true},
           {"would_route", "person"},
           {"queue", waiting.task.queue},
           {"reasons", payload.is_object() ? payload.value("reasons", Json::array()) : Json()},
           {"data", Json::object()}});
}

steps::StepOutcome StepRunner::ExhaustedDecision(const std::string& decision, const Json& resume) {
  const std::string by = resume.value("by", std::string("a reviewer"));
  if (decision == "skip") {
    Json data = resume.value("data", Json::object());
    return steps::StepOutcome::Completed(
        data.is_object() && data.contains("output") ? data["output"] : data);
  }
  if (decision == "reject") {
    std::string comment = resume.value("comment", std::string());
    return steps::StepOutcome::Rejected(
        comment.empty() ? absl::StrCat("rejected by ", by) : comment, resume);
  }
  return steps::StepOutcome::Failed(
      absl::StrCat("decision \"", decision, "\" is not one of retry, skip, reject"));
}

void StepRunner::OpenExhaustedTask(const Plan& plan, const PlannedStep& step,
                                   const store::ClaimedStep& claimed, const std::string& error,
                                   absl::Time now, store::StepCommit& commit) {
  const review::ExceptionPolicy& policy = plan.spec().exceptions;
  const std::string message =
      absl::StrCat("step ", claimed.step_id, " failed after ", claimed.attempt,
                   claimed.attempt == 1 ? " attempt: " : " attempts: ", error);
  Json reason = {{"kind", "retries_exhausted"},
                 {"step", claimed.step_id},
                 {"message", message},
                 {"values", {{"attempts", claimed.attempt}, {"error", error}}}};
  store::NewTask task;
  task.task_id = common::NewId("task_", now, random_);
  task.queue = policy.queue.empty() ? "exceptions" : policy.queue;
  task.title = absl::StrCat("Step ", claimed.step_id, " failed: decide how to go on");
  task.notify_url = policy.notify_url;
  task.payload_json = common::CanonicalJson(
      Json{{"kind", "retries_exhausted"},
           {"step", claimed.step_id},
           {"error", error},
           {"attempts", claimed.attempt},
           {"reasons", Json::array({message})},
           {"routing", Json::array({reason})},
           {"decisions", Json::array({"retry", "skip", "reject"})},
           {"instructions",
            "Retry the step, skip it (its output is the data you give), or reject the case."}});
  commit.resolution = StepResolution::kWaitTask;
  commit.records.push_back(
      {claimed.step_id, "routing.decided", "system",
       common::CanonicalJson(Json{{"routed", "person"}, {"reasons", Json::array({reason})}})});
  commit.records.push_back({claimed.step_id, "task.opened", step.actor_label,
                            RecordPayload(claimed.attempt, commit.params_json,
                                          absl::StrCat("\"task_id\":\"", task.task_id,
                                                       "\",\"queue\":", JsonString(task.queue)))});
  commit.task = std::move(task);
}

std::string StepRunner::RecordedOutput(const Plan& plan, const std::string& step_id,
                                       const Json& output, const std::string& output_json) const {
  const audit::PersonalFields& personal = plan.personal();
  if (personal.empty()) return output_json;
  const std::string root = absl::StrCat("steps.", step_id, ".output");
  Json recorded = personal.Covers(root) ? personal.Redact(root, output, digest_) : output;
  // A review's output carries the person's values for the reviewed step's fields.
  const PlannedStep* step = plan.Find(step_id);
  const std::string fields_step = step != nullptr && step->spec->with.is_object()
                                      ? step->spec->with.value("fields_step", std::string())
                                      : std::string();
  if (!fields_step.empty() && recorded.is_object() && recorded.contains("data")) {
    recorded["data"] = personal.RedactDecision(fields_step, recorded["data"], digest_);
  }
  return common::CanonicalJson(recorded);
}

Json StepRunner::RecordedRouting(const Plan& plan, Json routing) const {
  const audit::PersonalFields& personal = plan.personal();
  if (personal.empty()) return routing;
  // The rules saw the fields' values (low confidence) and labels (unusual input): digested
  // where those are personal. Business rules' values and checks' messages are as evaluated.
  for (const char* list : {"reasons", "evaluated"}) {
    if (!routing.contains(list) || !routing[list].is_array()) continue;
    for (Json& rule : routing[list]) {
      const std::string step = rule.value("step", std::string());
      if (step.empty() || !rule.contains("values") || !rule["values"].is_object()) continue;
      const std::string root = absl::StrCat("steps.", step, ".output");
      Json& values = rule["values"];
      const std::string name = rule.value("name", std::string());
      if (!name.empty() && values.contains("value") && !values["value"].is_null() &&
          personal.Touches(root, {"fields", name})) {
        values["value"] = digest_(values["value"]);
      }
      if (values.contains("label") && !values["label"].is_null() &&
          personal.Touches(root, {"label"})) {
        values["label"] = digest_(values["label"]);
      }
    }
  }
  return routing;
}

void StepRunner::CompleteStep(const Plan& plan, const PlannedStep& step, int attempt,
                              StepResult result, RunContext& ctx, store::StepCommit& commit) {
  const bool skipped = result.status == store::StepStatus::kSkipped;
  commit.resolution = skipped ? StepResolution::kSkipped : StepResolution::kCompleted;
  commit.output_json = common::CanonicalJson(result.output);
  commit.confidence = result.confidence;
  commit.dependents = step.dependents;
  std::string extra = absl::StrCat(
      "\"output\":", RecordedOutput(plan, step.spec->id, result.output, commit.output_json));
  if (result.confidence.has_value()) {
    absl::StrAppend(&extra, ",\"confidence\":", *result.confidence);
  }
  if (result.model.has_value()) {
    absl::StrAppend(&extra, ",\"model\":{\"name\":", JsonString(result.model->name),
                    ",\"sha256\":", JsonString(result.model->sha256), "}");
  }
  absl::StrAppend(&extra, ",\"duration_us\":", absl::ToInt64Microseconds(result.took),
                  UsageMember(result.usage));
  commit.records.push_back({step.spec->id, skipped ? "step.skipped" : "step.completed",
                            step.actor_label, RecordPayload(attempt, commit.params_json, extra)});
  ctx.AddFinished(step.spec->id, result.status, std::move(result.output), result.confidence);
  // The last step finishes the run in the same transaction: the context shows every other step
  // finished, and a finished step never un-finishes, so this cannot be wrong.
  if (ctx.finished.size() == plan.steps().size()) FinishRun(plan, ctx, commit);
}

void StepRunner::FailRun(const std::string& step_id, const std::string& error,
                         store::StepCommit& commit) {
  commit.resolution = StepResolution::kFailed;
  commit.error = error;
  commit.finish = store::RunFinish{store::RunStatus::kFailed, "", error};
  std::string failed = absl::StrCat("{\"error\":", JsonString(error));
  if (!commit.params_json.empty()) {
    absl::StrAppend(&failed, ",\"input_digest\":\"", common::Sha256Hex(commit.params_json), "\"");
  }
  failed.push_back('}');
  commit.records.push_back({step_id, "step.failed", "system", std::move(failed)});
  commit.records.push_back(
      {"", "run.failed", "system", absl::StrCat("{\"error\":", JsonString(error), "}")});
}

void StepRunner::FinishRun(const Plan& plan, RunContext& ctx, store::StepCommit& commit) {
  expr::Evaluator& evaluator = ThreadEvaluator();
  absl::Status env = evaluator.SetEnvironment(ctx.env);
  absl::StatusOr<Json> outputs =
      env.ok() ? plan.EvaluateOutputs(evaluator) : absl::StatusOr<Json>(env);
  if (!outputs.ok()) {
    std::string error =
        absl::StrCat("the run's outputs could not be evaluated: ", outputs.status().message());
    commit.finish = store::RunFinish{store::RunStatus::kFailed, "", error};
    commit.records.push_back(
        {"", "run.failed", "system", absl::StrCat("{\"error\":", JsonString(error), "}")});
    return;
  }
  std::string output_json = common::CanonicalJson(*outputs);
  if (commit.step_id == store::kEndStepId) commit.output_json = output_json;
  const std::string recorded =
      plan.personal().Covers("outputs")
          ? common::CanonicalJson(plan.personal().Redact("outputs", *outputs, digest_))
          : output_json;
  commit.records.push_back(
      {"", "run.completed", "system", absl::StrCat("{\"output\":", recorded, "}")});
  commit.finish = store::RunFinish{store::RunStatus::kCompleted, std::move(output_json), ""};
}

}  // namespace flowline::engine
