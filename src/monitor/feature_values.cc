#include "monitor/feature_values.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::monitor {
namespace {

const Json* Walk(const Json* value, const std::vector<std::string>& path) {
  for (const std::string& part : path) {
    if (value == nullptr) return nullptr;
    if (value->is_object()) {
      auto it = value->find(part);
      value = it == value->end() ? nullptr : &*it;
    } else if (value->is_array()) {
      size_t index = 0;
      if (!absl::SimpleAtoi(Sv(part), &index) || index >= value->size()) return nullptr;
      value = &(*value)[index];
    } else {
      return nullptr;
    }
  }
  return value;
}

std::optional<double> NumberOf(const Json& value) {
  if (value.is_number()) return value.get<double>();
  if (value.is_boolean()) return value.get<bool>() ? 1.0 : 0.0;
  if (value.is_string()) {
    // Extracted amounts are normalised text ("1234.50").
    double number = 0;
    if (absl::SimpleAtod(Sv(value.get_ref<const std::string&>()), &number) &&
        std::isfinite(number)) {
      return number;
    }
  }
  return std::nullopt;
}

std::optional<std::string> CategoryOf(const Json& value) {
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.empty()) return std::nullopt;
    return text;
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_integer()) return absl::StrCat(value.get<int64_t>());
  if (value.is_number()) return absl::StrCat(value.get<double>());
  return std::nullopt;
}

std::optional<double> RateOf(const Json& value) {
  if (value.is_boolean()) return value.get<bool>() ? 1.0 : 0.0;
  if (value.is_number()) return value.get<double>() != 0 ? 1.0 : 0.0;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text == "true") return 1.0;
    if (text == "false") return 0.0;
  }
  return std::nullopt;
}

FeatureValue Number(const FeatureSpec& feature, double number) {
  FeatureValue value;
  value.feature = &feature;
  value.number = number;
  return value;
}

// The audit sample's verdict from the gate's resolved task: nullopt unless the case went to a
// person only because it was drawn for the audit.
std::optional<double> AuditVerdict(const Json& resolution, const store::Task& task) {
  absl::StatusOr<Json> payload = common::ParseJson(task.payload_json, "a task's payload");
  if (!payload.ok() || !payload->is_object()) return std::nullopt;
  const Json routing = payload->value("routing", Json::array());
  if (!routing.is_array() || routing.empty()) return std::nullopt;
  for (const Json& reason : routing) {
    if (!reason.is_object() || reason.value("kind", std::string()) != "audit_sample") {
      return std::nullopt;
    }
  }
  const std::string decision = resolution.value("decision", std::string());
  const Json corrections = resolution.value("corrections", Json::object());
  const int64_t changed = corrections.is_object() ? corrections.value("changed", int64_t{0}) : 0;
  return decision != "reject" && changed == 0 ? 1.0 : 0.0;
}

bool IsGateRate(const FeatureSpec& feature) {
  return feature.source == FeatureSource::kStraightThrough ||
         feature.source == FeatureSource::kAuditAccuracy;
}

// Whether a feature reads `step`'s completion record (the gate's rates read the gate's).
bool ReadsStep(const MonitorConfig& config, const FeatureSpec& feature, const std::string& step) {
  if (IsGateRate(feature))
    return feature.source == FeatureSource::kStraightThrough && !step.empty() &&
           step == config.gate_step;
  return feature.step == step && (feature.source == FeatureSource::kStepOutput ||
                                  feature.source == FeatureSource::kStepConfidence);
}

// The values of the features reading `source` from the JSON `text` (parsed once, and only if a
// feature needs it), their paths under `root` inside it.
void AddFromDocument(const MonitorConfig& config, FeatureSource source, const std::string& text,
                     const std::vector<std::string>& root, std::vector<FeatureValue>& out) {
  std::optional<Json> document;
  for (const FeatureSpec& feature : config.features) {
    if (feature.source != source) continue;
    if (!document.has_value()) {
      absl::StatusOr<Json> parsed = common::ParseJson(text, "a record");
      if (!parsed.ok()) return;
      document = *std::move(parsed);
    }
    out.push_back(ConvertValue(feature, Walk(Walk(&*document, root), feature.path)));
  }
}

}  // namespace

const std::vector<std::string>& MonitoredRecordKinds() {
  static const std::vector<std::string> kKinds = {"run.created", "step.completed", "task.opened",
                                                  "task.resolved", "run.completed"};
  return kKinds;
}

