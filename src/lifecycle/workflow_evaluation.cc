#include "lifecycle/workflow_evaluation.h"

#include <memory>
#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "quality/case_input.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::lifecycle {
namespace {

// A run is settled when it finished, or waits for a person with nothing else moving.
bool Settled(const store::RunDetail& detail) {
  if (detail.run.status != store::RunStatus::kRunning) return true;
  bool moving = false, person = false;
  for (const store::StepState& step : detail.steps) {
    if (step.status == store::StepStatus::kWaiting && !step.task_id.empty()) person = true;
    if (step.status == store::StepStatus::kReady || step.status == store::StepStatus::kRunning ||
        (step.status == store::StepStatus::kWaiting && step.task_id.empty())) {
      moving = true;
    }
  }
  return person && !moving;
}

void ReadFields(const Json& output, quality::DocumentResult& result) {
  if (!output.contains("fields") || !output["fields"].is_object()) return;
  for (const auto& [name, field] : output["fields"].items()) {
    if (!field.is_object() || field.value("free_text", Json(false)) == true) continue;
    quality::FieldResult value;
    if (field.contains("normalized") && field["normalized"].is_string()) {
      value.normalized = field["normalized"].get<std::string>();
    }
    // An llm step without a confidence method gives null: as sure as nothing.
    value.confidence = field.contains("confidence") && field["confidence"].is_number()
                           ? field["confidence"].get<double>()
                           : 0.0;
    if (field.contains("evidence") && field["evidence"].is_object()) {
      value.evidence = field["evidence"].value("text", std::string());
    }
    result.fields[name] = std::move(value);
  }
  result.line_items = quality::LineItemRowsOf(output);
}

// The model cost of a run: each AI step's calls and tokens at the prices of `at`.
double ModelCost(const std::vector<store::Record>& records, const monitor::PriceTable& prices,
                 absl::Time at) {
  double cost = 0;
  for (const store::Record& record : records) {
    if (record.kind != "step.completed" && record.kind != "step.retry") continue;
    if (!absl::StartsWith(record.actor, "ai:")) continue;
    absl::StatusOr<Json> payload = common::ParseJson(record.payload_json, "record");
    if (!payload.ok() || !payload->is_object()) continue;
    Json usage = payload->value("usage", Json::object());
    if (!usage.is_object()) usage = Json::object();
    std::string model = usage.value("model", std::string());
    if (model.empty() && payload->contains("model")) {
      const Json& named = (*payload)["model"];
      if (named.is_string()) model = named.get<std::string>();
      if (named.is_object()) model = named.value("name", std::string());
    }
    if (model.empty()) model = record.actor;
    const monitor::ModelPrice* price = prices.Model(model, at);
    if (price == nullptr) continue;
    cost += static_cast<double>(usage.value("calls", 1)) * price->per_call +
            usage.value("input_tokens", 0.0) / 1e6 * price->input_per_million_tokens +
            usage.value("output_tokens", 0.0) / 1e6 * price->output_per_million_tokens;
  }
  return cost;
}

}  // namespace

