#include "quality/gate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::quality {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

EvaluationSummary Summary(double mean, double total, double stp, std::optional<double> cost) {
  EvaluationSummary s;
  s.cases = 100;
  s.mean_field_accuracy = mean;
  s.field_accuracy = {{"total", total}, {"vendor", 0.9}};
  s.target_accuracy = 0.99;
  s.straight_through = stp;
  s.cost_per_case = cost;
  s.currency = "EUR";
  return s;
}

const GateMeasure& Find(const GateResult& r, const std::string& name) {
  for (const GateMeasure& m : r.measures) {
    if (m.name == name) return m;
  }
  static GateMeasure none;
  ADD_FAILURE() << "no measure " << name;
  return none;
}

TEST(GateTest, ABetterOrEqualCandidatePasses) {
  ReleaseGate gate;
  GateResult r = CheckGate(gate, Summary(0.95, 0.97, 0.60, 0.10), Summary(0.94, 0.97, 0.55, 0.10));
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_THAT(r.message, HasSubstr("gate passed"));
  EXPECT_EQ(r.measures.size(), 5u);  // mean, total, vendor, straight-through, cost
}

TEST(GateTest, WithinTheMarginPassesBeyondItFailsAndSaysWhichMeasure) {
  ReleaseGate gate;  // margins: accuracy 0.01, straight-through 0.02, cost +10%
  // 0.5 points worse on mean accuracy and 1.5 points on straight-through: within the margins.
  EXPECT_TRUE(
      CheckGate(gate, Summary(0.935, 0.97, 0.535, 0.109), Summary(0.94, 0.97, 0.55, 0.10)).passed);
  // The total field 2 points worse: fails on that field only.
  GateResult r = CheckGate(gate, Summary(0.94, 0.95, 0.55, 0.10), Summary(0.94, 0.97, 0.55, 0.10));
  EXPECT_FALSE(r.passed);
  EXPECT_FALSE(Find(r, "field_accuracy.total").passed);
  EXPECT_TRUE(Find(r, "field_accuracy").passed);
  EXPECT_THAT(r.message, HasSubstr("field_accuracy.total 95.00% vs live 97.00%"));
  EXPECT_THAT(r.message, Not(HasSubstr("straight_through")));
  // Straight-through 3 points lower.
  r = CheckGate(gate, Summary(0.94, 0.97, 0.52, 0.10), Summary(0.94, 0.97, 0.55, 0.10));
  EXPECT_FALSE(r.passed);
  EXPECT_THAT(r.message, HasSubstr("straight_through 52.00% vs live 55.00%"));
  // Cost 11% higher: fails; the margin is relative.
  r = CheckGate(gate, Summary(0.94, 0.97, 0.55, 0.111), Summary(0.94, 0.97, 0.55, 0.10));
  EXPECT_FALSE(r.passed);
  EXPECT_FALSE(Find(r, "cost").passed);
  EXPECT_THAT(r.message, HasSubstr("cost 0.1110 vs live 0.1000 (margin +10%)"));
}

TEST(GateTest, MarginsComeFromTheGate) {
  ReleaseGate gate;
  gate.margins.straight_through = 0.05;
  EXPECT_TRUE(
      CheckGate(gate, Summary(0.94, 0.97, 0.51, 0.1), Summary(0.94, 0.97, 0.55, 0.1)).passed);
  gate.margins.field_accuracy = 0;
  EXPECT_FALSE(
      CheckGate(gate, Summary(0.939, 0.97, 0.55, 0.1), Summary(0.94, 0.97, 0.55, 0.1)).passed);
}

TEST(GateTest, NothingLiveAndNoPricesPassWithNotes) {
  ReleaseGate gate;
  GateResult r = CheckGate(gate, Summary(0.5, 0.5, 0.1, std::nullopt), std::nullopt);
  EXPECT_TRUE(r.passed);
  EXPECT_THAT(r.message, HasSubstr("nothing is live"));
  r = CheckGate(gate, Summary(0.94, 0.97, 0.55, std::nullopt), Summary(0.94, 0.97, 0.55, 0.1));
  EXPECT_TRUE(r.passed);
  EXPECT_THAT(Find(r, "cost").note, HasSubstr("--prices"));
  EXPECT_THAT(r.ToTable(), HasSubstr("ok (not gated"));
}

TEST(GateTest, AFieldTheCandidateLostCountsAsZero) {
  ReleaseGate gate;
  EvaluationSummary candidate = Summary(0.94, 0.97, 0.55, 0.1);
  candidate.field_accuracy.erase("vendor");
  GateResult r = CheckGate(gate, candidate, Summary(0.94, 0.97, 0.55, 0.1));
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(Find(r, "field_accuracy.vendor").candidate, 0.0);
}

TEST(GateTest, SummaryRoundTripsThroughJsonAndNamesWhatIsMissing) {
  EvaluationSummary s = Summary(0.94, 0.97, 0.55, 0.1);
  s.threshold = 0.87;
  s.latency_p50 = 0.02;
  absl::StatusOr<EvaluationSummary> back = EvaluationSummary::FromJson(s.ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), s.ToJson());
  Json broken = s.ToJson();
  broken.erase("straight_through");
  EXPECT_THAT(std::string(EvaluationSummary::FromJson(broken).status().message()),
              HasSubstr("'straight_through' is missing"));
}

}  // namespace
}  // namespace flowline::quality
