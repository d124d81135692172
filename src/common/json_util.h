// JSON helpers over nlohmann::json: parsing into a Status instead of an exception.
//
// nlohmann::json is heavy to compile; include this header only in .cc files and in headers whose
// interface really carries JSON values.
#pragma once

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace flowline {

using Json = nlohmann::json;

namespace common {

// Parses `text`. On a syntax error returns InvalidArgument naming `what` (e.g. "request body"),
// the line and column, and what the parser expected.
absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what);
// The same, leaving out the top-level object's member named `skip`: it is still read (so the
// text must be valid) but never built, which spares the allocations when only a few small
// members of a large document are wanted.
absl::StatusOr<Json> ParseJson(std::string_view text, std::string_view what, std::string_view skip);

// Compact serialisation with sorted keys (nlohmann objects are ordered maps): equal values give
// equal strings, so the result can be hashed. Never throws: invalid UTF-8 becomes U+FFFD.
std::string CanonicalJson(const Json& value);

}  // namespace common
}  // namespace flowline
