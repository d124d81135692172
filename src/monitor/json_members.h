// Reading a few top-level members of a large JSON object without parsing the rest.
//
// A step.completed record carries the step's whole output (a document's text, every extracted
// field); the rollup needs two or three small members of it. Skipping over a value (matching
// brackets, stepping over strings) is several times faster than building it as a JSON value.
#pragma once

#include <initializer_list>
#include <map>
#include <string_view>

#include "absl/status/statusor.h"

namespace flowline::monitor {

// The raw JSON text of each member of the object `text` whose name is in `wanted` (names are
// compared as written, without unescaping), keyed by that name. Members not present are absent.
// InvalidArgument if `text` is not a JSON object, or is malformed at the level scanned (a value
// that is skipped is only checked for balanced brackets and terminated strings).
absl::StatusOr<std::map<std::string_view, std::string_view>> FindMembers(
    std::string_view text, std::initializer_list<std::string_view> wanted);

}  // namespace flowline::monitor
