#include "ai/extract/calibration.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace flowline::ai {
namespace {

TEST(CalibrationTest, PlattScalingIsCalibratedOnItsOwnDistribution) {
  // Scores whose probability of being right is the square of the score: miscalibrated raw.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::vector<HeldOut> held;
  for (int i = 0; i < 4000; ++i) {
    HeldOut h;
    h.has_candidate = true;
    h.label_present = true;
    h.score = 0.05 + 0.9 * uniform(rng);
    h.margin = h.score / 2;
    h.correct = uniform(rng) < h.score * h.score;
    held.push_back(h);
  }
  const Calibration c = FitCalibration(held);
  EXPECT_DOUBLE_EQ(c.threshold, 0.0);  // every label is present: always answer
  std::vector<Scored> raw, calibrated;
  for (const HeldOut& h : held) {
    raw.push_back(Scored{h.score, h.correct, true});
    calibrated.push_back(ScoreHeldOut(c, h));
  }
  EXPECT_GT(ExpectedCalibrationError(raw), 0.1);
  EXPECT_LT(ExpectedCalibrationError(calibrated), 0.04);
  EXPECT_LT(c.Confidence(0.2, 0.1), c.Confidence(0.9, 0.45));
}

TEST(CalibrationTest, LearnsAThresholdForAbsentFields) {
  std::vector<HeldOut> held;
  for (int i = 0; i < 50; ++i) {  // present: high scores, right
    held.push_back(HeldOut{true, 0.8 + i * 0.001, 0.5, true, true});
  }
  for (int i = 0; i < 30; ++i) {  // absent: low scores (a wrong candidate was top)
    held.push_back(HeldOut{true, 0.1 + i * 0.001, 0.05, false, false});
  }
  held.push_back(HeldOut{false, 0, 0, false, false});  // no candidate at all
  const Calibration c = FitCalibration(held);
  EXPECT_GT(c.threshold, 0.13);
  EXPECT_LE(c.threshold, 0.8);
  EXPECT_GT(c.null_confidence, 0.9);
  for (const HeldOut& h : held) EXPECT_TRUE(ScoreHeldOut(c, h).correct);
}

TEST(CalibrationTest, JsonRoundTripAndEce) {
  Calibration c;
  c.threshold = 0.25;
  c.bias = -1;
  c.w_score = 2;
  c.w_margin = 0.5;
  c.null_confidence = 0.75;
  absl::StatusOr<Calibration> back = Calibration::FromJson(c.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_DOUBLE_EQ(back->Confidence(0.6, 0.2), c.Confidence(0.6, 0.2));
  EXPECT_FALSE(Calibration::FromJson(Json::object()).ok());
  // Two bins: 0.9 confident and 90% right; 0.3 confident and 0% right.
  std::vector<Scored> s;
  for (int i = 0; i < 10; ++i) s.push_back(Scored{0.9, i < 9, true});
  for (int i = 0; i < 10; ++i) s.push_back(Scored{0.3, false, true});
  EXPECT_NEAR(ExpectedCalibrationError(s), 0.5 * 0.0 + 0.5 * 0.3, 1e-9);
  EXPECT_DOUBLE_EQ(ExpectedCalibrationError({}), 0.0);
}

}  // namespace
}  // namespace flowline::ai
