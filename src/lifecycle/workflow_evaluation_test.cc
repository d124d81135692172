#include "lifecycle/workflow_evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"
#include "lifecycle/lifecycle_test_kinds.h"

namespace flowline::lifecycle {
namespace {

using ::testing::HasSubstr;

// Classify, extract, a gate on the exception policy (confidence 0.9), and an sql step that would
// write to a ledger: an evaluation must not write it.
constexpr char kSpec[] = R"yaml(
workflow: echo
manual_minutes: 6
steps:
  - id: kind
    uses: classify
    actor: ai
    with: { label: "${{ input.label }}", confidence: "${{ input.label_confidence }}" }
  - id: fields
    uses: extract
    actor: ai
    with: { fields: "${{ input.fields }}" }
  - id: post
    uses: sql
    needs: [fields]
    with:
      database: sqlite:LEDGER
      statement: INSERT INTO ledger (total) VALUES (:total)
      params: { total: "${{ steps.fields.output.values.total }}" }
  - id: review
    uses: review
    actor: human
    needs: [fields]
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data: { fields: "${{ steps.fields.output.fields }}" }
exceptions:
  confidence: 0.9
)yaml";

class WorkflowEvaluationTest : public testing::EnvironmentTest {
 protected:
  void SetUp() override {
    ledger_ = dir_.File("ledger.db");
    std::string spec = kSpec;
    spec.replace(spec.find("LEDGER"), 6, ledger_);
    spec_ = spec;
  }

  // A case whose input says what the fake steps answer.
  void AddCase(const std::string& id, double total_conf, const std::string& predicted_total,
               const std::string& label = "invoice") {
    Json input = {{"label", label},
                  {"label_confidence", 0.95},
                  {"fields",
                   {{"total", {{"value", predicted_total}, {"confidence", total_conf}}},
                    {"currency", {{"value", "EUR"}, {"confidence", 0.99}}}}}};
    const std::string path = dir_.File(id + ".json");
    std::ofstream(path) << input.dump();
    quality::LabelledDocument doc;
    doc.id = id;
    doc.path = path;
    doc.fields = {{"total", "10.00"}, {"currency", "EUR"}};
    dataset_.documents.push_back(doc);
  }

  common::TempDir dir_;
  std::string ledger_;
  std::string spec_;
  quality::Dataset dataset_;
};

TEST_F(WorkflowEvaluationTest, CollectsFieldsLabelRoutingTimesAndCostPerCase) {
  AddCase("a", 0.95, "10.00");
  AddCase("b", 0.50, "12.00");  // unsure: goes to a person
  AddCase("c", 0.97, "10.00", "receipt");
  absl::StatusOr<monitor::PriceTable> prices = monitor::PriceTable::Parse(R"yaml(
currency: EUR
models:
  - { model: echo-fields, from: 2020-01-01, per_call: 0.01 }
  - { model: echo-type, from: 2020-01-01, per_call: 0.002 }
people:
  - { from: 2020-01-01, hourly_rate: 30 }
)yaml",
                                                                          "prices.yaml");
  ASSERT_TRUE(prices.ok()) << prices.status();
  WorkflowEvaluationOptions options;
  options.prices = &*prices;
  absl::StatusOr<WorkflowEvaluation> evaluation =
      EvaluateWorkflow(env_, spec_, "echo.yaml", dataset_, options);
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->workflow, "echo");
  EXPECT_EQ(evaluation->version.size(), 64u);
  EXPECT_EQ(evaluation->step, "fields");
  EXPECT_EQ(evaluation->classify_step, "kind");
  EXPECT_EQ(evaluation->straight_through, 2);
  EXPECT_EQ(evaluation->waiting, 1);
  EXPECT_EQ(evaluation->failed, 0);
  EXPECT_EQ(evaluation->currency, "EUR");
  ASSERT_EQ(evaluation->results.size(), 3u);
  const quality::DocumentResult& a = evaluation->results[0];
  EXPECT_EQ(a.id, "a");
  EXPECT_EQ(a.fields.at("total").normalized, "10.00");
  EXPECT_DOUBLE_EQ(a.fields.at("total").confidence, 0.95);
  EXPECT_EQ(a.fields.at("total").evidence, "line: \"10.00\"");
  EXPECT_EQ(a.label, "invoice");
  EXPECT_DOUBLE_EQ(a.label_confidence, 0.95);
  EXPECT_EQ(a.straight_through, true);
  EXPECT_TRUE(a.reasons.empty()) << Json(a.reasons).dump();
  ASSERT_TRUE(a.seconds.has_value());
  EXPECT_GE(*a.seconds, 0);
  EXPECT_TRUE(a.step_seconds.count("fields"));
  // Two model calls; no person.
  ASSERT_TRUE(a.cost.has_value());
  EXPECT_NEAR(*a.cost, 0.012, 1e-9);
  const quality::DocumentResult& b = evaluation->results[1];
  EXPECT_EQ(b.straight_through, false);
  ASSERT_EQ(b.reasons.size(), 1u);
  EXPECT_THAT(b.reasons[0], HasSubstr("total"));
  // Two model calls and six minutes of a person at 30/hour.
  EXPECT_NEAR(*b.cost, 0.012 + 3.0, 1e-9);
  EXPECT_EQ(evaluation->results[2].label, "receipt");
  // The sql step did not write: the ledger database was never even created.
  EXPECT_FALSE(std::ifstream(ledger_).good());
}

