// GET /metrics: the Prometheus text exposition format (version 0.0.4), and the extension point
// that fills it.
//
// A MetricsSource writes metric families into a PrometheusWriter; the server's /metrics handler
// asks each registered source in turn (the measures, the rollup loop, and whatever else is
// registered — e.g. drift alerts) and answers the concatenation. Sources must use family names
// of their own: a family written twice is refused (status()).
//
// Thread-safety: a writer belongs to one exposition; sources must be callable from any thread.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "monitor/latency_histogram.h"

namespace flowline::monitor {

// The Content-Type of the exposition.
inline constexpr char kPrometheusContentType[] = "text/plain; version=0.0.4; charset=utf-8";

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

class PrometheusWriter {
 public:
  // Starts a family: its # HELP and # TYPE lines. `type` is counter, gauge or histogram. Returns
  // false (and records an error in status()) for a malformed or repeated name; the family's
  // samples are then dropped.
  bool Family(std::string_view name, std::string_view type, std::string_view help);

  // One sample of the current family. `name` is the family's name, plus _total for counters
  // when the family is named without it, or _bucket/_sum/_count for histograms. Label names must
  // match [a-zA-Z_][a-zA-Z0-9_]*; values are escaped.
  void Sample(std::string_view name, const MetricLabels& labels, double value);

  // A histogram's _bucket (cumulative, one per bound and +Inf), _sum and _count series.
  void HistogramSamples(std::string_view family, const MetricLabels& labels,
                        const LatencyHistogram& histogram);

  // The first malformed name or label, or a repeated family; OK otherwise.
  const absl::Status& status() const { return status_; }
  // The exposition so far; clears it.
  std::string Take();

 private:
  void Fail(const std::string& message);

  std::string out_;
  std::set<std::string, std::less<>> families_;
  bool dropping_ = false;
  absl::Status status_;
};

// Something that contributes metric families to /metrics.
class MetricsSource {
 public:
  virtual ~MetricsSource() = default;
  // Writes this source's families. Errors (a store that does not answer) fail the scrape.
  virtual absl::Status Collect(PrometheusWriter& out) = 0;
};

// The sample value as the format writes it: integers without a fraction, others with the
// shortest text that reads back exactly, NaN, +Inf, -Inf.
std::string FormatSampleValue(double value);

}  // namespace flowline::monitor
