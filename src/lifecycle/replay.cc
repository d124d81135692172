#include "lifecycle/replay.h"

#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "lifecycle/json_diff.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::lifecycle {
namespace {

// A replay that loops more often than this is waiting for something that never comes.
constexpr int kMaxRounds = 1000;

Json Parsed(const std::string& text) {
  if (text.empty()) return Json();
  absl::StatusOr<Json> parsed = common::ParseJson(text, "a stored value");
  return parsed.ok() ? *parsed : Json(text);
}

const store::StepState* FindStep(const store::RunDetail& detail, const std::string& step_id) {
  for (const store::StepState& step : detail.steps) {
    if (step.step_id == step_id) return &step;
  }
  return nullptr;
}

void Compare(const std::string& step, const std::string& what, const Json& recorded,
             const Json& replayed, std::vector<StepDifference>& out) {
  for (JsonDifference& d : JsonDifferences(recorded, replayed)) {
    out.push_back({step, what, std::move(d.path), std::move(d.before), std::move(d.after)});
  }
}

// Gives every task the scratch run waits on the recorded resolution of the same step.
absl::StatusOr<bool> ResolveFromRecord(store::Store& scratch, const store::RunDetail& recorded,
                                       const store::RunDetail& replaying, absl::Time now,
                                       std::vector<std::string>& from_record) {
  bool resolved = false;
  for (const store::StepState& step : replaying.steps) {
    if (step.status != store::StepStatus::kWaiting || step.task_id.empty()) continue;
    const store::StepState* original = FindStep(recorded, step.step_id);
    if (original == nullptr || original->resume_json.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "step ", step.step_id, " asks a person, and the recorded run has no decision of theirs ",
          "to replay (the original went another way, or was never decided)"));
    }
    const Json resume = Parsed(original->resume_json);
    store::TaskResolution resolution;
    resolution.task_id = step.task_id;
    resolution.user = resume.is_object() ? resume.value("by", std::string("replay")) : "replay";
    if (resolution.user.empty()) resolution.user = "replay";
    resolution.decision = resume.is_object() ? resume.value("decision", std::string()) : "";
    resolution.resolution_json = original->resume_json;
    resolution.now = now;
    RETURN_IF_ERROR(scratch.ResolveTask(resolution).status());
    from_record.push_back(step.step_id);
    resolved = true;
  }
  return resolved;
}

}  // namespace

