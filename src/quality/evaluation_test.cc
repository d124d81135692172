#include "quality/evaluation.h"

#include <gtest/gtest.h>

namespace flowline::quality {
namespace {

// Four documents, fields total (amount) and vendor (organisation).
Dataset FourDocuments() {
  Dataset dataset;
  dataset.dir = "d";
  dataset.format = "flowline";
  ai::FieldSpec total{"total", ai::FieldType::kAmount, {}, {}};
  ai::FieldSpec vendor{"vendor", ai::FieldType::kOrganisation, {}, {}};
  dataset.fields = {total, vendor};
  for (int i = 0; i < 4; ++i) {
    LabelledDocument doc;
    doc.id = "doc" + std::to_string(i);
    doc.fields["total"] = std::to_string(100 + i) + ".00";
    doc.fields["vendor"] = "Acme Trading GmbH";
    dataset.documents.push_back(doc);
  }
  return dataset;
}

DocumentResult Result(const std::string& id, std::optional<std::string> total, double total_conf,
                      std::optional<std::string> vendor, double vendor_conf) {
  DocumentResult result;
  result.id = id;
  result.fields["total"] = FieldResult{std::move(total), total_conf};
  result.fields["vendor"] = FieldResult{std::move(vendor), vendor_conf};
  return result;
}

TEST(EvaluationTest, AccuracyCoverageFuzzyAndStraightThrough) {
  Dataset dataset = FourDocuments();
  std::vector<DocumentResult> results = {
      Result("doc0", "100", 0.99, "ACME Trading GmbH", 0.95),     // both right (normalised)
      Result("doc1", "101.00", 0.97, "Acme Trading", 0.40),       // vendor wrong, unsure
      Result("doc2", "999.00", 0.60, std::nullopt, 0.10),         // total wrong, vendor missing
      Result("doc3", "103.00", 0.90, "Acme Trading GmbH", 0.92),  // both right
  };
  EvaluationReport report = Evaluate(dataset, results, EvaluationOptions{0.98, 10});
  ASSERT_EQ(report.fields.size(), 2u);
  EXPECT_EQ(report.fields[0].name, "total");
  EXPECT_DOUBLE_EQ(report.fields[0].accuracy, 0.75);
  EXPECT_DOUBLE_EQ(report.fields[0].coverage, 1.0);
  EXPECT_FALSE(report.fields[0].fuzzy.has_value());
  EXPECT_DOUBLE_EQ(report.fields[1].accuracy, 0.5);
  EXPECT_DOUBLE_EQ(report.fields[1].coverage, 0.75);
  ASSERT_TRUE(report.fields[1].fuzzy.has_value());
  EXPECT_GT(*report.fields[1].fuzzy, 0.5);  // "Acme Trading" is close to the label
  EXPECT_LT(*report.fields[1].fuzzy, 1.0);
  EXPECT_DOUBLE_EQ(report.mean_field_accuracy, 0.625);
  EXPECT_DOUBLE_EQ(report.pair_accuracy, 5.0 / 8.0);
  // Sorted confidences: .99 R, .97 R, .95 R, .92 R, .90 R, .60 W, .40 W, .10 W: the lowest
  // threshold keeping auto-accepted pairs >= 98% right is 0.90.
  ASSERT_TRUE(report.threshold.has_value());
  EXPECT_DOUBLE_EQ(*report.threshold, 0.90);
  EXPECT_DOUBLE_EQ(report.auto_accepted_accuracy, 1.0);
  EXPECT_DOUBLE_EQ(report.auto_accepted_share, 5.0 / 8.0);
  // doc0 and doc3 have every field >= 0.90; doc1's vendor (.40) and doc2 are below.
  EXPECT_EQ(report.straight_through_documents, 2);
  EXPECT_DOUBLE_EQ(report.straight_through, 0.5);
  EXPECT_EQ(report.errors.size(), 3u);
  EXPECT_GT(report.ece, 0.0);
  std::string table = report.ToTable();
  EXPECT_NE(table.find("straight-through at >= 98.0% accuracy: 50.0% of documents"),
            std::string::npos)
      << table;
  Json json = report.ToJson();
  EXPECT_EQ(json["straight_through"]["documents"], 2);
  EXPECT_EQ(json["fields"][1]["field"], "vendor");
}

TEST(EvaluationTest, PerfectCalibrationHasZeroEce) {
  Dataset dataset = FourDocuments();
  std::vector<DocumentResult> results;
  for (int i = 0; i < 4; ++i) {
    // Confidence 1 and right, or confidence 0 and wrong: perfectly calibrated.
    results.push_back(Result("doc" + std::to_string(i), std::to_string(100 + i), 1.0, "x", 0.0));
  }
  EvaluationReport report = Evaluate(dataset, results);
  EXPECT_DOUBLE_EQ(report.ece, 0.0);
  EXPECT_DOUBLE_EQ(report.mean_field_accuracy, 0.5);
  EXPECT_EQ(report.straight_through_documents, 0);  // every vendor is below the threshold
}

TEST(EvaluationTest, FailedAndMissingDocumentsCountAgainst) {
  Dataset dataset = FourDocuments();
  std::vector<DocumentResult> results = {
      Result("doc0", "100.00", 0.99, "Acme Trading GmbH", 0.99),
      Result("doc1", "101.00", 0.99, "Acme Trading GmbH", 0.99),
  };
  results[1].error = "document.read: the PDF is encrypted";
  EvaluationReport report = Evaluate(dataset, results);
  EXPECT_EQ(report.failed_documents, 3);  // doc1 failed, doc2 and doc3 have no result
  EXPECT_DOUBLE_EQ(report.fields[0].accuracy, 0.25);
  EXPECT_EQ(report.straight_through_documents, 1);
  EXPECT_EQ(report.errors[0]["error"], "document.read: the PDF is encrypted");
}

TEST(EvaluationTest, NoThresholdReachesAnUnreachableTarget) {
  Dataset dataset = FourDocuments();
  std::vector<DocumentResult> results;
  for (int i = 0; i < 4; ++i) {
    results.push_back(Result("doc" + std::to_string(i), "0", 0.9, "nobody", 0.9));
  }
  EvaluationReport report = Evaluate(dataset, results);
  EXPECT_FALSE(report.threshold.has_value());
  EXPECT_EQ(report.straight_through, 0.0);
  EXPECT_NE(report.ToTable().find("none (no confidence threshold reaches it)"), std::string::npos);
}

}  // namespace
}  // namespace flowline::quality
