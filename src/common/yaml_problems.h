// Errors in hand-written YAML files (providers.yaml, the price table): every problem collected
// with its place, so one error lists them all as "file:line:column: error: message" lines —
// what is wrong, where, and how to fix it. Not thread-safe (one per parse).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "yaml-cpp/yaml.h"

namespace flowline::common {

class YamlProblems {
 public:
  explicit YamlProblems(std::string_view file) : file_(file) {}
  void Add(const YAML::Mark& mark, std::string_view message);
  bool empty() const { return lines_.empty(); }
  // InvalidArgument with one line per problem, in the order they were added.
  absl::Status ToStatus() const;

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// Checks that `node` is a mapping whose keys are all in `allowed`; adds a problem for it (not a
// mapping: false) and for each unknown key (naming the keys `what` may have).
bool CheckYamlMapping(const YAML::Node& node, std::string_view what,
                      const std::set<std::string>& allowed, YamlProblems& problems);

// A number of at least 0 (a price, a rate); nullopt and a problem ("NAME must be a number of at
// least 0, e.g. NAME: 0.15") otherwise.
std::optional<double> YamlNonNegativeNumber(const YAML::Node& node, std::string_view name,
                                            YamlProblems& problems);
// The number under `key` in the mapping `map` (YamlNonNegativeNumber); 0 when the key is absent,
// and 0 with the problem reported when its value is not such a number.
double YamlNonNegativeNumberOr0(const YAML::Node& map, const char* key, YamlProblems& problems);

// A YAML syntax error as "file:line:column: error: message" (InvalidArgument).
absl::Status YamlSyntaxError(std::string_view file, const YAML::Exception& error);

}  // namespace flowline::common
