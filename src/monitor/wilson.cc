#include "monitor/wilson.h"

#include <algorithm>
#include <cmath>

namespace flowline::monitor {

Proportion WilsonInterval(int64_t successes, int64_t trials, double z) {
  Proportion p;
  p.successes = successes;
  p.trials = trials;
  if (trials <= 0) return p;
  const double n = static_cast<double>(trials);
  const double phat = static_cast<double>(successes) / n;
  const double z2 = z * z;
  const double denominator = 1 + z2 / n;
  const double centre = (phat + z2 / (2 * n)) / denominator;
  const double half = z * std::sqrt(phat * (1 - phat) / n + z2 / (4 * n * n)) / denominator;
  p.estimate = phat;
  p.low = std::max(0.0, centre - half);
  p.high = std::min(1.0, centre + half);
  return p;
}

}  // namespace flowline::monitor
