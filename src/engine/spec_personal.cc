// The workflow's `personal:` list: each path must start at one of the roots personal data can
// come from, and name a step the workflow has (audit/personal_data.h).
#include <string>
#include <vector>

#include "audit/personal_data.h"
#include "engine/internal/spec_phases.h"

namespace flowline::engine::internal {

void CheckPersonal(ParsedSpec& parsed, DiagnosticSink& sink) {
  std::vector<std::string> step_ids;
  for (const StepSpec& step : parsed.spec.steps) {
    if (!step.id.empty()) step_ids.push_back(step.id);
  }
  for (const auto& [path, location] : parsed.personal) {
    if (std::optional<audit::PathProblem> problem = audit::CheckPersonalPath(path, step_ids)) {
      sink.Add(location, problem->message, problem->hint);
      continue;
    }
    parsed.spec.personal.push_back(path);
  }
}

}  // namespace flowline::engine::internal
