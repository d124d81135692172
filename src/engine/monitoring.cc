#include "engine/monitoring.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace flowline::engine {
namespace {

monitor::FeatureSpec Derived(std::string name, std::string from, monitor::FeatureType type,
                             monitor::FeatureSource source, std::string step,
                             std::vector<std::string> path,
                             const monitor::DriftThresholds& thresholds) {
  monitor::FeatureSpec feature;
  feature.name = std::move(name);
  feature.from = std::move(from);
  feature.type = type;
  feature.source = source;
  feature.step = std::move(step);
  feature.path = std::move(path);
  feature.thresholds = thresholds;
  feature.derived = true;
  return feature;
}

void AddInputFeatures(const Json& schema, const monitor::DriftThresholds& thresholds,
                      std::vector<monitor::FeatureSpec>& out) {
  if (!schema.is_object()) return;
  auto properties = schema.find("properties");
  if (properties == schema.end() || !properties->is_object()) return;
  for (const auto& [name, property] : properties->items()) {
    if (!property.is_object()) continue;
    const std::string type = property.value("type", std::string());
    std::optional<monitor::FeatureType> feature_type;
    if (type == "number" || type == "integer") feature_type = monitor::FeatureType::kNumeric;
    if (type == "string" && property.contains("enum")) {
      feature_type = monitor::FeatureType::kCategorical;
    }
    if (!feature_type) continue;
    out.push_back(Derived(absl::StrCat("input.", name), absl::StrCat("input.", name), *feature_type,
                          monitor::FeatureSource::kInput, "", {name}, thresholds));
  }
}

}  // namespace

monitor::MonitorConfig MonitorConfigFor(const Plan& plan) {
  const WorkflowSpec& spec = plan.spec();
  monitor::MonitorConfig config;
  config.workflow = spec.name;
  config.version = spec.version;
  config.spec = spec.monitor;
  config.notify_url =
      spec.monitor.notify_url.empty() ? spec.exceptions.notify_url : spec.monitor.notify_url;
  for (const PlannedStep& step : plan.steps()) {
    if (plan.IsGate(step)) config.gate_step = step.spec->id;
  }
  const monitor::DriftThresholds& thresholds = spec.monitor.thresholds;
  std::vector<monitor::FeatureSpec> derived;
  AddInputFeatures(spec.input_schema, thresholds, derived);
  for (const PlannedStep& step : plan.steps()) {
    const std::string& id = step.spec->id;
    if (step.spec->actor == steps::Actor::kAi) {
      derived.push_back(Derived(absl::StrCat(id, ".confidence"),
                                absl::StrCat("steps.", id, ".confidence"),
                                monitor::FeatureType::kConfidence,
                                monitor::FeatureSource::kStepConfidence, id, {}, thresholds));
    }
    if (step.prepared == nullptr) continue;
    for (const steps::MonitoredOutput& output : step.prepared->MonitoredOutputs()) {
      derived.push_back(
          Derived(absl::StrCat(id, ".", output.name),
                  absl::StrCat("steps.", id, ".output.", absl::StrJoin(output.path, ".")),
                  output.kind == steps::MonitoredOutput::Kind::kNumeric
                      ? monitor::FeatureType::kNumeric
                      : monitor::FeatureType::kCategorical,
                  monitor::FeatureSource::kStepOutput, id, output.path, thresholds));
    }
  }
  if (!config.gate_step.empty()) {
    derived.push_back(Derived("straight_through", "straight_through", monitor::FeatureType::kRate,
                              monitor::FeatureSource::kStraightThrough, config.gate_step, {},
                              thresholds));
    if (spec.exceptions.audit_rate > 0) {
      monitor::FeatureSpec accuracy =
          Derived("audit_accuracy", "audit_accuracy", monitor::FeatureType::kRate,
                  monitor::FeatureSource::kAuditAccuracy, config.gate_step, {}, thresholds);
      accuracy.direction = monitor::Direction::kDrop;  // a better accuracy is no alarm
      derived.push_back(std::move(accuracy));
    }
  }
  if (spec.monitor.defaults) {
    for (monitor::FeatureSpec& feature : derived) {
      const bool ignored = std::find(spec.monitor.ignore.begin(), spec.monitor.ignore.end(),
                                     feature.name) != spec.monitor.ignore.end();
      const bool written =
          std::any_of(spec.monitor.features.begin(), spec.monitor.features.end(),
                      [&](const monitor::FeatureSpec& w) { return w.name == feature.name; });
      if (!ignored && !written) config.features.push_back(std::move(feature));
    }
  }
  for (monitor::FeatureSpec feature : spec.monitor.features) {
    if (feature.source == monitor::FeatureSource::kStraightThrough ||
        feature.source == monitor::FeatureSource::kAuditAccuracy) {
      feature.step = config.gate_step;
    }
    config.features.push_back(std::move(feature));
  }
  return config;
}

absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> PlanMonitorCatalog::ForVersion(
    const std::string& workflow, const std::string& version) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = configs_.find(version);
    if (it != configs_.end()) return it->second;
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Plan> plan, engine_.GetPlan(workflow, version));
  auto config = std::make_shared<const monitor::MonitorConfig>(MonitorConfigFor(*plan));
  std::lock_guard<std::mutex> lock(mu_);
  return configs_.emplace(version, std::move(config)).first->second;
}

absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> PlanMonitorCatalog::ForWorkflow(
    const std::string& workflow) {
  ASSIGN_OR_RETURN(store::WorkflowInfo info, engine_.store().GetWorkflow(workflow));
  return ForVersion(workflow, info.live_version);
}

}  // namespace flowline::engine
