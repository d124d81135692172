#include "store/store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "common/ids.h"

namespace flowline::store {

const char* RunStatusName(RunStatus status) {
  switch (status) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kRejected:
      return "rejected";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* StepStatusName(StepStatus status) {
  switch (status) {
    case StepStatus::kPending:
      return "pending";
    case StepStatus::kReady:
      return "ready";
    case StepStatus::kRunning:
      return "running";
    case StepStatus::kWaiting:
      return "waiting";
    case StepStatus::kCompleted:
      return "completed";
    case StepStatus::kSkipped:
      return "skipped";
    case StepStatus::kFailed:
      return "failed";
    case StepStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* VersionStageName(VersionStage stage) {
  switch (stage) {
    case VersionStage::kDraft:
      return "draft";
    case VersionStage::kShadow:
      return "shadow";
    case VersionStage::kLive:
      return "live";
    case VersionStage::kRetired:
      return "retired";
  }
  return "unknown";
}

std::optional<VersionStage> ParseVersionStage(std::string_view name) {
  for (VersionStage stage :
       {VersionStage::kDraft, VersionStage::kShadow, VersionStage::kLive, VersionStage::kRetired}) {
    if (name == VersionStageName(stage)) return stage;
  }
  return std::nullopt;
}

const char* RunModeName(RunMode mode) {
  switch (mode) {
    case RunMode::kNormal:
      return "normal";
    case RunMode::kShadow:
      return "shadow";
    case RunMode::kReplay:
      return "replay";
    case RunMode::kEvaluation:
      return "evaluation";
  }
  return "unknown";
}

std::optional<RunMode> ParseRunMode(std::string_view name) {
  for (RunMode mode :
       {RunMode::kNormal, RunMode::kShadow, RunMode::kReplay, RunMode::kEvaluation}) {
    if (name == RunModeName(mode)) return mode;
  }
  return std::nullopt;
}

const char* TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kOpen:
      return "open";
    case TaskStatus::kClaimed:
      return "claimed";
    case TaskStatus::kResolved:
      return "resolved";
    case TaskStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

const char* AlertStatusName(AlertStatus status) {
  switch (status) {
    case AlertStatus::kOpen:
      return "open";
    case AlertStatus::kAcknowledged:
      return "acknowledged";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "unknown";
}

std::optional<AlertStatus> ParseAlertStatus(std::string_view name) {
  for (AlertStatus status :
       {AlertStatus::kOpen, AlertStatus::kAcknowledged, AlertStatus::kResolved}) {
    if (name == AlertStatusName(status)) return status;
  }
  return std::nullopt;
}

std::optional<RunStatus> ParseRunStatus(std::string_view name) {
  for (RunStatus status : {RunStatus::kRunning, RunStatus::kCompleted, RunStatus::kFailed,
                           RunStatus::kRejected, RunStatus::kCancelled}) {
    if (name == RunStatusName(status)) return status;
  }
  return std::nullopt;
}

std::optional<StepStatus> ParseStepStatus(std::string_view name) {
  for (StepStatus status : {StepStatus::kPending, StepStatus::kReady, StepStatus::kRunning,
                            StepStatus::kWaiting, StepStatus::kCompleted, StepStatus::kSkipped,
                            StepStatus::kFailed, StepStatus::kCancelled}) {
    if (name == StepStatusName(status)) return status;
  }
  return std::nullopt;
}

std::optional<TaskStatus> ParseTaskStatus(std::string_view name) {
  for (TaskStatus status :
       {TaskStatus::kOpen, TaskStatus::kClaimed, TaskStatus::kResolved, TaskStatus::kCancelled}) {
    if (name == TaskStatusName(status)) return status;
  }
  return std::nullopt;
}

bool IsTerminal(RunStatus status) { return status != RunStatus::kRunning; }

bool IsTerminal(StepStatus status) {
  switch (status) {
    case StepStatus::kCompleted:
    case StepStatus::kSkipped:
    case StepStatus::kFailed:
    case StepStatus::kCancelled:
      return true;
    case StepStatus::kPending:
    case StepStatus::kReady:
    case StepStatus::kRunning:
    case StepStatus::kWaiting:
      return false;
  }
  return false;
}

std::string DatasetContentHash(const std::vector<DatasetCase>& cases) {
  std::vector<const DatasetCase*> sorted;
  for (const DatasetCase& c : cases) sorted.push_back(&c);
  std::sort(sorted.begin(), sorted.end(), [](const DatasetCase* a, const DatasetCase* b) {
    return a->value.case_key < b->value.case_key;
  });
  // Each part is length-prefixed, so no two different cases hash the same text.
  std::string text;
  for (const DatasetCase* c : sorted) {
    for (const std::string* part :
         {&c->value.case_key, &c->value.input_json, &c->value.expected_json, &c->value.source,
          &c->value.slices_json}) {
      absl::StrAppend(&text, part->size(), ":", *part, ";");
    }
    text.push_back('\n');
  }
  return common::Sha256Hex(text);
}

}  // namespace flowline::store
