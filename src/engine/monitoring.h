// Drift monitoring of workflow versions (docs/drift.md): which features a version watches — the
// ones its `monitor:` block writes and, unless `defaults: false`, the ones derived from its spec —
// and a monitor::MonitorCatalog over an engine's plans, which the drift check (monitor/) reads.
//
// Derived features, in this order:
//   input.<field>        each top-level input field the input schema types as a number
//                        (numeric) or as a string with an `enum` (categorical)
//   <step>.confidence    every ai step's confidence
//   <step>.<output>      what the step's kind names (classify: its label; extract: amounts as
//                        numbers, currencies and organisations as categories)
//   straight_through     the gate's share of cases without a person (a workflow with a gate)
//   audit_accuracy       the audit sample's share without corrections (with an audit_rate)
// A written feature replaces a derived one of the same name; `ignore:` drops derived ones.
//
// Thread-safety: MonitorConfigFor is pure; PlanMonitorCatalog is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/engine.h"
#include "engine/plan.h"
#include "monitor/drift_check.h"
#include "monitor/monitor_spec.h"

namespace flowline::engine {

monitor::MonitorConfig MonitorConfigFor(const Plan& plan);

class PlanMonitorCatalog final : public monitor::MonitorCatalog {
 public:
  // `engine` must outlive the catalog.
  explicit PlanMonitorCatalog(Engine& engine) : engine_(engine) {}

  absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> ForVersion(
      const std::string& workflow, const std::string& version) override;
  absl::StatusOr<std::shared_ptr<const monitor::MonitorConfig>> ForWorkflow(
      const std::string& workflow) override;

 private:
  Engine& engine_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<const monitor::MonitorConfig>> configs_;  // by version
};

}  // namespace flowline::engine
