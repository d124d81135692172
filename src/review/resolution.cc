#include "review/resolution.h"

#include <cmath>
#include <cstdlib>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace flowline::review {
namespace {

const Json& Member(const Json& object, const char* name) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(name);
  return it == object.end() ? kNull : *it;
}

// The value of an AI field as people see it: the normalised form when there is one.
Json AiValue(const Json& field) {
  if (!field.is_object()) return field;
  const Json& normalized = Member(field, "normalized");
  if (!normalized.is_null()) return normalized;
  return Member(field, "value");
}

std::optional<double> AsNumber(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (!value.is_string()) return std::nullopt;
  const std::string& text = value.get_ref<const std::string&>();
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  double number = std::strtod(text.c_str(), &end);
  if (end == nullptr || *end != '\0') return std::nullopt;
  return number;
}

bool SameValue(const Json& a, const Json& b) {
  if (a.is_null() || b.is_null()) {
    auto empty = [](const Json& v) {
      return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty());
    };
    return empty(a) && empty(b);
  }
  std::optional<double> x = AsNumber(a);
  std::optional<double> y = AsNumber(b);
  if (x.has_value() && y.has_value()) return std::fabs(*x - *y) < 1e-9;
  auto text = [](const Json& v) {
    std::string s = v.is_string() ? v.get<std::string>() : common::CanonicalJson(v);
    return absl::AsciiStrToLower(absl::StripAsciiWhitespace(s));
  };
  return text(a) == text(b);
}

std::vector<std::string> Offered(const Json& payload) {
  std::vector<std::string> offered;
  const Json& decisions = Member(payload, "decisions");
  if (!decisions.is_array()) return offered;
  for (const Json& option : decisions) {
    if (option.is_string()) offered.push_back(option.get<std::string>());
  }
  return offered;
}

}  // namespace

std::vector<store::NewCorrection> Corrections(const Json& ai_fields, const Json& human_fields) {
  std::vector<store::NewCorrection> corrections;
  if (!ai_fields.is_object()) return corrections;
  for (const auto& [name, field] : ai_fields.items()) {
    store::NewCorrection correction;
    correction.field = name;
    const Json ai = AiValue(field);
    correction.ai_value_json = common::CanonicalJson(ai);
    const Json& confidence = Member(field, "confidence");
    if (confidence.is_number()) correction.ai_confidence = confidence.get<double>();
    const Json* human = &ai;
    if (human_fields.is_object()) {
      if (auto it = human_fields.find(name); it != human_fields.end()) human = &*it;
    }
    correction.human_value_json = common::CanonicalJson(*human);
    correction.changed = !SameValue(ai, *human);
    corrections.push_back(std::move(correction));
  }
  return corrections;
}

absl::StatusOr<ResolutionPlan> PlanResolution(const store::Task& task, const Decision& decision) {
  absl::StatusOr<Json> parsed = common::ParseJson(task.payload_json, "the task's payload");
  const Json payload = parsed.ok() ? *std::move(parsed) : Json::object();
  const std::vector<std::string> offered = Offered(payload);
  if (!offered.empty() &&
      std::find(offered.begin(), offered.end(), decision.decision) == offered.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", decision.decision,
                     "\" is not one of this task's decisions: ", absl::StrJoin(offered, ", ")));
  }
  const Json& human_fields = Member(decision.data, "fields");
  if (decision.decision == "correct" && (!human_fields.is_object() || human_fields.empty())) {
    return absl::InvalidArgumentError(
        "a correction needs the corrected values: {\"data\": {\"fields\": {\"name\": value}}}");
  }
  if (decision.decision == "reject" && decision.comment.empty()) {
    return absl::InvalidArgumentError("say why the case is rejected (a \"comment\")");
  }

  ResolutionPlan plan;
  plan.resolution = {{"decision", decision.decision},
                     {"by", decision.user},
                     {"comment", decision.comment},
                     {"data", decision.data.is_object() ? decision.data : Json::object()}};
  const bool deciding = decision.decision == "approve" || decision.decision == "correct";
  if (task.four_eyes && deciding) {
    plan.expected_first_by = task.first_by;
    if (task.first_by.empty() || decision.decision == "correct") {
      if (task.first_by == decision.user) {
        return absl::FailedPreconditionError(
            absl::StrCat("task ", task.task_id, " needs four eyes: ", decision.user,
                         " made its first decision, so a different person must make the second"));
      }
      plan.first_of_two = true;  // the first decision (or a new one, replacing it)
      return plan;
    }
    if (task.first_by == decision.user) {
      return absl::FailedPreconditionError(
          absl::StrCat("task ", task.task_id, " needs four eyes: ", decision.user,
                       " made its first decision, so a different person must approve it"));
    }
    // The second person approves: the first decision's values stand.
    absl::StatusOr<Json> first =
        common::ParseJson(task.first_decision_json, "the task's first decision");
    if (!first.ok()) return first.status();
    plan.resolution = *first;
    plan.resolution["approved_by"] = Json::array({task.first_by, decision.user});
    plan.resolution["by"] = decision.user;
  }
  if (decision.decision == "reject") return plan;
  const Json& data = Member(payload, "data");
  const Json& ai_fields = Member(data, "fields");
  if (!ai_fields.is_object() || ai_fields.empty()) return plan;
  plan.corrections = Corrections(ai_fields, Member(Member(plan.resolution, "data"), "fields"));
  const Json& step = Member(payload, "fields_step");
  plan.correction_step_id = step.is_string() ? step.get<std::string>() : "";
  const Json& document = Member(data, "document");
  plan.document_json = document.is_null() ? "" : common::CanonicalJson(document);
  return plan;
}

}  // namespace flowline::review
