#include "monitor/record_fold.h"

#include <algorithm>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_util.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "monitor/json_members.h"
#include "monitor/latency_histogram.h"
#include "monitor/measure_names.h"
#include "spdlog/spdlog.h"

namespace flowline::monitor {
namespace {

// A task opened with no reasons stated: a review step every case passes through.
constexpr char kNoReason[] = "review";

int64_t IntMember(const Json& object, const char* name, int64_t fallback) {
  if (!object.is_object()) return fallback;
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return fallback;
  return it->is_number_integer() ? it->get<int64_t>() : static_cast<int64_t>(it->get<double>());
}

std::string StringMember(const Json& object, const char* name) {
  if (!object.is_object()) return "";
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

double Seconds(absl::Duration d) { return std::max(0.0, absl::ToDoubleSeconds(d)); }

}  // namespace

struct MeasureFold::Key {
  int64_t granularity_s;
  int64_t start_us;
  std::string workflow;
  std::string version;
  std::string step;
  std::string measure;
  std::string label;
  bool operator==(const Key& other) const {
    return std::tie(granularity_s, start_us, workflow, version, step, measure, label) ==
           std::tie(other.granularity_s, other.start_us, other.workflow, other.version, other.step,
                    other.measure, other.label);
  }
};

struct MeasureFold::KeyHash {
  size_t operator()(const Key& key) const {
    return absl::HashOf(key.granularity_s, key.start_us, key.workflow, key.version, key.step,
                        key.measure, key.label);
  }
};

TaskFacts TaskFactsOf(const store::Task& task) {
  TaskFacts facts;
  facts.created_at = task.created_at;
  absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "a task payload");
  if (!payload.ok() || !payload->is_object()) return facts;
  if (auto audit = payload->find("audit_sample"); audit != payload->end() && audit->is_boolean()) {
    facts.audit_sample = audit->get<bool>();
  }
  if (auto routing = payload->find("routing"); routing != payload->end() && routing->is_array()) {
    for (const Json& reason : *routing) {
      std::string kind = StringMember(reason, "kind");
      if (!kind.empty()) facts.reasons.push_back(std::move(kind));
    }
  }
  std::sort(facts.reasons.begin(), facts.reasons.end());
  facts.reasons.erase(std::unique(facts.reasons.begin(), facts.reasons.end()), facts.reasons.end());
  return facts;
}

StoreFacts::StoreFacts(store::Store& store, size_t max_cached_runs)
    : store_(store), max_cached_runs_(std::max<size_t>(max_cached_runs, 1)) {}

absl::StatusOr<RunFacts> StoreFacts::Run(const std::string& run_id) {
  if (auto it = runs_.find(run_id); it != runs_.end()) return it->second;
  ASSIGN_OR_RETURN(store::Run run, store_.GetRun(run_id));
  // Records of a run cluster in time, so forgetting everything now and then costs little.
  if (runs_.size() >= max_cached_runs_) runs_.clear();
  RunFacts facts{run.workflow, run.version, run.created_at, run.mode == store::RunMode::kNormal};
  runs_.emplace(run_id, facts);
  return facts;
}

absl::StatusOr<TaskFacts> StoreFacts::Task(const std::string& task_id) {
  ASSIGN_OR_RETURN(store::Task task, store_.GetTask(task_id));
  return TaskFactsOf(task);
}

absl::StatusOr<bool> StoreFacts::HadPerson(const std::string& run_id) {
  store::TaskFilter filter;
  filter.run_id = run_id;
  filter.status = store::TaskStatus::kResolved;
  filter.limit = 1;
  ASSIGN_OR_RETURN(std::vector<store::Task> resolved, store_.ListTasks(filter));
  return !resolved.empty();
}

MeasureFold::MeasureFold(FactSource& facts)
    : facts_(facts), cells_(std::make_unique<absl::flat_hash_map<Key, Cell, KeyHash>>()) {}

MeasureFold::~MeasureFold() = default;

void MeasureFold::Count(const RunFacts& run, absl::Time at, const std::string& step,
                        const char* measure, const std::string& label, int64_t count, double sum) {
  for (int64_t granularity : kGranularities) {
    Cell& cell = (*cells_)[Key{granularity, absl::ToUnixMicros(BucketStart(at, granularity)),
                               run.workflow, run.version, step, measure, label}];
    cell.count += count;
    cell.sum += sum;
  }
}

void MeasureFold::Observe(const RunFacts& run, absl::Time at, const std::string& step,
                          const char* measure, double seconds) {
  Count(run, at, step, measure, BucketLabel(seconds), 1, seconds);
}

void MeasureFold::Skip(const store::Record& record, std::string_view why) {
  ++skipped_;
  spdlog::warn("measures: record {} ({} of run {}) is not counted: {}", record.seq, record.kind,
               record.run_id, why);
}

absl::Status MeasureFold::Add(const store::Record& record) {
  const std::string& kind = record.kind;
  const bool known = kind == "run.created" || absl::StartsWith(kind, "step.") ||
                     kind == "task.opened" || kind == "task.escalated" ||
                     kind == "task.first_decision" || kind == "task.resolved" ||
                     kind == "run.completed" || kind == "run.failed" || kind == "run.rejected";
  if (!known) return absl::OkStatus();
  absl::StatusOr<RunFacts> run = facts_.Run(record.run_id);
  if (absl::IsNotFound(run.status())) {
    Skip(record, "its run is not in the store");
    return absl::OkStatus();
  }
  RETURN_IF_ERROR(run.status());
  if (!run->business) return absl::OkStatus();  // a shadow copy is not a case of the business
  const int64_t skipped_before = skipped_;
  if (kind == "run.created") {
    Count(*run, record.at, "", measure::kRunsStarted, "", 1, 0);
  } else if (absl::StartsWith(kind, "step.")) {
    RETURN_IF_ERROR(AddStep(record, *run));
  } else if (kind == "task.opened") {
    RETURN_IF_ERROR(AddTaskOpened(record, *run));
  } else if (kind == "task.escalated") {
    Count(*run, record.at, "", measure::kTasksEscalated, "", 1, 0);
  } else if (kind == "task.first_decision" || kind == "task.resolved") {
    RETURN_IF_ERROR(AddDecision(record, *run));
  } else {
    RETURN_IF_ERROR(AddRunEnd(record, *run));
  }
  if (skipped_ == skipped_before) ++folded_;
  return absl::OkStatus();
}

absl::Status MeasureFold::AddStep(const store::Record& record, const RunFacts& run) {
  const char* counter = nullptr;
  if (record.kind == "step.completed") counter = measure::kStepsCompleted;
  if (record.kind == "step.skipped") counter = measure::kStepsSkipped;
  if (record.kind == "step.retry") counter = measure::kStepsRetried;
  if (record.kind == "step.failed") counter = measure::kStepsFailed;
  if (counter == nullptr) return absl::OkStatus();  // step.waiting: nothing to count
  Count(run, record.at, record.step_id, counter, "", 1, 0);
  const bool attempt = record.kind == "step.completed" || record.kind == "step.retry";
  const bool ai = absl::StartsWith(record.actor, "ai:");
  if (!attempt) return absl::OkStatus();

  absl::StatusOr<std::map<std::string_view, std::string_view>> members =
      FindMembers(record.payload_json, {"duration_us", "usage", "model"});
  if (!members.ok()) {
    Skip(record, std::string(members.status().message()));
    return absl::OkStatus();
  }
  if (record.kind == "step.completed") {
    int64_t duration_us = 0;
    if (auto it = members->find("duration_us");
        it != members->end() && absl::SimpleAtoi(Sv(it->second), &duration_us)) {
      Observe(run, record.at, record.step_id, measure::kStepLatency,
              static_cast<double>(duration_us) / 1e6);
    }
  }
  Json usage;
  if (auto it = members->find("usage"); it != members->end()) {
    absl::StatusOr<Json> parsed = common::ParseJson(it->second, "usage");
    if (parsed.ok() && parsed->is_object()) usage = *std::move(parsed);
  }
  if (!ai && usage.is_null()) return absl::OkStatus();
  std::string model = StringMember(usage, "model");
  if (model.empty()) {
    // The engine records an AI step's model as {"name", "sha256"}; a plain name works as well.
    if (auto it = members->find("model"); it != members->end()) {
      absl::StatusOr<Json> named = common::ParseJson(it->second, "model");
      if (named.ok() && named->is_string()) model = named->get<std::string>();
      if (named.ok() && named->is_object()) model = StringMember(*named, "name");
    }
  }
  if (model.empty()) model = record.actor;
  // Per step, and for the run as a whole: a workflow's cost over time then reads only run-level
  // rows (docs/measures.md).
  // An attempt that called nothing (an llm step answered from its cache, or switched off)
  // adds no row: a model with zero calls would show in every report.
  const int64_t calls = IntMember(usage, "calls", 1);
  for (const std::string& step : {record.step_id, std::string()}) {
    if (calls > 0) Count(run, record.at, step, measure::kModelCalls, model, calls, 0);
    if (const int64_t in = IntMember(usage, "input_tokens", 0); in > 0) {
      Count(run, record.at, step, measure::kInputTokens, model, in, 0);
    }
    if (const int64_t out = IntMember(usage, "output_tokens", 0); out > 0) {
      Count(run, record.at, step, measure::kOutputTokens, model, out, 0);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<TaskFacts>> MeasureFold::TaskOf(const store::Record& record,
                                                             Json& payload) {
  absl::StatusOr<Json> parsed = common::ParseJson(record.payload_json, record.kind);
  const std::string task_id = parsed.ok() ? StringMember(*parsed, "task_id") : "";
  if (task_id.empty()) {
    Skip(record, "its payload names no task_id");
    return std::nullopt;
  }
  payload = *std::move(parsed);
  absl::StatusOr<TaskFacts> task = facts_.Task(task_id);
  if (absl::IsNotFound(task.status())) {
    Skip(record, absl::StrCat("task ", task_id, " is not in the store"));
    return std::nullopt;
  }
  RETURN_IF_ERROR(task.status());
  return *std::move(task);
}

absl::Status MeasureFold::AddTaskOpened(const store::Record& record, const RunFacts& run) {
  Json payload;
  ASSIGN_OR_RETURN(std::optional<TaskFacts> task, TaskOf(record, payload));
  if (!task.has_value()) return absl::OkStatus();
  Count(run, record.at, "", measure::kTasksOpened, "", 1, 0);
  if (task->reasons.empty()) {
    Count(run, record.at, "", measure::kExceptions, kNoReason, 1, 0);
  }
  for (const std::string& reason : task->reasons) {
    Count(run, record.at, "", measure::kExceptions, reason, 1, 0);
  }
  return absl::OkStatus();
}

absl::Status MeasureFold::AddDecision(const store::Record& record, const RunFacts& run) {
  Json json;
  ASSIGN_OR_RETURN(std::optional<TaskFacts> task, TaskOf(record, json));
  if (!task.has_value()) return absl::OkStatus();
  const Json* payload = &json;
  const absl::Time at = record.at;

  // Working time: from the decider's claim; a decision made without one is counted apart.
  absl::Time claimed_at;
  std::string error;
  const std::string claimed = StringMember(*payload, "claimed_at");
  if (!claimed.empty() && absl::ParseTime(absl::RFC3339_full, claimed, &claimed_at, &error)) {
    Observe(run, at, "", measure::kWorking, Seconds(at - claimed_at));
  } else {
    Count(run, at, "", measure::kUnclaimed, "", 1, Seconds(at - task->created_at));
  }
  if (record.kind != "task.resolved") return absl::OkStatus();
  Observe(run, at, "", measure::kTurnaround, Seconds(at - task->created_at));

  const Json corrections = payload->value("corrections", Json());
  const bool reviewed_fields = corrections.is_object();
  const int64_t fields = IntMember(corrections, "fields", 0);
  const int64_t changed = std::clamp<int64_t>(IntMember(corrections, "changed", 0), 0, fields);
  if (reviewed_fields && fields > 0) {
    Count(run, at, "", measure::kFields, measure::kAll, fields, static_cast<double>(changed));
    if (task->audit_sample) {
      Count(run, at, "", measure::kFields, measure::kAudit, fields, static_cast<double>(changed));
    }
  }
  if (reviewed_fields || task->audit_sample) {
    const bool wrong = changed > 0 || StringMember(*payload, "decision") == "reject";
    Count(run, at, "", measure::kCases, measure::kAll, 1, wrong ? 1 : 0);
    if (task->audit_sample) Count(run, at, "", measure::kCases, measure::kAudit, 1, wrong ? 1 : 0);
  }
  return absl::OkStatus();
}

absl::Status MeasureFold::AddRunEnd(const store::Record& record, const RunFacts& run) {
  const double latency = Seconds(record.at - run.created_at);
  Observe(run, record.at, "", measure::kRunLatency, latency);
  if (record.kind == "run.failed") {
    Count(run, record.at, "", measure::kRunsFailed, "", 1, 0);
    return absl::OkStatus();
  }
  if (record.kind == "run.rejected") {
    Count(run, record.at, "", measure::kRunsRejected, "", 1, 0);
    return absl::OkStatus();
  }
  Count(run, record.at, "", measure::kRunsCompleted, "", 1, 0);
  ASSIGN_OR_RETURN(bool had_person, facts_.HadPerson(record.run_id));
  if (!had_person) {
    Count(run, record.at, "", measure::kRunsAutomated, "", 1, 0);
    Observe(run, record.at, "", measure::kAutomatedLatency, latency);
  }
  return absl::OkStatus();
}

std::vector<store::MeasureBucket> MeasureFold::TakeDeltas() {
  std::vector<store::MeasureBucket> deltas;
  deltas.reserve(cells_->size());
  for (auto& [key, cell] : *cells_) {
    store::MeasureBucket bucket;
    bucket.granularity_s = key.granularity_s;
    bucket.start = absl::FromUnixMicros(key.start_us);
    bucket.workflow = key.workflow;
    bucket.version = key.version;
    bucket.step = key.step;
    bucket.measure = key.measure;
    bucket.label = key.label;
    bucket.count = cell.count;
    bucket.sum = cell.sum;
    deltas.push_back(std::move(bucket));
  }
  cells_->clear();
  return deltas;
}

}  // namespace flowline::monitor
