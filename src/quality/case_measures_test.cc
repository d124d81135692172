// The case-level measures of an evaluation report against hand-computed values.
#include <gtest/gtest.h>

#include "quality/evaluation.h"
#include "quality/gate.h"

namespace flowline::quality {
namespace {

// Four cases; "po" is optional (labelled on two). Types and slices per case.
Dataset Cases(const std::string& format = "flowline") {
  Dataset dataset;
  dataset.format = format;
  dataset.fields = {{"total", ai::FieldType::kAmount, {}, {}}, {"po", ai::FieldType::kId, {}, {}}};
  const char* types[] = {"invoice", "invoice", "receipt", "invoice"};
  const char* vendors[] = {"acme", "acme", "bolt", "bolt"};
  for (int i = 0; i < 4; ++i) {
    LabelledDocument doc;
    doc.id = "c" + std::to_string(i);
    doc.doc_type = types[i];
    doc.slices = {{"vendor", vendors[i]}};
    doc.fields["total"] = "10.00";
    if (i < 2) doc.fields["po"] = "PO-1";
    dataset.documents.push_back(doc);
  }
  return dataset;
}

DocumentResult Case(const std::string& id, std::optional<std::string> total, double total_conf,
                    std::optional<std::string> po, double po_conf, const std::string& label,
                    bool straight, double seconds, double cost) {
  DocumentResult r;
  r.id = id;
  r.fields["total"] = FieldResult{std::move(total), total_conf};
  r.fields["po"] = FieldResult{std::move(po), po_conf};
  r.label = label;
  r.straight_through = straight;
  r.seconds = seconds;
  r.step_seconds = {{"read", seconds * 0.75}, {"extract", seconds * 0.25}};
  if (id == "c3") r.step_seconds.erase("extract");  // a step a case did not run
  r.cost = cost;
  return r;
}

std::vector<DocumentResult> Results() {
  return {
      Case("c0", "10.00", 0.95, "PO-1", 0.9, "invoice", true, 0.1, 0.01),         // all right
      Case("c1", "12.00", 0.60, std::nullopt, 0.0, "invoice", false, 0.3, 1.01),  // total wrong
      Case("c2", "10.00", 0.99, "PO-9", 0.7, "invoice", true, 0.2, 0.01),  // po false positive
      Case("c3", "10.00", 0.80, std::nullopt, 0.0, "receipt", false, 0.4, 1.01),
  };
}

TEST(CaseMeasuresTest, OptionalFieldsHavePrecisionAndRecallWhenLabelsAreExhaustive) {
  EvaluationReport report = Evaluate(Cases(), Results());
  ASSERT_EQ(report.optional_fields.size(), 1u);  // total is on every case: not optional
  const OptionalFieldScore& po = report.optional_fields[0];
  EXPECT_EQ(po.name, "po");
  EXPECT_EQ(po.labelled, 2);
  EXPECT_EQ(po.predicted, 1);
  EXPECT_EQ(po.correct, 1);
  EXPECT_EQ(po.false_positives, 1);  // c2 has no po and the model gave one
  EXPECT_DOUBLE_EQ(po.recall, 0.5);
  ASSERT_TRUE(po.precision.has_value());
  EXPECT_DOUBLE_EQ(*po.precision, 0.5);  // 1 right of 2 said
  EXPECT_DOUBLE_EQ(*po.f1, 0.5);
  // The public sets' labels are not exhaustive: recall only.
  EvaluationReport sroie = Evaluate(Cases("sroie"), Results());
  ASSERT_EQ(sroie.optional_fields.size(), 1u);
  EXPECT_FALSE(sroie.labels_exhaustive);
  EXPECT_FALSE(sroie.optional_fields[0].precision.has_value());
  EXPECT_DOUBLE_EQ(sroie.optional_fields[0].recall, 0.5);
  // Nor are they in a stored dataset that holds a case imported from one.
  Dataset stored = Cases("stored");
  EXPECT_TRUE(LabelsAreExhaustive(stored));
  stored.documents[3].source = "review:t1";
  EXPECT_TRUE(LabelsAreExhaustive(stored));
  stored.documents[1].source = "import:sroie";
  EXPECT_FALSE(LabelsAreExhaustive(stored));
}

TEST(CaseMeasuresTest, ConfusionMatrixCountsExpectedAgainstPredicted) {
  EvaluationReport report = Evaluate(Cases(), Results());
  EXPECT_EQ(report.confusion["invoice"]["invoice"], 2);
  EXPECT_EQ(report.confusion["invoice"]["receipt"], 1);
  EXPECT_EQ(report.confusion["receipt"]["invoice"], 1);
  ASSERT_TRUE(report.classifier_accuracy.has_value());
  EXPECT_DOUBLE_EQ(*report.classifier_accuracy, 0.5);
}

TEST(CaseMeasuresTest, CurvePointsAreAccuracyAcceptedShareAndStraightThrough) {
  EvaluationReport report = Evaluate(Cases(), Results());
  ASSERT_EQ(report.curve.size(), 21u);
  // Labelled pairs (confidence, right): c0 total .95 R, c0 po .9 R, c1 total .6 W, c1 po 0 W,
  // c2 total .99 R, c3 total .8 R. At 0.85: accepted .95 .9 .99 → 3/3 right, 3 of 6 pairs; cases
  // with every labelled field accepted: c0, c2 → 2 of 4.
  const CurvePoint& p = report.curve[17];
  EXPECT_DOUBLE_EQ(p.threshold, 0.85);
  EXPECT_DOUBLE_EQ(p.accuracy, 1.0);
  EXPECT_DOUBLE_EQ(p.accepted_share, 0.5);
  EXPECT_DOUBLE_EQ(p.straight_through, 0.5);
  // At 0.5: .95 .9 .6 .99 .8 accepted, 4 of 5 right; c0, c2, c3 straight through (c1's po is 0).
  const CurvePoint& q = report.curve[10];
  EXPECT_DOUBLE_EQ(q.accuracy, 0.8);
  EXPECT_DOUBLE_EQ(q.accepted_share, 5.0 / 6.0);
  EXPECT_DOUBLE_EQ(q.straight_through, 0.75);
}

TEST(CaseMeasuresTest, SlicesLatencyCostAndTheWorkflowsStraightThrough) {
  EvaluationReport report = Evaluate(Cases(), Results());
  ASSERT_EQ(report.slices.size(), 2u);
  EXPECT_EQ(report.slices[0].value, "acme");  // c0 2/2 right, c1 0/2
  EXPECT_EQ(report.slices[0].cases, 2);
  EXPECT_DOUBLE_EQ(report.slices[0].accuracy, 0.5);
  EXPECT_EQ(report.slices[0].straight_through, 1);
  EXPECT_EQ(report.slices[1].value, "bolt");  // c2 1/1, c3 1/1
  EXPECT_DOUBLE_EQ(report.slices[1].accuracy, 1.0);
  // Seconds .1 .3 .2 .4: nearest-rank p50 = .2, p95 = .4.
  EXPECT_DOUBLE_EQ(*report.latency_p50, 0.2);
  EXPECT_DOUBLE_EQ(*report.latency_p95, 0.4);
  // read .075 .225 .15 .3 → mean .1875; extract .025 .075 .05 (c3 did not run it) → .05.
  EXPECT_NEAR(report.step_mean_seconds["read"], 0.1875, 1e-12);
  EXPECT_NEAR(report.step_mean_seconds["extract"], 0.05, 1e-12);
  EXPECT_DOUBLE_EQ(*report.cost_per_case, 0.51);
  EXPECT_DOUBLE_EQ(*report.workflow_straight_through, 0.5);
  ASSERT_EQ(report.cases.size(), 4u);
  EXPECT_EQ(report.cases[1]["wrong_fields"], 2);
  EXPECT_EQ(report.cases[1]["straight_through"], false);
  EvaluationSummary summary = SummarizeReport(report);
  EXPECT_DOUBLE_EQ(*summary.cost_per_case, 0.51);
  EXPECT_DOUBLE_EQ(summary.field_accuracy["total"], 0.75);
  EXPECT_DOUBLE_EQ(summary.field_accuracy["po"], 0.5);
}

TEST(CaseMeasuresTest, NoCostWhenACaseHasNone) {
  std::vector<DocumentResult> results = Results();
  results[2].cost.reset();
  EXPECT_FALSE(Evaluate(Cases(), results).cost_per_case.has_value());
}

}  // namespace
}  // namespace flowline::quality
