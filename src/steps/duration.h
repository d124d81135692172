// Durations as a workflow spec writes them: "250ms", "30s", "5m", "4h", "2d", "1h30m".
//
// Used for step parameters of type ParamType::kDuration (timeouts, SLAs, waits) and by the spec
// parser for `timeout:` and retry back-offs, so that every duration in a spec reads the same way.
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::steps {

// Parses a non-negative duration: one or more <number><unit> terms, where the number may have a
// fraction ("1.5h") and the unit is ms, s, m, h or d (24 hours); "0" alone is zero. Surrounding
// white space is ignored. Returns InvalidArgument, with a message that quotes the text and shows
// the accepted form, for anything else (no unit, unknown unit, negative, empty, overflow).
absl::StatusOr<absl::Duration> ParseDuration(std::string_view text);

}  // namespace flowline::steps
