#include "quality/reviewed_cases.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "quality/dataset.h"
#include "quality/dataset_internal.h"
#include "quality/dataset_store.h"

namespace flowline::quality {
namespace {

constexpr int kPage = 1000;

// What one resolved task's corrections say, gathered in seq order.
struct TaskCorrections {
  std::string task_id;
  std::string run_id;
  std::string version;
  std::string document_json;
  std::string by;
  std::vector<store::NewCorrection> fields;
};

// The label of a JSON value as the datasets keep labels: text as it is, numbers as JSON writes
// them; null is "not on the document".
std::optional<std::string> LabelOf(const std::string& value_json) {
  absl::StatusOr<Json> value = common::ParseJson(value_json, "a corrected value");
  if (!value.ok() || value->is_null()) return std::nullopt;
  if (value->is_string()) return value->get<std::string>();
  return value->dump();
}

bool IsAuditSample(const store::Task& task) {
  absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "a task payload");
  if (!payload.ok() || !payload->is_object()) return false;
  auto audit = payload->find("audit_sample");
  return audit != payload->end() && audit->is_boolean() && audit->get<bool>();
}

// The case of one task: the person's values as the labels, the document and the run's input as
// the input, and the AI's values and confidences kept beside the labels.
absl::StatusOr<store::NewDatasetCase> CaseOfTask(store::Store& store,
                                                 steps::ArtifactStore* artifacts,
                                                 const TaskCorrections& task,
                                                 std::vector<std::string>& warnings) {
  ASSIGN_OR_RETURN(store::Task stored, store.GetTask(task.task_id));
  ASSIGN_OR_RETURN(store::Run run, store.GetRun(task.run_id));
  const bool audit = IsAuditSample(stored);

  LabelledDocument doc;
  doc.id = task.task_id;
  doc.doc_type = "";
  doc.source = absl::StrCat(audit ? "audit:" : "review:", task.task_id);
  absl::StatusOr<Json> input = common::ParseJson(run.input_json, "a run's input");
  if (input.ok()) doc.input = *std::move(input);
  Json ai = Json::object();
  Json changed = Json::array();
  for (const store::NewCorrection& field : task.fields) {
    if (std::optional<std::string> label = LabelOf(field.human_value_json)) {
      doc.fields[field.field] = *label;
    }
    absl::StatusOr<Json> ai_value = common::ParseJson(field.ai_value_json, "an AI value");
    ai[field.field] = {{"value", ai_value.ok() ? *ai_value : Json()}};
    if (field.ai_confidence) ai[field.field]["confidence"] = *field.ai_confidence;
    if (field.changed) changed.push_back(field.field);
  }
  if (auto type = doc.fields.find("doc_type"); type != doc.fields.end()) {
    doc.doc_type = type->second;
  }
  if (!task.document_json.empty()) {
    absl::StatusOr<Json> document = common::ParseJson(task.document_json, "a document");
    const std::string file = document.ok() && document->is_object()
                                 ? document->value("file", std::string())
                                 : std::string();
    if (steps::IsArtifactKey(file) || internal::FileExists(file)) {
      doc.path = file;
    } else if (!file.empty()) {
      warnings.push_back(absl::StrCat("task ", task.task_id, ": its document ", file,
                                      " is no longer readable; the case keeps the run's input"));
    }
  }
  doc.slices["source"] = audit ? "audit" : "review";
  doc.slices["version"] = task.version;
  doc.slices["changed"] = changed.empty() ? "no" : "yes";
  AddStandardSlices(doc);

  ASSIGN_OR_RETURN(store::NewDatasetCase row, CaseOf(doc, InvoiceFieldSpecs(), artifacts));
  absl::StatusOr<Json> expected = common::ParseJson(row.expected_json, "a case");
  if (!expected.ok()) return expected.status();
  (*expected)["review"] = {{"decision", stored.decision},
                           {"by", task.by},
                           {"run", task.run_id},
                           {"ai", std::move(ai)},
                           {"changed", std::move(changed)}};
  row.expected_json = common::CanonicalJson(*expected);
  row.source_ref = task.run_id;
  return row;
}

absl::Status SyncWorkflow(store::Store& store, steps::ArtifactStore* artifacts, absl::Time now,
                          const std::string& workflow, ReviewedSync& sync) {
  const std::string name = ReviewedDatasetName(workflow);
  int64_t cursor = 0;
  absl::StatusOr<store::DatasetInfo> info = store.GetDataset(name);
  if (info.ok()) {
    cursor = info->feed_seq;
  } else if (!absl::IsNotFound(info.status())) {
    return info.status();
  }
  std::vector<TaskCorrections> tasks;  // in order of their first correction
  std::map<std::string, size_t> index;
  int64_t rows = 0;
  store::CorrectionFilter filter;
  filter.workflow = workflow;
  filter.after_seq = cursor;
  filter.limit = kPage;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<store::Correction> page, store.ListCorrections(filter));
    for (store::Correction& c : page) {
      auto [it, added] = index.try_emplace(c.task_id, tasks.size());
      if (added) {
        tasks.push_back({c.task_id, c.run_id, c.version, c.document_json, c.by, {}});
      }
      tasks[it->second].fields.push_back(std::move(c.value));
      ++rows;
      filter.after_seq = c.seq;
    }
    if (static_cast<int>(page.size()) < kPage) break;
  }
  if (tasks.empty()) return absl::OkStatus();

  store::DatasetAppend append;
  append.dataset.name = name;
  append.dataset.workflow = workflow;
  append.dataset.description =
      absl::StrCat("the corrections and audit verdicts of ", workflow, "'s reviewers");
  append.now = now;
  append.feed_from = cursor;
  append.feed_to = filter.after_seq;
  append.note = absl::StrCat(tasks.size(), " reviewed case(s), corrections ", cursor + 1, "..",
                             filter.after_seq);
  for (const TaskCorrections& task : tasks) {
    absl::StatusOr<store::NewDatasetCase> row = CaseOfTask(store, artifacts, task, sync.warnings);
    if (absl::IsNotFound(row.status())) {
      // Its task or run is gone (or its document's artifact): the correction cannot become a
      // case, and it must not hold back every later one.
      sync.warnings.push_back(absl::StrCat("task ", task.task_id, " of ", workflow,
                                           " is left out of ", name, ": ", row.status().message()));
      continue;
    }
    if (!row.ok()) return row.status();
    append.cases.push_back(*std::move(row));
  }
  absl::StatusOr<store::DatasetAppendResult> result = store.AppendDatasetCases(append);
  // Another fold moved the cursor first: it added these cases, so this one has nothing to do.
  if (absl::IsFailedPrecondition(result.status())) return absl::OkStatus();
  if (!result.ok()) return result.status();
  sync.corrections += rows;
  sync.cases += result->added + result->changed;
  if (result->created) {
    sync.versions.push_back(DatasetRefName(name, result->version.version));
  }
  return absl::OkStatus();
}

}  // namespace

std::string ReviewedDatasetName(const std::string& workflow) {
  return absl::StrCat(workflow, ".reviewed");
}

absl::StatusOr<ReviewedSync> SyncReviewedCases(store::Store& store, steps::ArtifactStore* artifacts,
                                               absl::Time now, const std::string& workflow) {
  ReviewedSync sync;
  std::vector<std::string> workflows;
  if (!workflow.empty()) {
    workflows.push_back(workflow);
  } else {
    ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> all, store.ListWorkflows());
    for (const store::WorkflowInfo& info : all) workflows.push_back(info.workflow);
  }
  for (const std::string& name : workflows) {
    RETURN_IF_ERROR(SyncWorkflow(store, artifacts, now, name, sync));
  }
  return sync;
}

}  // namespace flowline::quality
