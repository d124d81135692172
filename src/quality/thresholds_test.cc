#include "quality/thresholds.h"

#include <random>

#include "gtest/gtest.h"
#include "monitor/wilson.h"

namespace flowline::quality {
namespace {

FieldObservation Value(const std::string& field, double confidence, bool correct,
                       bool confirmed = false) {
  return FieldObservation{field, confidence, true, correct, confirmed};
}

CaseObservation Case(const std::string& id, std::vector<FieldObservation> fields) {
  return CaseObservation{id, false, std::move(fields)};
}

TuneOptions Options(double target, int min_accepted, bool joint) {
  TuneOptions options;
  options.target_accuracy = target;
  options.min_accepted = min_accepted;
  options.joint = joint;
  return options;
}

TEST(ThresholdsTest, PicksTheLowestThresholdThatReachesTheTarget) {
  // Most confident first: right, right, wrong, right, wrong. Accepted accuracy at each
  // threshold: 0.9 -> 1/1 (fewer than 2), 0.8 -> 2/2, 0.7 -> 2/3, 0.6 -> 3/4, 0.5 -> 3/5.
  std::vector<CaseObservation> cases = {
      Case("a", {Value("total", 0.9, true)}),  Case("b", {Value("total", 0.8, true)}),
      Case("c", {Value("total", 0.7, false)}), Case("d", {Value("total", 0.6, true)}),
      Case("e", {Value("total", 0.5, false)}),
  };
  ThresholdChoice choice = ChooseThresholds(cases, Options(0.75, 2, false));
  ASSERT_EQ(choice.fields.size(), 1u);
  EXPECT_DOUBLE_EQ(choice.fields[0].threshold, 0.6);
  EXPECT_FALSE(choice.fields[0].AlwaysReviewed());
  EXPECT_EQ(choice.validation.straight_through, 4);
  EXPECT_DOUBLE_EQ(choice.validation.StraightThroughRate(), 0.8);
  EXPECT_EQ(choice.validation.released, 4);
  EXPECT_EQ(choice.validation.released_correct, 3);
  EXPECT_DOUBLE_EQ(choice.validation.ReleasedAccuracy(), 0.75);
}

TEST(ThresholdsTest, AFieldThatNeverReachesTheTargetIsAlwaysReviewed) {
  std::vector<CaseObservation> cases = {
      Case("a", {Value("date", 0.99, true), Value("total", 0.95, false)}),
      Case("b", {Value("date", 0.98, true), Value("total", 0.90, true)}),
      Case("c", {Value("date", 0.97, true), Value("total", 0.20, false)}),
  };
  ThresholdChoice choice = ChooseThresholds(cases, Options(0.99, 1, true));
  std::map<std::string, double> thresholds = choice.Thresholds();
  EXPECT_DOUBLE_EQ(thresholds["date"], 0.97);
  EXPECT_GT(thresholds["total"], 1.0);
  EXPECT_EQ(choice.validation.straight_through, 0);
  EXPECT_EQ(choice.validation.fields["total"].accepted, 0);
  EXPECT_EQ(choice.validation.fields["date"].accepted, 3);
}

TEST(ThresholdsTest, TooFewAcceptedValuesAreNotEnoughEvidence) {
  std::vector<CaseObservation> cases;
  for (int i = 0; i < 4; ++i) {
    cases.push_back(Case(std::to_string(i), {Value("total", 0.9 + 0.01 * i, true)}));
  }
  EXPECT_TRUE(ChooseThresholds(cases, Options(0.99, 5, true)).fields[0].AlwaysReviewed());
  EXPECT_DOUBLE_EQ(ChooseThresholds(cases, Options(0.99, 4, true)).fields[0].threshold, 0.9);
}

TEST(ThresholdsTest, AConfirmedValueIsAcceptedWhateverItsConfidence) {
  std::vector<CaseObservation> cases = {
      Case("a", {Value("total", 0.10, true, /*confirmed=*/true), Value("date", 0.95, true)}),
      Case("b", {Value("total", 0.10, true), Value("date", 0.95, true)}),
  };
  ThresholdOutcome outcome = ApplyThresholds(cases, {{"total", 0.9}, {"date", 0.9}});
  EXPECT_EQ(outcome.straight_through, 1);
  EXPECT_EQ(outcome.fields["total"].accepted, 1);
  EXPECT_EQ(outcome.released, 2);
}

TEST(ThresholdsTest, AFailedCaseNeverGoesStraightThrough) {
  CaseObservation failed = Case("a", {Value("total", 0.99, true)});
  failed.failed = true;
  ThresholdOutcome outcome = ApplyThresholds({failed}, {{"total", 0.5}});
  EXPECT_EQ(outcome.straight_through, 0);
  EXPECT_EQ(outcome.fields["total"].accepted, 0);
}

TEST(ThresholdsTest, TheJointPassLowersAFieldWhoseErrorsAPersonSeesAnyway) {
  // a on its own: 0.9, 0.9, 0.5 right, 0.4 wrong, 0.3 right -> 0.5 (target 100%). But the wrong
  // 0.4 is in case 4, whose b (0.2, wrong) sends it to a person whatever a's threshold, so a can
  // go down to 0.3 and let case 5 through.
  std::vector<CaseObservation> cases = {
      Case("1", {Value("a", 0.9, true), Value("b", 0.9, true)}),
      Case("2", {Value("a", 0.9, true), Value("b", 0.9, true)}),
      Case("3", {Value("a", 0.5, true), Value("b", 0.9, true)}),
      Case("4", {Value("a", 0.4, false), Value("b", 0.2, false)}),
      Case("5", {Value("a", 0.3, true), Value("b", 0.9, true)}),
  };
  ThresholdChoice alone = ChooseThresholds(cases, Options(1.0, 1, false));
  EXPECT_DOUBLE_EQ(alone.Thresholds()["a"], 0.5);
  EXPECT_DOUBLE_EQ(alone.Thresholds()["b"], 0.9);
  EXPECT_EQ(alone.validation.straight_through, 3);

  ThresholdChoice joint = ChooseThresholds(cases, Options(1.0, 1, true));
  EXPECT_DOUBLE_EQ(joint.Thresholds()["a"], 0.3);
  EXPECT_DOUBLE_EQ(joint.Thresholds()["b"], 0.9);
  EXPECT_DOUBLE_EQ(joint.fields[0].per_field, 0.5);
  EXPECT_EQ(joint.joint_moves, 1);
  EXPECT_EQ(joint.validation.straight_through, 4);
  EXPECT_EQ(joint.validation.released_correct, joint.validation.released);
}

// A calibrated-ish model on generated cases: confidence uniform, a value wrong with probability
// 0.1 * (1 - confidence)^2, so the values at or above t are right 1 - (1 - t)^2 / 30 of the time
// and 99% needs t >= 0.45 for one field on its own.
std::vector<CaseObservation> Generated(int count, uint32_t seed) {
  std::mt19937 random(seed);
  auto uniform = [&random] { return static_cast<double>(random()) / 4294967296.0; };
  std::vector<CaseObservation> cases;
  for (int i = 0; i < count; ++i) {
    CaseObservation one = Case(std::to_string(i), {});
    for (const char* field : {"invoice_number", "total_amount"}) {
      const double confidence = uniform();
      const bool wrong = uniform() < 0.1 * (1 - confidence) * (1 - confidence);
      one.fields.push_back(Value(field, confidence, !wrong));
    }
    cases.push_back(std::move(one));
  }
  return cases;
}

TEST(ThresholdsTest, ChosenThresholdsMeetTheTargetOnHeldOutCases) {
  const std::vector<CaseObservation> validation = Generated(3000, 1);
  const std::vector<CaseObservation> test = Generated(3000, 2);
  ThresholdChoice choice = ChooseThresholds(validation, TuneOptions{});
  for (const FieldThreshold& field : choice.fields) {
    EXPECT_GT(field.threshold, 0.3) << field.field;
    EXPECT_LT(field.threshold, 0.6) << field.field;
  }
  EXPECT_GE(choice.validation.ReleasedAccuracy(), 0.99);
  ThresholdOutcome held_out = ApplyThresholds(test, choice.Thresholds());
  monitor::Proportion accuracy =
      monitor::WilsonInterval(held_out.released_correct, held_out.released);
  EXPECT_GE(accuracy.high, 0.99) << "auto-accepted accuracy on the test cases "
                                 << accuracy.estimate;
  EXPECT_GT(accuracy.estimate, 0.98);
  // Two fields, each accepted about half of the time (0.54 and 0.48 at t = 0.46 and 0.52).
  EXPECT_GT(held_out.StraightThroughRate(), 0.2);
  // One global threshold (what quality::Evaluate uses) for comparison: the same target at the
  // higher of the two thresholds lets no more cases through.
  double global = 0;
  for (const FieldThreshold& field : choice.fields) global = std::max(global, field.threshold);
  ThresholdOutcome single =
      ApplyThresholds(test, {{"invoice_number", global}, {"total_amount", global}});
  EXPECT_LE(single.straight_through, held_out.straight_through);
}

TEST(ThresholdsTest, ObservesResultsAgainstLabels) {
  Dataset dataset;
  dataset.fields.resize(2);
  dataset.fields[0].name = "total_amount";
  dataset.fields[0].type = ai::FieldType::kAmount;
  dataset.fields[1].name = "due_date";
  dataset.fields[1].type = ai::FieldType::kDate;
  LabelledDocument doc;
  doc.id = "one.pdf";
  doc.fields = {{"total_amount", "101.00"}};
  dataset.documents = {doc, doc};
  dataset.documents[1].id = "two.pdf";
  DocumentResult result;
  result.id = "one.pdf";
  result.fields["total_amount"] = FieldResult{"101", 0.93};
  result.fields["due_date"] = FieldResult{std::nullopt, 0.7};
  std::vector<CaseObservation> cases = ObserveCases(dataset, {result});
  ASSERT_EQ(cases.size(), 2u);
  EXPECT_FALSE(cases[0].failed);
  ASSERT_EQ(cases[0].fields.size(), 2u);
  EXPECT_TRUE(cases[0].fields[0].labelled);
  EXPECT_TRUE(cases[0].fields[0].correct);
  EXPECT_DOUBLE_EQ(cases[0].fields[0].confidence, 0.93);
  EXPECT_FALSE(cases[0].fields[1].labelled);
  EXPECT_DOUBLE_EQ(cases[0].fields[1].confidence, 0.7);
  EXPECT_TRUE(cases[1].failed);  // no result
}

}  // namespace
}  // namespace flowline::quality