absl::StatusOr<ReplayResult> ReplayRun(store::Store& store, const ReplayOptions& options,
                                       const std::string& run_id) {
  if (options.registry == nullptr) {
    return absl::InvalidArgumentError("a replay needs the step kinds (ReplayOptions::registry)");
  }
  ASSIGN_OR_RETURN(store::RunDetail recorded, store.GetRunDetail(run_id));
  if (!store::IsTerminal(recorded.run.status)) {
    return absl::FailedPreconditionError(absl::StrCat("run ", run_id, " is still ",
                                                      store::RunStatusName(recorded.run.status),
                                                      ": only a finished run can be replayed"));
  }
  ASSIGN_OR_RETURN(store::VersionInfo version,
                   store.GetVersion(recorded.run.workflow, recorded.run.version));
  ASSIGN_OR_RETURN(Json input, common::ParseJson(recorded.run.input_json, "the run's input"));

  common::TempDir dir;
  ASSIGN_OR_RETURN(
      std::unique_ptr<store::sqlite::SqliteStore> scratch,
      store::sqlite::SqliteStore::Open(store::sqlite::ScratchStoreOptions(dir.File("replay.db"))));
  common::FakeClock clock(recorded.run.created_at);
  common::SeededRandom random(1);
  ReplayResult result;
  result.run_id = run_id;
  result.workflow = recorded.run.workflow;
  result.version = recorded.run.version;
  result.recorded_status = store::RunStatusName(recorded.run.status);

  engine::EngineOptions engine_options;
  engine_options.workers = 0;
  engine_options.worker_id = "replay";
  engine_options.artifacts = options.artifacts;
  engine_options.personal_data_key = options.personal_data_key;
  std::map<std::string, Json> side_effects;
  engine_options.recorded_output = [&](const std::string& step_id) -> std::optional<Json> {
    const store::StepState* step = FindStep(recorded, step_id);
    if (step == nullptr || step->status != store::StepStatus::kCompleted) return std::nullopt;
    result.from_record.push_back(step_id);
    return Parsed(step->output_json);
  };
  engine::Engine engine(engine_options, *scratch, *options.registry, clock, random, options.http);
  ASSIGN_OR_RETURN(engine::DeployResult deployed,
                   engine.Deploy(version.spec_source, version.source_name));
  if (deployed.version != recorded.run.version) {
    return absl::FailedPreconditionError(
        absl::StrCat("version ", recorded.run.version, " of ", recorded.run.workflow,
                     " reads as version ", deployed.version,
                     " in this flowline: it cannot be replayed as it "
                     "ran (was the spec format changed?)"));
  }
  engine::StartRunRequest start{recorded.run.workflow, input, deployed.version,
                                store::RunMode::kReplay};
  ASSIGN_OR_RETURN(engine::StartRunResult started, engine.StartRun(start));

  store::RunDetail replayed;
  for (int round = 0;; ++round) {
    if (round >= kMaxRounds) {
      return absl::DeadlineExceededError(
          absl::StrCat("the replay of run ", run_id, " did not finish in ", kMaxRounds, " rounds"));
    }
    RETURN_IF_ERROR(engine.RunUntilIdle().status());
    ASSIGN_OR_RETURN(replayed, scratch->GetRunDetail(started.run_id));
    if (store::IsTerminal(replayed.run.status)) break;
    ASSIGN_OR_RETURN(bool resolved, ResolveFromRecord(*scratch, recorded, replayed, clock.Now(),
                                                      result.from_record));
    if (resolved) continue;
    // Waiting for a timer (or a retry): move the stopped clock to it.
    ASSIGN_OR_RETURN(std::optional<absl::Time> due, scratch->NextDueTime());
    if (!due.has_value()) {
      return absl::InternalError(
          absl::StrCat("the replay of run ", run_id, " stopped with nothing left to do"));
    }
    clock.Set(std::max(*due, clock.Now()));
  }

  result.replayed_status = store::RunStatusName(replayed.run.status);
  Compare("run", "status", result.recorded_status, result.replayed_status, result.differences);
  Compare("run", "output", Parsed(recorded.run.output_json), Parsed(replayed.run.output_json),
          result.differences);
  for (const store::StepState& step : recorded.steps) {
    if (step.step_id == store::kEndStepId) continue;
    const store::StepState* again = FindStep(replayed, step.step_id);
    if (again == nullptr) {
      result.differences.push_back(
          {step.step_id, "status", "", store::StepStatusName(step.status), "missing"});
      continue;
    }
    Compare(step.step_id, "status", store::StepStatusName(step.status),
            store::StepStatusName(again->status), result.differences);
    Compare(step.step_id, "params", Parsed(step.params_json), Parsed(again->params_json),
            result.differences);
    Compare(step.step_id, "output", Parsed(step.output_json), Parsed(again->output_json),
            result.differences);
  }
  return result;
}

absl::StatusOr<ConsistencyReport> ReplaySample(store::Store& store, const ReplayOptions& options,
                                               const ReplaySampleRequest& request) {
  if (request.sample <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--sample must be a positive number of runs, not ", request.sample));
  }
  store::RunFilter filter;
  filter.workflow = request.workflow;
  filter.mode = store::RunMode::kNormal;
  filter.finished_only = true;
  filter.created_from = request.since;
  filter.limit = request.sample;
  ASSIGN_OR_RETURN(std::vector<store::Run> runs, store.ListRuns(filter));
  ConsistencyReport report;
  for (const store::Run& run : runs) {
    absl::StatusOr<ReplayResult> replayed = ReplayRun(store, options, run.run_id);
    if (!replayed.ok()) {
      report.failed.emplace_back(run.run_id, std::string(replayed.status().message()));
      continue;
    }
    ++report.replayed;
    if (replayed->consistent()) {
      ++report.consistent;
    } else {
      report.inconsistent.push_back(*std::move(replayed));
    }
  }
  return report;
}

Json ReplayResultJson(const ReplayResult& result) {
  Json differences = Json::array();
  for (const StepDifference& d : result.differences) {
    differences.push_back({{"step", d.step},
                           {"what", d.what},
                           {"path", d.path},
                           {"recorded", d.recorded},
                           {"replayed", d.replayed}});
  }
  return Json{{"run_id", result.run_id},
              {"workflow", result.workflow},
              {"version", result.version},
              {"recorded_status", result.recorded_status},
              {"replayed_status", result.replayed_status},
              {"consistent", result.consistent()},
              {"from_record", result.from_record},
              {"differences", differences}};
}

Json ConsistencyReportJson(const ConsistencyReport& report) {
  Json inconsistent = Json::array();
  for (const ReplayResult& r : report.inconsistent) inconsistent.push_back(ReplayResultJson(r));
  Json failed = Json::array();
  for (const auto& [run_id, why] : report.failed) {
    failed.push_back({{"run_id", run_id}, {"error", why}});
  }
  return Json{{"replayed", report.replayed},
              {"consistent", report.consistent},
              {"consistency_rate", report.replayed > 0 ? Json(report.rate()) : Json()},
              {"inconsistent", inconsistent},
              {"failed", failed}};
}

}  // namespace flowline::lifecycle
