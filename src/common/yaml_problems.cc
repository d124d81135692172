#include "common/yaml_problems.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"

namespace flowline::common {

void YamlProblems::Add(const YAML::Mark& mark, std::string_view message) {
  lines_.push_back(
      absl::StrCat(Sv(file_), ":", mark.line + 1, ":", mark.column + 1, ": error: ", Sv(message)));
}

absl::Status YamlProblems::ToStatus() const {
  return absl::InvalidArgumentError(absl::StrJoin(lines_, "\n"));
}

bool CheckYamlMapping(const YAML::Node& node, std::string_view what,
                      const std::set<std::string>& allowed, YamlProblems& problems) {
  if (!node.IsMap()) {
    problems.Add(node.Mark(),
                 absl::StrCat(Sv(what), " must be a mapping of ", absl::StrJoin(allowed, ", ")));
    return false;
  }
  for (const auto& entry : node) {
    const std::string key = entry.first.Scalar();
    if (!allowed.contains(key)) {
      problems.Add(entry.first.Mark(),
                   absl::StrCat("unknown key '", key, "' in ", Sv(what),
                                "; it may have: ", absl::StrJoin(allowed, ", ")));
    }
  }
  return true;
}

std::optional<double> YamlNonNegativeNumber(const YAML::Node& node, std::string_view name,
                                            YamlProblems& problems) {
  double value = 0;
  if (!node.IsScalar() || !absl::SimpleAtod(node.Scalar(), &value) || value < 0) {
    problems.Add(node.Mark(), absl::StrCat(Sv(name), " must be a number of at least 0, e.g. ",
                                           Sv(name), ": 0.15"));
    return std::nullopt;
  }
  return value;
}

double YamlNonNegativeNumberOr0(const YAML::Node& map, const char* key, YamlProblems& problems) {
  const YAML::Node value = map[key];
  return value ? YamlNonNegativeNumber(value, key, problems).value_or(0) : 0;
}

absl::Status YamlSyntaxError(std::string_view file, const YAML::Exception& error) {
  return absl::InvalidArgumentError(absl::StrCat(Sv(file), ":", error.mark.line + 1, ":",
                                                 error.mark.column + 1, ": error: ", error.msg));
}

}  // namespace flowline::common
