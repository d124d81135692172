// Where two JSON values differ, as leaf paths ("fields.total.normalized", "rows[0].n"): what a
// shadow comparison and a replay report (docs/releases.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json_util.h"

namespace flowline::lifecycle {

struct JsonDifference {
  std::string path;  // "" for the values themselves
  Json before;       // missing on that side: null
  Json after;
};

// Every leaf where `before` and `after` differ, in path order. Objects are compared member by
// member; arrays element by element when they have the same length, else as one leaf.
std::vector<JsonDifference> JsonDifferences(const Json& before, const Json& after);

// The leaves of `value` by path under `prefix` (objects are walked; arrays are leaves).
void JsonLeaves(const Json& value, const std::string& prefix, std::map<std::string, Json>& out);

}  // namespace flowline::lifecycle
