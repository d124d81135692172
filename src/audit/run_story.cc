#include "audit/run_story.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/checkpoints.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "store/record_chain.h"

namespace flowline::audit {
namespace {

std::string Time(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", time, absl::UTCTimeZone());
}

Json TimeOrNull(const std::optional<absl::Time>& time) {
  return time.has_value() ? Json(Time(*time)) : Json(nullptr);
}

Json Parsed(const std::string& text) {
  if (text.empty()) return nullptr;
  absl::StatusOr<Json> parsed = common::ParseJson(text, "a stored value");
  return parsed.ok() ? *std::move(parsed) : Json(text);
}

Json OrNull(const std::string& text) { return text.empty() ? Json(nullptr) : Json(text); }

class Redactor {
 public:
  explicit Redactor(const RunStoryOptions& options) : options_(options) {}

  Json At(std::string_view root, Json value) const {
    if (!active()) return value;
    return options_.personal->Redact(root, std::move(value), *options_.digest);
  }
  Json Decision(const std::string& fields_step, Json data) const {
    if (!active()) return data;
    return options_.personal->RedactDecision(fields_step, std::move(data), *options_.digest);
  }
  bool FieldIsPersonal(const std::string& step, const std::string& field) const {
    return active() &&
           options_.personal->Touches(absl::StrCat("steps.", step, ".output"), {"fields", field});
  }
  Json Digest(const Json& value) const { return (*options_.digest)(value); }