absl::StatusOr<WorkflowEvaluation> EvaluateWorkflow(const Environment& env,
                                                    std::string_view spec_text,
                                                    std::string_view source_name,
                                                    const quality::Dataset& dataset,
                                                    const WorkflowEvaluationOptions& options) {
  common::TempDir scratch;
  ASSIGN_OR_RETURN(std::unique_ptr<store::sqlite::SqliteStore> store,
                   store::sqlite::SqliteStore::Open(
                       store::sqlite::ScratchStoreOptions(scratch.path() + "/evaluation.db")));
  engine::EngineOptions engine_options;
  engine_options.workers = options.workers;
  engine_options.recover_leases_on_start = true;
  engine_options.artifacts = env.artifacts;
  engine::Engine engine(std::move(engine_options), *store, *env.registry, *env.clock, *env.random,
                        env.http);
  ASSIGN_OR_RETURN(engine::DeployResult deployed, engine.Deploy(spec_text, source_name));
  ASSIGN_OR_RETURN(std::shared_ptr<const engine::Plan> plan,
                   engine.GetPlan(deployed.workflow, deployed.version));
  WorkflowEvaluation evaluation;
  evaluation.workflow = deployed.workflow;
  evaluation.version = deployed.version;
  evaluation.step = options.step;
  // The scored step, unless named: the one whose fields the gate's people review, else the
  // first extract, else the first llm step.
  std::string gate_fields, first_extract, first_llm;
  for (const engine::PlannedStep& step : plan->steps()) {
    const std::string& kind = step.kind->Info().name;
    const Json& with = step.spec->with;
    if (gate_fields.empty() && kind == "review" && with.is_object() &&
        with.value("gate", Json(false)) == true && with.value("fields_step", Json()).is_string()) {
      gate_fields = with["fields_step"].get<std::string>();
    }
    if (first_extract.empty() && kind == "extract") first_extract = step.spec->id;
    if (first_llm.empty() && kind == "llm") first_llm = step.spec->id;
    if (evaluation.classify_step.empty() && kind == "classify") {
      evaluation.classify_step = step.spec->id;
    }
  }
  if (evaluation.step.empty()) {
    evaluation.step = !gate_fields.empty()     ? gate_fields
                      : !first_extract.empty() ? first_extract
                                               : first_llm;
  }
  if (evaluation.step.empty() || plan->Find(evaluation.step) == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat(Sv(source_name),
                     evaluation.step.empty() ? " has no extract or llm step"
                                             : absl::StrCat(" has no step '", evaluation.step, "'"),
                     ": name the step whose fields to score with --step"));
  }
  const double human_minutes =
      options.human_minutes >= 0 ? options.human_minutes : plan->spec().manual_minutes;
  if (options.prices != nullptr) evaluation.currency = options.prices->currency();

  RETURN_IF_ERROR(engine.Start());
  std::vector<std::string> run_ids;
  run_ids.reserve(dataset.documents.size());
  for (const quality::LabelledDocument& doc : dataset.documents) {
    // A case is a document (its file becomes the input) or the workflow's JSON input itself.
    absl::StatusOr<Json> input =
        doc.input.is_null() ? quality::CaseInput(doc.path) : absl::StatusOr<Json>(doc.input);
    if (!input.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("case ", doc.id, ": ", input.status().message()));
    }
    // Two cases with the same business key (the same file twice) share one run.
    // An evaluation run: side effects (and reads of outside systems) suppressed.
    absl::StatusOr<engine::StartRunResult> started =
        engine.StartRun({deployed.workflow, *std::move(input), "", store::RunMode::kEvaluation});
    if (!started.ok()) {
      return absl::Status(started.status().code(),
                          absl::StrCat("case ", doc.id, ": ", started.status().message()));
    }
    run_ids.push_back(started->run_id);
  }

  // Wait until every run has finished or waits for a person. The engine's workers do the work;
  // this thread only looks, and looks again only at the runs still moving.
  // Runs are claimed roughly in the order they were started, so looking at them in that order
  // and stopping at the first one still moving costs one read per run and poll.
  std::vector<std::optional<store::RunDetail>> settled(run_ids.size());
  size_t done = 0;
  while (done < run_ids.size()) {
    const size_t before = done;
    while (done < run_ids.size()) {
      ASSIGN_OR_RETURN(store::RunDetail detail, store->GetRunDetail(run_ids[done]));
      if (!Settled(detail)) break;
      settled[done++] = std::move(detail);
    }
    if (options.progress)
      options.progress(static_cast<int>(done), static_cast<int>(run_ids.size()));
    if (done == before) absl::SleepFor(absl::Milliseconds(20));
  }
  engine.Stop();

  for (size_t i = 0; i < run_ids.size(); ++i) {
    const store::RunDetail& detail = *settled[i];
    quality::DocumentResult result;
    result.id = dataset.documents[i].id;
    bool person = false;
    double seconds = 0;
    for (const store::StepState& step : detail.steps) {
      if (step.step_id == store::kEndStepId) continue;
      person |= !step.task_id.empty();
      seconds += static_cast<double>(step.duration_us) / 1e6;
      if (step.duration_us > 0 || step.status == store::StepStatus::kCompleted) {
        result.step_seconds[step.step_id] = static_cast<double>(step.duration_us) / 1e6;
      }
      const bool scored = step.step_id == evaluation.step;
      const bool classified = step.step_id == evaluation.classify_step;
      if (!scored && !classified) continue;
      if (step.status == store::StepStatus::kCompleted) {
        absl::StatusOr<Json> output = common::ParseJson(step.output_json, "step output");
        if (!output.ok()) continue;
        if (scored) ReadFields(*output, result);
        if (classified && (*output)["label"].is_string()) {
          result.label = (*output)["label"].get<std::string>();
          result.label_confidence = output->value("confidence", 0.0);
        }
      } else if (scored) {
        result.error = step.status == store::StepStatus::kSkipped
                           ? absl::StrCat("step ", evaluation.step, " was skipped")
                           : absl::StrCat("step ", evaluation.step, ": ",
                                          step.error.empty() ? detail.run.error : step.error);
      }
    }
    result.seconds = seconds;
    const bool straight = detail.run.status == store::RunStatus::kCompleted && !person;
    result.straight_through = straight;
    if (straight) {
      ++evaluation.straight_through;
    } else if (detail.run.status == store::RunStatus::kRunning) {
      ++evaluation.waiting;
      store::TaskFilter filter;
      filter.run_id = run_ids[i];
      ASSIGN_OR_RETURN(std::vector<store::Task> tasks, store->ListTasks(filter));
      for (const store::Task& task : tasks) {
        absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "task payload");
        if (!payload.ok()) continue;
        for (const Json& reason : payload->value("reasons", Json::array())) {
          if (reason.is_string()) result.reasons.push_back(reason.get<std::string>());
        }
      }
    } else if (detail.run.status == store::RunStatus::kFailed ||
               detail.run.status == store::RunStatus::kRejected) {
      ++evaluation.failed;
      if (result.error.empty()) result.error = absl::StrCat("run: ", detail.run.error);
    }
    if (options.confirmations) {
      // The gate's routing decision lists every field it judged, with "confirmed" when a
      // `confirmed_by:` expression held.
      ASSIGN_OR_RETURN(std::vector<store::Record> records, store->ListRecords(run_ids[i]));
      for (const store::Record& record : records) {
        if (record.kind != "routing.decided") continue;
        absl::StatusOr<Json> payload = common::ParseJson(record.payload_json, "routing record");
        if (!payload.ok()) continue;
        for (const Json& rule : payload->value("evaluated", Json::array())) {
          if (rule.value("kind", "") != "low_confidence" ||
              rule.value("step", "") != evaluation.step ||
              !rule.value("values", Json::object()).value("confirmed", false)) {
            continue;
          }
          auto field = result.fields.find(rule.value("name", ""));
          if (field != result.fields.end()) field->second.confirmed = true;
        }
      }
    }
    if (options.prices != nullptr) {
      ASSIGN_OR_RETURN(std::vector<store::Record> records, store->ListRecords(run_ids[i]));
      double cost = ModelCost(records, *options.prices, detail.run.created_at);
      if (!straight) {
        if (std::optional<double> rate = options.prices->HourlyRate(detail.run.created_at)) {
          cost += human_minutes / 60.0 * *rate;
        }
      }
      result.cost = cost;
    }
    evaluation.results.push_back(std::move(result));
  }
  return evaluation;
}

}  // namespace flowline::lifecycle
