#include "lifecycle/json_diff.h"

#include <set>

#include "absl/strings/str_cat.h"

namespace flowline::lifecycle {
namespace {

std::string Member(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : absl::StrCat(prefix, ".", key);
}

void Walk(const Json& before, const Json& after, const std::string& path,
          std::vector<JsonDifference>& out) {
  if (before == after) return;
  if (before.is_object() && after.is_object()) {
    std::set<std::string> keys;
    for (const auto& [key, value] : before.items()) keys.insert(key);
    for (const auto& [key, value] : after.items()) keys.insert(key);
    for (const std::string& key : keys) {
      const Json none;
      Walk(before.contains(key) ? before[key] : none, after.contains(key) ? after[key] : none,
           Member(path, key), out);
    }
    return;
  }
  if (before.is_array() && after.is_array() && before.size() == after.size()) {
    for (size_t i = 0; i < before.size(); ++i) {
      Walk(before[i], after[i], absl::StrCat(path, "[", i, "]"), out);
    }
    return;
  }
  out.push_back({path, before, after});
}

}  // namespace

std::vector<JsonDifference> JsonDifferences(const Json& before, const Json& after) {
  std::vector<JsonDifference> out;
  Walk(before, after, "", out);
  return out;
}

void JsonLeaves(const Json& value, const std::string& prefix, std::map<std::string, Json>& out) {
  if (value.is_object() && !value.empty()) {
    for (const auto& [key, member] : value.items()) JsonLeaves(member, Member(prefix, key), out);
    return;
  }
  out[prefix] = value;
}

}  // namespace flowline::lifecycle
