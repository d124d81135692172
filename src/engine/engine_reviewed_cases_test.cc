// Corrections flow into datasets (quality/reviewed_cases.h): review tasks the engine opened and
// people resolved become cases of the workflow's reviewed dataset with the right source — a
// low-confidence case's correction "review:<task>", an audit-sample approve "audit:<task>" — and
// folding again adds nothing.
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "quality/dataset_internal.h"
#include "quality/dataset_store.h"
#include "quality/reviewed_cases.h"
#include "steps/system_step_kinds.h"
#include "store/testing/test_stores.h"

namespace flowline::engine {
namespace {

// An AI step kind that reads a total with the confidence its input names.
class TotalReader final : public steps::StepKind {
 public:
  TotalReader() {
    info_.name = "total_reader";
    info_.actors = {steps::Actor::kAi};
    info_.params = {{"confidence", steps::ParamType::kNumber, true, false, "how sure it is"}};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>();
  }

 private:
  struct Prepared final : steps::PreparedStep {
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      const double confidence = ctx.params->value("confidence", 0.0);
      return steps::StepOutcome::Completed(
          Json{{"fields",
                {{"total_amount", {{"value", "120.00"}, {"confidence", confidence}}},
                 {"vendor_name", {{"value", "ACME Ltd"}, {"confidence", confidence}}}}}},
          confidence);
    }
  };
  steps::StepKindInfo info_;
};

constexpr char kSpec[] = R"yaml(
workflow: invoices
key: ${{ input.id }}
steps:
  - id: fields
    uses: total_reader
    with: { confidence: "${{ input.confidence }}" }
  - id: review
    uses: review
    actor: human
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data:
        fields: ${{ steps.fields.output.fields }}
        document: ${{ input.document }}
exceptions:
  confidence: 0.9
  audit_rate: 1
outputs:
  decision: ${{ steps.review.output.decision }}
)yaml";

