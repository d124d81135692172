#include "engine/run_context.h"

#include "common/status_macros.h"

namespace flowline::engine {
namespace {

Json RunInfo(const std::string& id, const std::string& key, const std::string& workflow,
             const std::string& version) {
  return Json{{"id", id}, {"key", key}, {"workflow", workflow}, {"version", version}};
}

}  // namespace

absl::StatusOr<RunContext> RunContext::FromDetail(const store::RunDetail& detail) {
  RunContext ctx;
  const store::Run& run = detail.run;
  ctx.run_id = run.run_id;
  ctx.workflow = run.workflow;
  ctx.version = run.version;
  ctx.business_key = run.business_key;
  ctx.mode = run.mode;
  ASSIGN_OR_RETURN(Json input, common::ParseJson(run.input_json, "the run's stored input"));
  ctx.env = Json{{"input", std::move(input)},
                 {"run", RunInfo(run.run_id, run.business_key, run.workflow, run.version)},
                 {"steps", Json::object()}};
  for (const store::StepState& step : detail.steps) {
    if (step.status != store::StepStatus::kCompleted &&
        step.status != store::StepStatus::kSkipped) {
      continue;
    }
    Json output = Json::object();
    if (!step.output_json.empty()) {
      ASSIGN_OR_RETURN(output, common::ParseJson(step.output_json, "a stored step output"));
    }
    ctx.AddFinished(step.step_id, step.status, std::move(output), step.confidence);
  }
  return ctx;
}

RunContext RunContext::ForNewRun(const store::NewRun& run, Json input) {
  RunContext ctx;
  ctx.run_id = run.run_id;
  ctx.workflow = run.workflow;
  ctx.version = run.version;
  ctx.business_key = run.business_key;
  ctx.mode = run.mode;
  ctx.env = Json{{"input", std::move(input)},
                 {"run", RunInfo(run.run_id, run.business_key, run.workflow, run.version)},
                 {"steps", Json::object()}};
  return ctx;
}

void RunContext::AddFinished(const std::string& step_id, store::StepStatus status, Json output,
                             std::optional<double> confidence) {
  bool skipped = status == store::StepStatus::kSkipped;
  Json entry = {{"status", store::StepStatusName(status)},
                {"skipped", skipped},
                {"output", std::move(output)}};
  if (confidence.has_value()) entry["confidence"] = *confidence;
  env["steps"][step_id] = std::move(entry);
  finished.insert(step_id);
}

}  // namespace flowline::engine