FeatureValue ConvertValue(const FeatureSpec& feature, const Json* json) {
  FeatureValue value;
  value.feature = &feature;
  value.missing = true;
  if (json == nullptr || json->is_null()) return value;
  switch (feature.type) {
    case FeatureType::kNumeric:
    case FeatureType::kConfidence:
      if (std::optional<double> number = NumberOf(*json)) {
        value.number = *number;
        value.missing = false;
      }
      break;
    case FeatureType::kRate:
      if (std::optional<double> rate = RateOf(*json)) {
        value.number = *rate;
        value.missing = false;
      }
      break;
    case FeatureType::kCategorical:
      if (std::optional<std::string> category = CategoryOf(*json)) {
        value.category = *std::move(category);
        value.missing = false;
      }
      break;
  }
  return value;
}

void AddValue(const FeatureValue& value, FeatureHistogram& histogram) {
  if (value.missing) {
    histogram.AddMissing();
  } else if (histogram.type() == FeatureType::kCategorical) {
    histogram.AddCategory(value.category);
  } else {
    histogram.AddNumber(value.number);
  }
}

absl::Status ValuesOfRecord(const MonitorConfig& config, const store::FeedRecord& fed,
                            const TaskLookup& lookup, std::vector<FeatureValue>& out) {
  const store::Record& record = fed.record;
  const std::string& kind = record.kind;
  const std::string& step = record.step_id;

  if (kind == "run.created") {
    AddFromDocument(config, FeatureSource::kInput, fed.run_input_json, {}, out);
    return absl::OkStatus();
  }

  const bool at_gate = !step.empty() && step == config.gate_step;
  if (kind == "task.opened") {
    if (!at_gate) return absl::OkStatus();
    for (const FeatureSpec& feature : config.features) {
      if (feature.source == FeatureSource::kStraightThrough) out.push_back(Number(feature, 0));
    }
    return absl::OkStatus();
  }

  if (kind == "task.resolved") {
    // The engine writes task.resolved without a step: the task says which step it belongs to.
    if (config.gate_step.empty()) return absl::OkStatus();
    const FeatureSpec* audit = nullptr;
    for (const FeatureSpec& feature : config.features) {
      if (feature.source == FeatureSource::kAuditAccuracy) audit = &feature;
    }
    if (audit == nullptr) return absl::OkStatus();
    absl::StatusOr<Json> payload = common::ParseJson(record.payload_json, "a record");
    if (!payload.ok() || !payload->is_object()) return absl::OkStatus();
    const std::string task_id = payload->value("task_id", std::string());
    if (task_id.empty()) return absl::OkStatus();
    absl::StatusOr<store::Task> task = lookup(task_id);
    if (absl::IsNotFound(task.status())) return absl::OkStatus();
    if (!task.ok()) return task.status();
    if (task->step_id != config.gate_step) return absl::OkStatus();
    if (std::optional<double> verdict = AuditVerdict(*payload, *task)) {
      out.push_back(Number(*audit, *verdict));
    }
    return absl::OkStatus();
  }

  if (kind == "step.completed") {
    bool wanted = false;
    bool output_wanted = false;
    for (const FeatureSpec& feature : config.features) {
      if (!ReadsStep(config, feature, step)) continue;
      wanted = true;
      output_wanted |= feature.source != FeatureSource::kStepConfidence;
    }
    if (!wanted) return absl::OkStatus();
    // A document's read output is large and only its confidence may be wanted: build the output
    // only when a feature reads from it.
    absl::StatusOr<Json> payload =
        output_wanted ? common::ParseJson(record.payload_json, "a record")
                      : common::ParseJson(record.payload_json, "a record", "output");
    if (!payload.ok() || !payload->is_object()) return absl::OkStatus();
    const Json* output = Walk(&*payload, {"output"});
    for (const FeatureSpec& feature : config.features) {
      if (!ReadsStep(config, feature, step)) continue;
      switch (feature.source) {
        case FeatureSource::kStepOutput:
          out.push_back(ConvertValue(feature, Walk(output, feature.path)));
          break;
        case FeatureSource::kStepConfidence:
          out.push_back(ConvertValue(feature, Walk(&*payload, {"confidence"})));
          break;
        case FeatureSource::kStraightThrough: {
          // The gate's completion after a person decided is not a straight-through case: that
          // case counted 0 when its task opened.
          const Json* decision = Walk(output, {"decision"});
          if (decision != nullptr && decision->is_string() && *decision == "auto") {
            out.push_back(Number(feature, 1));
          }
          break;
        }
        default:
          break;
      }
    }
    return absl::OkStatus();
  }

  if (kind == "run.completed") {
    AddFromDocument(config, FeatureSource::kRunOutput, record.payload_json, {"output"}, out);
  }
  return absl::OkStatus();
}

}  // namespace flowline::monitor