// Runs on every store kind (store/testing/test_stores.h).
class EngineReviewedCasesTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    auto opened = store::testing::OpenTestStore(GetParam(), dir_.File("f.db"));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    artifacts_ = steps::NewFileArtifactStore(dir_.File("artifacts"));
    steps::RegisterSystemStepKinds(registry_);
    registry_.Register(std::make_unique<TotalReader>());
    EngineOptions options;
    options.workers = 0;
    options.worker_id = "test";
    engine_ = std::make_unique<Engine>(options, *store_, registry_, clock_, random_, nullptr);
    ASSERT_TRUE(engine_->Deploy(kSpec, "invoices.yaml").ok());
  }

  // Runs one case to its review task and resolves it with `decision` (and `data`).
  std::string RunAndResolve(const std::string& id, double confidence, const std::string& decision,
                            const Json& data) {
    auto document = artifacts_->Put("%PDF-" + id, "pdf");
    EXPECT_TRUE(document.ok());
    auto started = engine_->StartRun(
        {"invoices",
         Json{{"id", id}, {"confidence", confidence}, {"document", {{"file", *document}}}}, ""});
    EXPECT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    store::TaskFilter filter;
    filter.run_id = started->run_id;
    auto tasks = store_->ListTasks(filter);
    EXPECT_TRUE(tasks.ok() && tasks->size() == 1);
    const std::string task_id = tasks->front().task_id;
    EXPECT_TRUE(store_->ClaimTask(task_id, "bob", clock_.Now(), absl::Minutes(5)).ok());
    auto resolved = engine_->ResolveTask({task_id, "bob", decision, "checked", data});
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    return task_id;
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(EngineReviewedCasesTest, CorrectionsAndAuditVerdictsBecomeCasesOnce) {
  // Low confidence: routed for review, the person corrects the total.
  const std::string corrected =
      RunAndResolve("inv-1", 0.5, "correct", Json{{"fields", {{"total_amount", "121.00"}}}});
  // Sure: straight-through, but drawn for the audit sample (rate 1); the person approves.
  const std::string audited = RunAndResolve("inv-2", 0.97, "approve", Json::object());

  auto sync = quality::SyncReviewedCases(*store_, artifacts_.get(), clock_.Now());
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->corrections, 4);  // two fields of two tasks
  EXPECT_EQ(sync->cases, 2);
  EXPECT_THAT(sync->versions, ::testing::ElementsAre("invoices.reviewed@1"));

  auto dataset = quality::LoadStoredDataset(*store_, artifacts_.get(), "invoices.reviewed");
  ASSERT_TRUE(dataset.ok()) << dataset.status();
  ASSERT_EQ(dataset->documents.size(), 2u);
  std::map<std::string, const quality::LabelledDocument*> by_id;
  for (const auto& doc : dataset->documents) by_id[doc.id] = &doc;
  ASSERT_EQ(by_id.count(corrected), 1u);
  ASSERT_EQ(by_id.count(audited), 1u);

  const quality::LabelledDocument& review = *by_id[corrected];
  EXPECT_EQ(review.source, "review:" + corrected);
  EXPECT_EQ(review.fields.at("total_amount"), "121.00");   // the person's value over the AI's
  EXPECT_EQ(review.fields.at("vendor_name"), "ACME Ltd");  // confirmed as read
  EXPECT_EQ(review.slices.at("source"), "review");
  EXPECT_EQ(review.slices.at("changed"), "yes");
  EXPECT_EQ(review.slices.at("vendor"), "ACME Ltd");
  EXPECT_EQ(*quality::internal::ReadWholeFile(review.path), "%PDF-inv-1");
  EXPECT_EQ(review.input["id"], "inv-1");

  const quality::LabelledDocument& audit = *by_id[audited];
  EXPECT_EQ(audit.source, "audit:" + audited);
  EXPECT_EQ(audit.fields.at("total_amount"), "120.00");  // the approve confirms the AI's value
  EXPECT_EQ(audit.slices.at("source"), "audit");
  EXPECT_EQ(audit.slices.at("changed"), "no");

  // The AI's values and confidences are kept with the case.
  auto rows = store_->ListDatasetCases("invoices.reviewed", 0);
  ASSERT_TRUE(rows.ok());
  for (const store::DatasetCase& row : *rows) {
    if (row.value.case_key != corrected) continue;
    Json expected = *common::ParseJson(row.value.expected_json, "case");
    EXPECT_EQ(expected["review"]["ai"]["total_amount"]["value"], "120.00");
    EXPECT_EQ(expected["review"]["ai"]["total_amount"]["confidence"], 0.5);
    EXPECT_EQ(expected["review"]["changed"], Json::array({"total_amount"}));
    EXPECT_EQ(expected["review"]["decision"], "correct");
  }

  // Folding again adds nothing; a new correction adds one case in a new version.
  auto again = quality::SyncReviewedCases(*store_, artifacts_.get(), clock_.Now());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->corrections, 0);
  EXPECT_TRUE(again->versions.empty());
  RunAndResolve("inv-3", 0.4, "correct", Json{{"fields", {{"vendor_name", "ACME Limited"}}}});
  auto third = quality::SyncReviewedCases(*store_, artifacts_.get(), clock_.Now());
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->cases, 1);
  EXPECT_THAT(third->versions, ::testing::ElementsAre("invoices.reviewed@2"));
  auto versions = store_->ListDatasetVersions("invoices.reviewed");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[1].case_count, 3);
}

TEST_P(EngineReviewedCasesTest, ARejectedCaseIsNoLabel) {
  RunAndResolve("inv-9", 0.5, "reject", Json::object());
  auto sync = quality::SyncReviewedCases(*store_, artifacts_.get(), clock_.Now());
  ASSERT_TRUE(sync.ok()) << sync.status();
  EXPECT_EQ(sync->cases, 0);
  EXPECT_EQ(store_->GetDataset("invoices.reviewed").status().code(), absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Stores, EngineReviewedCasesTest,
                         ::testing::ValuesIn(store::testing::kTestStoreKinds),
                         store::testing::TestStoreKindName);

}  // namespace
}  // namespace flowline::engine
