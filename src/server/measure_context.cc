#include "server/measure_context.h"

namespace flowline::server {

monitor::MeasuresContext MeasuresContextFor(engine::Engine& engine, const std::string& workflow,
                                            const monitor::PriceTable* prices) {
  monitor::MeasuresContext context;
  context.prices = prices;
  context.manual_minutes = [&engine,
                            workflow](const std::string& version) -> std::optional<double> {
    absl::StatusOr<std::shared_ptr<const engine::Plan>> plan = engine.GetPlan(workflow, version);
    if (!plan.ok() || (*plan)->spec().manual_minutes <= 0) return std::nullopt;
    return (*plan)->spec().manual_minutes;
  };
  // Steps are listed in the live version's plan order.
  if (absl::StatusOr<store::WorkflowInfo> info = engine.store().GetWorkflow(workflow); info.ok()) {
    absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
        engine.GetPlan(workflow, info->live_version);
    if (plan.ok()) {
      for (const engine::StepSpec& step : (*plan)->spec().steps) {
        context.step_order.push_back(step.id);
      }
    }
  }
  return context;
}

}  // namespace flowline::server
