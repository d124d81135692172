// A proportion with its Wilson score interval: accuracy from a sample of reviewed fields or
// cases. The Wilson interval stays inside [0, 1] and behaves at 0 and at n (unlike the normal
// approximation), which is where accuracies live.
#pragma once

#include <cstdint>

namespace flowline::monitor {

struct Proportion {
  int64_t successes = 0;
  int64_t trials = 0;
  double estimate = 0;  // successes / trials (0 when trials is 0)
  double low = 0;       // the interval's bounds (0 and 1 when trials is 0: nothing is known)
  double high = 1;
};

// z = 1.959964: a 95% interval.
inline constexpr double kZ95 = 1.959963984540054;

// successes of trials, with the Wilson score interval at `z`. Precondition: 0 <= successes <=
// trials.
Proportion WilsonInterval(int64_t successes, int64_t trials, double z = kZ95);

}  // namespace flowline::monitor
