// `flowline report`: a period's measures as a readable table for the terminal, and as one
// self-contained HTML page with charts (inline SVG and CSS; no scripts, no CDN, nothing fetched
// when it is opened). Both are pure functions of a MeasureReport (measures.h).
#pragma once

#include <string>

#include "absl/time/time.h"
#include "monitor/measures.h"

namespace flowline::monitor {

// The period's totals, the figures per step and a line per bucket, as aligned text.
std::string ReportText(const MeasureReport& report);

// The HTML page: the totals, charts over time (volume, straight-through rate, accuracy with its
// interval, exceptions by reason, latency, cost, time saved), the steps and the notes.
std::string ReportHtml(const MeasureReport& report, absl::Time generated_at);

// "1.2 s", "3 min 20 s", "4.5 h", "2.1 d": a duration in seconds, rounded for people.
std::string HumanDuration(double seconds);

}  // namespace flowline::monitor
