#include "monitor/latency_histogram.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace flowline::monitor {
namespace {

constexpr std::array<double, 29> kBounds = {
    0.001, 0.0025, 0.005, 0.01,  0.025, 0.05,  0.1,    0.25,   0.5,   1,
    2.5,   5,      10,    30,    60,    120,   300,    600,    900,   1800,
    3600,  7200,   14400, 28800, 43200, 86400, 172800, 259200, 604800};

constexpr double kInf = std::numeric_limits<double>::infinity();

}  // namespace

std::span<const double> LatencyBounds() { return kBounds; }

std::string BoundLabel(double bound) {
  if (std::isinf(bound)) return "+Inf";
  // Shortest exact text: the bounds are round numbers.
  return absl::StrCat(bound);
}

std::string BucketLabel(double seconds) {
  const auto it = std::lower_bound(kBounds.begin(), kBounds.end(), std::max(seconds, 0.0));
  return it == kBounds.end() ? "+Inf" : BoundLabel(*it);
}

bool LatencyHistogram::Add(const std::string& label, int64_t count, double sum) {
  double bound = kInf;
  if (label != "+Inf") {
    if (!absl::SimpleAtod(label, &bound) ||
        !std::binary_search(kBounds.begin(), kBounds.end(), bound)) {
      return false;
    }
  }
  Cell& cell = cells_[bound];
  cell.count += count;
  cell.sum += sum;
  count_ += count;
  sum_ += sum;
  return true;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (const auto& [bound, cell] : other.cells_) {
    Cell& mine = cells_[bound];
    mine.count += cell.count;
    mine.sum += cell.sum;
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

double LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  const double rank = q * static_cast<double>(count_);
  int64_t below = 0;
  for (const auto& [bound, cell] : cells_) {
    if (cell.count > 0 && static_cast<double>(below + cell.count) >= rank) {
      const double mean = cell.sum / static_cast<double>(cell.count);
      if (cell.count == 1 || std::isinf(bound)) return mean;
      // The bucket's lower bound is the bound before it (0 for the first).
      const auto at = std::lower_bound(kBounds.begin(), kBounds.end(), bound);
      const double lower = at == kBounds.begin() ? 0 : *(at - 1);
      const double within = (rank - static_cast<double>(below)) / static_cast<double>(cell.count);
      return lower + (bound - lower) * std::clamp(within, 0.0, 1.0);
    }
    below += cell.count;
  }
  return sum_ / static_cast<double>(count_);
}

std::map<double, int64_t> LatencyHistogram::Cumulative() const {
  std::map<double, int64_t> out;
  int64_t running = 0;
  auto cell = cells_.begin();
  for (double bound : kBounds) {
    for (; cell != cells_.end() && cell->first <= bound; ++cell) running += cell->second.count;
    out[bound] = running;
  }
  out[kInf] = count_;
  return out;
}

}  // namespace flowline::monitor
