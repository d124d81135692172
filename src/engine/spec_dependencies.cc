// Checks the dependency graph that `needs:` draws: every step named exists, ids are unique, and
// there is no cycle (a cycle would leave its steps waiting for each other forever).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "engine/internal/spec_phases.h"

namespace flowline::engine::internal {

namespace {

struct Edge {
  size_t to;
  Location location;  // the `needs:` entry, or the step for a default dependency
};

// Finds cycles by depth-first search: an edge to a step still on the stack closes one.
class CycleFinder {
 public:
  CycleFinder(const ParsedSpec& parsed, const std::vector<std::vector<Edge>>& edges,
              DiagnosticSink& sink)
      : parsed_(parsed), edges_(edges), sink_(sink), state_(edges.size(), kUnvisited) {}

  void Run() {
    for (size_t i = 0; i < edges_.size(); ++i) {
      if (state_[i] == kUnvisited) Visit(i);
    }
  }

 private:
  enum State { kUnvisited, kOnStack, kDone };

  void Visit(size_t step) {
    state_[step] = kOnStack;
    stack_.push_back(step);
    for (const Edge& edge : edges_[step]) {
      if (state_[edge.to] == kOnStack) {
        Report(edge.to);
      } else if (state_[edge.to] == kUnvisited) {
        Visit(edge.to);
      }
    }
    stack_.pop_back();
    state_[step] = kDone;
  }

  // The cycle is the stack from `start` to the top, which needs `start` again. It is reported
  // at the step written first, starting the chain there so that it reads in file order.
  void Report(size_t start) {
    std::vector<size_t> cycle(std::find(stack_.begin(), stack_.end(), start), stack_.end());
    std::rotate(cycle.begin(), std::min_element(cycle.begin(), cycle.end()), cycle.end());
    std::vector<std::string> names;
    for (size_t step : cycle) names.push_back(parsed_.spec.steps[step].id);
    names.push_back(names.front());
    size_t first = cycle.front();
    size_t next = cycle.size() > 1 ? cycle[1] : first;
    Location location = parsed_.spec.steps[first].location;
    for (const Edge& edge : edges_[first]) {
      if (edge.to == next) location = edge.location;
    }
    sink_.Add(location,
              absl::StrCat("dependency cycle: ", absl::StrJoin(names, " -> "),
                           " (each step needs the next, so none of them can start)"),
              "remove one of these dependencies from `needs:`");
  }

  const ParsedSpec& parsed_;
  const std::vector<std::vector<Edge>>& edges_;
  DiagnosticSink& sink_;
  std::vector<State> state_;
  std::vector<size_t> stack_;
};

}  // namespace

void CheckDependencies(const ParsedSpec& parsed, DiagnosticSink& sink) {
  const std::vector<StepSpec>& steps = parsed.spec.steps;
  std::map<std::string, size_t> index;
  std::vector<std::string> ids;
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].id.empty()) continue;
    auto [it, inserted] = index.emplace(steps[i].id, i);
    if (!inserted) {
      sink.Add(steps[i].location, absl::StrCat("duplicate step id '", steps[i].id, "'"),
               absl::StrCat("the first step '", steps[i].id, "' is on line ",
                            steps[it->second].location.line, "; give each step its own id"));
    } else {
      ids.push_back(steps[i].id);
    }
  }

  std::vector<std::vector<Edge>> edges(steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepSpec& step = steps[i];
    const StepSource& source = parsed.sources[i];
    for (size_t n = 0; n < step.needs.size(); ++n) {
      const std::string& need = step.needs[n];
      Location location = source.needs_written && n < source.need_locations.size()
                              ? source.need_locations[n]
                              : step.location;
      if (!step.id.empty() && need == step.id) {
        sink.Add(location, absl::StrCat("step '", step.id, "' needs itself"),
                 absl::StrCat("remove '", need, "' from its `needs:`"));
        continue;
      }
      auto it = index.find(need);
      if (it == index.end()) {
        std::string who =
            step.id.empty() ? absl::StrCat("step #", i + 1) : absl::StrCat("step '", step.id, "'");
        sink.Add(location, absl::StrCat(who, " needs unknown step '", need, "'"),
                 SuggestName(need, ids, "the steps are"));
        continue;
      }
      if (!step.id.empty() && index[step.id] == i) edges[i].push_back({it->second, location});
    }
  }
  CycleFinder(parsed, edges, sink).Run();
}

std::map<std::string, std::set<std::string>> TransitiveNeeds(const WorkflowSpec& spec) {
  std::map<std::string, std::vector<std::string>> direct;
  for (const StepSpec& step : spec.steps) {
    if (!step.id.empty()) direct.emplace(step.id, step.needs);
  }
  std::map<std::string, std::set<std::string>> result;
  for (const auto& [id, needs] : direct) {
    std::set<std::string>& reached = result[id];
    std::vector<std::string> pending(needs.begin(), needs.end());
    while (!pending.empty()) {
      std::string next = std::move(pending.back());
      pending.pop_back();
      if (!direct.contains(next) || !reached.insert(next).second) continue;
      const std::vector<std::string>& more = direct[next];
      pending.insert(pending.end(), more.begin(), more.end());
    }
  }
  return result;
}

}  // namespace flowline::engine::internal
