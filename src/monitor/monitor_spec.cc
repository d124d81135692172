#include "monitor/monitor_spec.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flowline::monitor {
namespace {

bool ValidPath(const std::vector<std::string>& path) {
  for (const std::string& part : path) {
    if (part.empty()) return false;
  }
  return !path.empty();
}

}  // namespace

const FeatureSpec* MonitorConfig::Find(const std::string& name) const {
  for (const FeatureSpec& feature : features) {
    if (feature.name == name) return &feature;
  }
  return nullptr;
}

std::optional<FeatureSpec> ParseFeatureFrom(const std::string& from, std::string* error) {
  FeatureSpec feature;
  feature.from = from;
  if (from == "straight_through" || from == "audit_accuracy") {
    feature.source = from == "straight_through" ? FeatureSource::kStraightThrough
                                                : FeatureSource::kAuditAccuracy;
    feature.type = FeatureType::kRate;
    return feature;
  }
  std::vector<std::string> parts = absl::StrSplit(from, '.');
  auto fail = [&](const std::string& why) -> std::optional<FeatureSpec> {
    if (error != nullptr) *error = absl::StrCat("'", from, "' ", why);
    return std::nullopt;
  };
  if (parts.size() >= 2 && (parts[0] == "input" || parts[0] == "outputs")) {
    feature.source = parts[0] == "input" ? FeatureSource::kInput : FeatureSource::kRunOutput;
    feature.path.assign(parts.begin() + 1, parts.end());
    if (!ValidPath(feature.path)) return fail("has an empty part");
    return feature;
  }
  if (parts.size() >= 3 && parts[0] == "steps") {
    feature.step = parts[1];
    if (feature.step.empty()) return fail("names no step");
    if (parts[2] == "confidence" && parts.size() == 3) {
      feature.source = FeatureSource::kStepConfidence;
      feature.type = FeatureType::kConfidence;
      return feature;
    }
    if (parts[2] == "output" && parts.size() >= 4) {
      feature.source = FeatureSource::kStepOutput;
      feature.path.assign(parts.begin() + 3, parts.end());
      if (!ValidPath(feature.path)) return fail("has an empty part");
      return feature;
    }
    return fail("is neither a step's output field nor its confidence");
  }
  return fail("is not a place a monitored value can come from");
}

}  // namespace flowline::monitor
