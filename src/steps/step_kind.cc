#include "steps/step_kind.h"

#include <utility>

namespace flowline::steps {

const char* ActorName(Actor actor) {
  switch (actor) {
    case Actor::kAi:
      return "ai";
    case Actor::kSystem:
      return "system";
    case Actor::kHuman:
      return "human";
  }
  return "unknown";
}

std::optional<Actor> ParseActor(std::string_view name) {
  if (name == "ai") return Actor::kAi;
  if (name == "system") return Actor::kSystem;
  if (name == "human") return Actor::kHuman;
  return std::nullopt;
}

const char* ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kAny:
      return "any value";
    case ParamType::kString:
      return "a string";
    case ParamType::kNumber:
      return "a number";
    case ParamType::kInteger:
      return "an integer";
    case ParamType::kBoolean:
      return "true or false";
    case ParamType::kObject:
      return "a mapping";
    case ParamType::kArray:
      return "a list";
    case ParamType::kDuration:
      return "a duration such as 30s, 5m or 4h";
  }
  return "unknown";
}

const char* ErrorClassName(ErrorClass error_class) {
  switch (error_class) {
    case ErrorClass::kPermanent:
      return "permanent";
    case ErrorClass::kTransient:
      return "transient";
    case ErrorClass::kRateLimited:
      return "rate_limited";
    case ErrorClass::kTimeout:
      return "timeout";
  }
  return "unknown";
}

std::optional<ErrorClass> ParseErrorClass(std::string_view name) {
  if (name == "permanent") return ErrorClass::kPermanent;
  if (name == "transient") return ErrorClass::kTransient;
  if (name == "rate_limited") return ErrorClass::kRateLimited;
  if (name == "timeout") return ErrorClass::kTimeout;
  return std::nullopt;
}

StepOutcome StepOutcome::Completed(Json output, std::optional<double> confidence) {
  StepOutcome outcome;
  outcome.kind = Kind::kCompleted;
  outcome.output = std::move(output);
  outcome.confidence = confidence;
  return outcome;
}

StepOutcome StepOutcome::Failed(std::string error, ErrorClass error_class,
                                std::optional<absl::Duration> retry_after) {
  StepOutcome outcome;
  outcome.kind = Kind::kFailed;
  outcome.error = std::move(error);
  outcome.error_class = error_class;
  outcome.retry_after = retry_after;
  return outcome;
}

StepOutcome StepOutcome::WaitForTask(TaskRequest task) {
  StepOutcome outcome;
  outcome.kind = Kind::kWaitForTask;
  outcome.task = std::move(task);
  return outcome;
}

StepOutcome StepOutcome::WaitUntil(absl::Time wake_at) {
  StepOutcome outcome;
  outcome.kind = Kind::kWaitUntil;
  outcome.wake_at = wake_at;
  return outcome;
}

StepOutcome StepOutcome::Rejected(std::string reason, Json output) {
  StepOutcome outcome;
  outcome.kind = Kind::kRejected;
  outcome.error = std::move(reason);
  outcome.output = std::move(output);
  return outcome;
}

void StepKindRegistry::Register(std::unique_ptr<StepKind> kind) {
  kinds_.push_back(std::move(kind));
}

const StepKind* StepKindRegistry::Find(std::string_view name) const {
  for (const auto& kind : kinds_) {
    if (kind->Info().name == name) return kind.get();
  }
  return nullptr;
}

std::vector<const StepKind*> StepKindRegistry::List() const {
  std::vector<const StepKind*> out;
  out.reserve(kinds_.size());
  for (const auto& kind : kinds_) out.push_back(kind.get());
  return out;
}

}  // namespace flowline::steps
