// An evaluation report (its JSON, as `flowline eval --json` prints and the store keeps) as one
// self-contained HTML page: the figures, plots (per-field accuracy, reliability curve,
// straight-through vs accuracy), the optional fields, the classifier's confusion matrix, slices
// and the failed fields with their evidence. Every text is escaped; nothing is fetched.
#pragma once

#include <string>

#include "common/json_util.h"

namespace flowline::lifecycle {

std::string EvaluationHtml(const Json& report);

}  // namespace flowline::lifecycle