TEST_F(WorkflowEvaluationTest, ScoresTheStepNamedAndRefusesAMissingOne) {
  AddCase("a", 0.95, "10.00");
  WorkflowEvaluationOptions options;
  options.step = "nope";
  absl::StatusOr<WorkflowEvaluation> evaluation =
      EvaluateWorkflow(env_, spec_, "echo.yaml", dataset_, options);
  ASSERT_FALSE(evaluation.ok());
  EXPECT_THAT(std::string(evaluation.status().message()),
              HasSubstr("echo.yaml has no step 'nope'"));
  EXPECT_THAT(std::string(evaluation.status().message()), HasSubstr("--step"));
}

TEST_F(WorkflowEvaluationTest, ScoresTheLlmStepByDefault) {
  // A trained extractor first, then an llm step whose fields the gate reviews: the gate's
  // fields_step is scored. Without the gate naming one, the first extract would be.
  constexpr char kLlmSpec[] = R"yaml(
workflow: claims
steps:
  - id: draft
    uses: extract
    actor: ai
    with: { fields: { total: { value: "99.00", confidence: 0.2 } } }
  - id: claim
    uses: llm
    actor: ai
    with: { fields: "${{ input.fields }}" }
  - id: review
    uses: review
    actor: human
    with: { gate: true, decisions: [approve, correct, reject], fields_step: claim }
)yaml";
  AddCase("a", 0.95, "10.00");
  absl::StatusOr<WorkflowEvaluation> evaluation =
      EvaluateWorkflow(env_, kLlmSpec, "claims.yaml", dataset_, {});
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->step, "claim");
  ASSERT_EQ(evaluation->results.size(), 1u);
  EXPECT_EQ(evaluation->results[0].fields.at("total").normalized, "10.00");
  EXPECT_DOUBLE_EQ(evaluation->results[0].fields.at("total").confidence, 0.95);

  // A workflow with only an llm step: that one.
  std::string only_llm = kLlmSpec;
  only_llm.replace(only_llm.find("fields_step: claim"), 18, "queue: claims");
  only_llm.erase(only_llm.find("  - id: draft"),
                 only_llm.find("  - id: claim") - only_llm.find("  - id: draft"));
  evaluation = EvaluateWorkflow(env_, only_llm, "claims.yaml", dataset_, {});
  ASSERT_TRUE(evaluation.ok()) << evaluation.status();
  EXPECT_EQ(evaluation->step, "claim");
}

TEST_F(WorkflowEvaluationTest, NamesTheCaseWhoseInputCannotBeRead) {
  quality::LabelledDocument doc;
  doc.id = "gone";
  doc.path = dir_.File("gone.json");
  dataset_.documents.push_back(doc);
  absl::StatusOr<WorkflowEvaluation> evaluation =
      EvaluateWorkflow(env_, spec_, "echo.yaml", dataset_, {});
  ASSERT_FALSE(evaluation.ok());
  EXPECT_THAT(std::string(evaluation.status().message()), HasSubstr("case gone: cannot read"));
}

TEST_F(WorkflowEvaluationTest, ASpecThatDoesNotValidateIsAnError) {
  AddCase("a", 0.95, "10.00");
  absl::StatusOr<WorkflowEvaluation> evaluation =
      EvaluateWorkflow(env_, "workflow: x\nsteps: 3\n", "bad.yaml", dataset_, {});
  ASSERT_FALSE(evaluation.ok());
  EXPECT_EQ(evaluation.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(evaluation.status().message()), HasSubstr("bad.yaml"));
}

}  // namespace
}  // namespace flowline::lifecycle
