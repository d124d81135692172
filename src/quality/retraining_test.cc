// The maintenance loop on generated invoices: a model trained on a few documents meets a
// "production" batch; the cases its tuned thresholds send to a person are corrected to their
// labels (a simulated reviewer) and the model is retrained with them. The retrained model must
// be better on documents neither has seen.
#include <map>
#include <memory>
#include <vector>

#include "ai/extract/extraction_model.h"
#include "ai/extract/synthetic_invoices.h"
#include "ai/extract/trainer.h"
#include "common/temp_dir.h"
#include "gtest/gtest.h"
#include "quality/evaluation.h"
#include "quality/thresholds.h"

namespace flowline::quality {
namespace {

ai::TrainOptions FastOptions() {
  ai::TrainOptions options;
  options.ranker.rounds = 60;
  options.folds = 3;
  options.name = "invoice";
  return options;
}

Dataset AsDataset(const std::vector<ai::LabelledDocument>& documents) {
  Dataset dataset;
  dataset.format = "generated";
  dataset.fields = ai::testing::InvoiceFields();
  for (const ai::LabelledDocument& doc : documents) {
    LabelledDocument labelled;
    labelled.id = doc.file;
    labelled.fields = doc.labels;
    dataset.documents.push_back(std::move(labelled));
  }
  return dataset;
}

std::vector<DocumentResult> Extract(const ai::ExtractionModel& model,
                                    const std::vector<ai::LabelledDocument>& documents) {
  std::vector<DocumentResult> results;
  for (const ai::LabelledDocument& doc : documents) {
    DocumentResult result;
    result.id = doc.file;
    absl::StatusOr<std::vector<ai::FieldResult>> fields =
        model.Extract(doc.document, doc.date_order);
    if (!fields.ok()) {
      result.error = std::string(fields.status().message());
    } else {
      for (const ai::FieldResult& field : *fields) {
        FieldResult value;
        if (field.value) value.normalized = field.value->norm.value;
        value.confidence = field.confidence;
        result.fields[field.field] = value;
      }
    }
    results.push_back(std::move(result));
  }
  return results;
}

std::unique_ptr<ai::ExtractionModel> Train(const std::vector<ai::LabelledDocument>& documents,
                                           const std::string& dir) {
  absl::StatusOr<Json> trained =
      ai::TrainExtractionModel(documents, ai::testing::InvoiceFields(), FastOptions(), dir);
  EXPECT_TRUE(trained.ok()) << trained.status();
  absl::StatusOr<std::unique_ptr<ai::ExtractionModel>> model = ai::ExtractionModel::Load(dir);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? *std::move(model) : nullptr;
}

TEST(RetrainingTest, CorrectedCasesImproveTheModelOnHeldOutDocuments) {
  common::TempDir dir;
  const std::vector<ai::LabelledDocument> initial = ai::testing::InvoiceBuilder(11).Make(8, "a");
  const std::vector<ai::LabelledDocument> production =
      ai::testing::InvoiceBuilder(12).Make(60, "p");
  const std::vector<ai::LabelledDocument> validation =
      ai::testing::InvoiceBuilder(13).Make(60, "v");
  const std::vector<ai::LabelledDocument> test = ai::testing::InvoiceBuilder(14).Make(80, "t");
  TuneOptions tune;
  tune.target_accuracy = 0.95;

  std::unique_ptr<ai::ExtractionModel> before = Train(initial, dir.File("before"));
  ASSERT_NE(before, nullptr);
  ThresholdChoice chosen =
      ChooseThresholds(ObserveCases(AsDataset(validation), Extract(*before, validation)), tune);

  // The simulated reviewer corrects every production case the thresholds route to a person.
  std::vector<ai::LabelledDocument> corrected = initial;
  for (const CaseObservation& one :
       ObserveCases(AsDataset(production), Extract(*before, production))) {
    if (GoesStraightThrough(one, chosen.Thresholds())) continue;
    for (const ai::LabelledDocument& doc : production) {
      if (doc.file == one.id) corrected.push_back(doc);
    }
  }
  const size_t routed = corrected.size() - initial.size();
  EXPECT_GT(routed, 10u) << "the first model should be unsure of many production cases";
  std::unique_ptr<ai::ExtractionModel> after = Train(corrected, dir.File("after"));
  ASSERT_NE(after, nullptr);

  const Dataset held_out = AsDataset(test);
  const EvaluationReport was = Evaluate(held_out, Extract(*before, test));
  const EvaluationReport is = Evaluate(held_out, Extract(*after, test));
  EXPECT_GE(is.pair_accuracy, was.pair_accuracy + 0.03)
      << "before " << was.pair_accuracy << ", after " << is.pair_accuracy << " (" << routed
      << " corrected cases)";
  // And, re-tuned, it lets more held-out cases straight through at the target (seen: 93.3% ->
  // 100% of fields right, 34 -> 80 of 80 cases straight through, 33 cases corrected).
  ThresholdChoice retuned =
      ChooseThresholds(ObserveCases(AsDataset(validation), Extract(*after, validation)), tune);
  const ThresholdOutcome stp_before =
      ApplyThresholds(ObserveCases(held_out, Extract(*before, test)), chosen.Thresholds());
  const ThresholdOutcome stp_after =
      ApplyThresholds(ObserveCases(held_out, Extract(*after, test)), retuned.Thresholds());
  EXPECT_GT(stp_after.straight_through, stp_before.straight_through + 10)
      << stp_before.straight_through << " -> " << stp_after.straight_through;
}

}  // namespace
}  // namespace flowline::quality
