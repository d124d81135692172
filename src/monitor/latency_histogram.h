// Latency histograms with fixed bucket bounds, so that histograms kept per minute, hour and day
// add up bucket by bucket and percentiles can be read from any sum of them.
//
// The bounds (seconds) run from 1 ms to a week: 1-2.5-5 steps up to 10 s (machine latencies),
// then steps people think in (30 s, 1, 2, 5, 10, 15, 30 min, 1, 2, 4, 8, 12 h, 1, 2, 3 days, a
// week) for runs and tasks that wait for people; above a week is the +Inf bucket. A bucket is
// kept as its upper bound's label ("0.25", "3600", "+Inf"): how many observations fell into it
// (above the previous bound, up to and including this one) and their sum.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

namespace flowline::monitor {

// The finite bounds, ascending.
std::span<const double> LatencyBounds();

// The label of the bucket `seconds` falls into ("+Inf" above the last bound; negative values
// count as 0).
std::string BucketLabel(double seconds);
// The label of a bound as BucketLabel writes it ("0.001", "86400").
std::string BoundLabel(double bound);

// A histogram summed from stored buckets.
class LatencyHistogram {
 public:
  // Adds `count` observations totalling `sum` seconds to the bucket `label`. Labels that are
  // not bounds of LatencyBounds() (or "+Inf") are ignored: returns false.
  bool Add(const std::string& label, int64_t count, double sum);
  void Merge(const LatencyHistogram& other);

  int64_t count() const { return count_; }
  double sum() const { return sum_; }
  bool empty() const { return count_ == 0; }
  double Mean() const { return count_ > 0 ? sum_ / static_cast<double>(count_) : 0; }

  // The q-quantile (0 < q <= 1), Prometheus' histogram_quantile way: find the bucket holding
  // the rank q × count and interpolate linearly between its bounds (the first bucket's lower
  // bound is 0). A bucket holding a single observation answers that observation (its sum:
  // exact), and the +Inf bucket, which has no upper bound, answers its mean. 0 for an empty
  // histogram.
  double Quantile(double q) const;

  // Cumulative counts per bound (for Prometheus), ascending, ending with +Inf = count().
  std::map<double, int64_t> Cumulative() const;

 private:
  struct Cell {
    int64_t count = 0;
    double sum = 0;
  };
  std::map<double, Cell> cells_;  // by upper bound; +Inf as infinity
  int64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace flowline::monitor