 private:
  bool active() const {
    return options_.personal != nullptr && options_.digest != nullptr &&
           !options_.personal->empty();
  }
  const RunStoryOptions& options_;
};

Json RunPart(const store::Run& run, const Redactor& redact, bool personal_key) {
  Json key = OrNull(run.business_key);
  if (personal_key && !run.business_key.empty()) key = redact.Digest(Json(run.business_key));
  return Json{{"run_id", run.run_id},
              {"workflow", run.workflow},
              {"version", run.version},
              {"business_key", key},
              {"status", store::RunStatusName(run.status)},
              {"error", OrNull(run.error)},
              {"created_at", Time(run.created_at)},
              {"finished_at", TimeOrNull(run.finished_at)},
              {"input", redact.At("input", Parsed(run.input_json))},
              {"output", redact.At("outputs", Parsed(run.output_json))}};
}

Json StepPart(const store::StepState& step) {
  return Json{
      {"step_id", step.step_id},
      {"status", store::StepStatusName(step.status)},
      {"attempts", step.attempt},
      {"input_digest",
       step.params_json.empty() ? Json(nullptr) : Json(common::Sha256Hex(step.params_json))},
      {"confidence", step.confidence.has_value() ? Json(*step.confidence) : Json()},
      {"started_at", TimeOrNull(step.started_at)},
      {"finished_at", TimeOrNull(step.finished_at)},
      {"duration_ms", static_cast<double>(step.duration_us) / 1000.0},
      {"error", OrNull(step.error)},
      {"task_id", OrNull(step.task_id)}};
}

Json TaskPart(const store::Task& task, const Redactor& redact) {
  const Json payload = Parsed(task.payload_json);
  const std::string fields_step =
      payload.is_object() ? payload.value("fields_step", std::string()) : std::string();
  Json resolution = Parsed(task.resolution_json);
  if (resolution.is_object() && resolution.contains("data")) {
    resolution["data"] = redact.Decision(fields_step, resolution["data"]);
  }
  Json first = Parsed(task.first_decision_json);
  if (first.is_object() && first.contains("data")) {
    first["data"] = redact.Decision(fields_step, first["data"]);
  }
  return Json{{"task_id", task.task_id},
              {"step_id", task.step_id},
              {"queue", task.queue},
              {"title", task.title},
              {"status", store::TaskStatusName(task.status)},
              {"created_at", Time(task.created_at)},
              {"due_at", TimeOrNull(task.due_at)},
              {"escalated_at", TimeOrNull(task.escalated_at)},
              {"four_eyes", task.four_eyes},
              {"first_by", OrNull(task.first_by)},
              {"first_decision", first},
              {"resolved_by", OrNull(task.resolved_by)},
              {"resolved_at", TimeOrNull(task.resolved_at)},
              {"decision", OrNull(task.decision)},
              {"resolution", resolution}};
}

Json CorrectionPart(const store::Correction& correction, const Redactor& redact) {
  Json ai = Parsed(correction.value.ai_value_json);
  Json human = Parsed(correction.value.human_value_json);
  if (redact.FieldIsPersonal(correction.step_id, correction.value.field)) {
    if (!ai.is_null()) ai = redact.Digest(ai);
    if (!human.is_null()) human = redact.Digest(human);
  }
  return Json{
      {"field", correction.value.field},
      {"step_id", correction.step_id},
      {"task_id", correction.task_id},
      {"ai_value", ai},
      {"ai_confidence",
       correction.value.ai_confidence.has_value() ? Json(*correction.value.ai_confidence) : Json()},
      {"human_value", human},
      {"changed", correction.value.changed},
      {"by", correction.by},
      {"at", Time(correction.at)}};
}

absl::StatusOr<std::vector<store::Task>> AllTasks(store::Store& store, const std::string& run_id) {
  std::vector<store::Task> tasks;
  for (store::TaskStatus status : {store::TaskStatus::kOpen, store::TaskStatus::kClaimed,
                                   store::TaskStatus::kResolved, store::TaskStatus::kCancelled}) {
    store::TaskFilter filter;
    filter.run_id = run_id;
    filter.status = status;
    filter.limit = 10000;
    ASSIGN_OR_RETURN(std::vector<store::Task> some, store.ListTasks(filter));
    for (store::Task& task : some) tasks.push_back(std::move(task));
  }
  std::sort(tasks.begin(), tasks.end(),
            [](const store::Task& a, const store::Task& b) { return a.created_at < b.created_at; });
  return tasks;
}

// Whether the run's records are under a signed checkpoint, and whose.
absl::StatusOr<Json> SignedPart(store::Store& store, int64_t last_seq,
                                const RunStoryOptions& options) {
  ASSIGN_OR_RETURN(std::optional<store::Checkpoint> latest, store.LatestCheckpoint());
  if (!latest.has_value() || latest->seq < last_seq) {
    return Json{{"covered", false},
                {"note", "the last of these records is newer than the last signed checkpoint"}};
  }
  Json signed_part = {{"covered", true},
                      {"checkpoint", latest->id},
                      {"checkpoint_seq", latest->seq},
                      {"signed_at", Time(latest->signed_at)},
                      {"key_id", latest->key_id}};
  if (options.trusted_key != nullptr) {
    absl::Status valid = CheckSignature(*options.trusted_key, *latest);
    signed_part["signature_valid"] = valid.ok();
    if (!valid.ok()) signed_part["note"] = std::string(valid.message());
  } else {
    signed_part["signature_valid"] = nullptr;
  }
  return signed_part;
}

}  // namespace

absl::StatusOr<Json> RunStory(store::Store& store, const std::string& run_id,
                              const RunStoryOptions& options) {
  ASSIGN_OR_RETURN(store::RunDetail detail, store.GetRunDetail(run_id));
  ASSIGN_OR_RETURN(std::vector<store::Record> records, store.ListRecords(run_id));
  ASSIGN_OR_RETURN(std::vector<store::Task> tasks, AllTasks(store, run_id));
  store::CorrectionFilter corrections_filter;
  corrections_filter.run_id = run_id;
  corrections_filter.limit = 100000;
  ASSIGN_OR_RETURN(std::vector<store::Correction> corrections,
                   store.ListCorrections(corrections_filter));
  const Redactor redact(options);
  const bool personal_key =
      options.personal != nullptr && options.digest != nullptr && options.personal->Covers("key");

  Json story = {
      {"format", "flowline.run-story.v1"},
      {"run", RunPart(detail.run, redact, personal_key)},
      {"personal", options.personal != nullptr ? Json(options.personal->paths()) : Json::array()}};
  story["steps"] = Json::array();
  for (const store::StepState& step : detail.steps) story["steps"].push_back(StepPart(step));
  story["tasks"] = Json::array();
  for (const store::Task& task : tasks) story["tasks"].push_back(TaskPart(task, redact));
  story["corrections"] = Json::array();
  for (const store::Correction& correction : corrections) {
    story["corrections"].push_back(CorrectionPart(correction, redact));
  }
  story["records"] = Json::array();
  store::RecordHasher hasher;
  int64_t intact = 0;
  for (const store::Record& record : records) {
    const bool ok = hasher.Hash(record) == record.hash;
    intact += ok;
    story["records"].push_back(Json{{"seq", record.seq},
                                    {"at", Time(record.at)},
                                    {"kind", record.kind},
                                    {"step_id", OrNull(record.step_id)},
                                    {"actor", record.actor},
                                    {"version", record.version},
                                    {"payload", Parsed(record.payload_json)},
                                    {"prev_hash", store::HexBytes(record.prev_hash)},
                                    {"hash", store::HexBytes(record.hash)},
                                    {"hash_matches", ok}});
  }
  Json chain = {{"records", records.size()},
                {"records_matching_their_hash", intact},
                {"note",
                 "each record is checked against its own hash here; `flowline audit "
                 "verify` checks the links of the whole chain"}};
  ASSIGN_OR_RETURN(chain["signed"],
                   SignedPart(store, records.empty() ? 0 : records.back().seq, options));
  story["chain"] = std::move(chain);
  return story;
}

}  // namespace flowline::audit
