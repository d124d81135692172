// A strict parser of the Prometheus text exposition format 0.0.4, for tests: it accepts only
// what the format allows and what Prometheus' own parser would accept, and checks the rules a
// scrape is judged by — TYPE before a family's samples and at most once, a family's samples
// together, no series twice, counters and gauges sampled under the family's name, histograms as
// _bucket (ascending `le` ending with +Inf, counts not decreasing), _sum and _count (equal to
// the +Inf bucket).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::monitor::testing {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct ParsedFamily {
  std::string name;
  std::string type;  // counter, gauge, histogram, summary or untyped
  std::string help;
  std::vector<ParsedSample> samples;
};

// InvalidArgument naming the line and what is wrong.
absl::StatusOr<std::map<std::string, ParsedFamily>> ParsePrometheusText(std::string_view text);

// The value of the sample of `family` named `name` with exactly `labels`; NotFound otherwise.
absl::StatusOr<double> SampleValue(const std::map<std::string, ParsedFamily>& families,
                                   const std::string& name,
                                   const std::map<std::string, std::string>& labels);

}  // namespace flowline::monitor::testing
