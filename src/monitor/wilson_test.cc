#include "monitor/wilson.h"

#include <gtest/gtest.h>

namespace flowline::monitor {
namespace {

// Reference values: the Wilson score interval at z = 1.959964, computed by hand from
// (p + z²/2n ± z·sqrt(p(1-p)/n + z²/4n²)) / (1 + z²/n).
TEST(WilsonIntervalTest, MatchesTheFormulaOnKnownCases) {
  Proportion p = WilsonInterval(8, 10);
  EXPECT_DOUBLE_EQ(p.estimate, 0.8);
  EXPECT_NEAR(p.low, 0.490162, 1e-6);
  EXPECT_NEAR(p.high, 0.943318, 1e-6);

  p = WilsonInterval(97, 100);
  EXPECT_NEAR(p.low, 0.915481, 1e-6);
  EXPECT_NEAR(p.high, 0.989745, 1e-6);

  p = WilsonInterval(1, 2);
  EXPECT_NEAR(p.low, 0.094531, 1e-6);
  EXPECT_NEAR(p.high, 0.905469, 1e-6);
}

TEST(WilsonIntervalTest, StaysInsideZeroAndOneAtTheEdges) {
  Proportion none = WilsonInterval(0, 10);
  EXPECT_EQ(none.estimate, 0);
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.277533, 1e-6);
  Proportion all = WilsonInterval(10, 10);
  EXPECT_NEAR(all.low, 0.722467, 1e-6);
  EXPECT_LE(all.high, 1.0);
  EXPECT_NEAR(all.high, 1.0, 1e-12);
}

TEST(WilsonIntervalTest, NoTrialsMeansNothingIsKnown) {
  Proportion p = WilsonInterval(0, 0);
  EXPECT_EQ(p.trials, 0);
  EXPECT_EQ(p.low, 0);
  EXPECT_EQ(p.high, 1);
}

}  // namespace
}  // namespace flowline::monitor
