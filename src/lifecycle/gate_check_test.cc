// The release gate end to end on a stored dataset: a worse candidate is refused naming the
// measure, a better one passes, the live version's evaluation is stored and reused, and two
// stored evaluations compare field by field.
#include "lifecycle/gate_check.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_format.h"
#include "common/temp_dir.h"
#include "engine/spec.h"
#include "lifecycle/lifecycle_test_kinds.h"
#include "quality/dataset_store.h"
#include "store/sqlite/scratch_options.h"

namespace flowline::lifecycle {
namespace {

using ::testing::HasSubstr;

// The extract step answers total = the case's `truth`, except when the version's `wrong` list
// names the case: then it answers 0.00. Its confidence is the spec's CONF.
constexpr char kSpec[] = R"yaml(
workflow: gated
steps:
  - id: fields
    uses: extract
    actor: ai
    with:
      fields:
        total:
          value: "${{ (string.find('WRONG', input.id, 1, true) and '0.00') or input.truth }}"
          confidence: CONF
release:
  gate:
    dataset: gold
    split: all
    target_accuracy: 0.9
    margins: { field_accuracy: 0.05, straight_through: 0.05 }
)yaml";

std::string Spec(const std::string& wrong, double confidence = 0.95) {
  std::string spec = kSpec;
  spec.replace(spec.find("WRONG"), 5, wrong);
  spec.replace(spec.find("CONF"), 4, std::to_string(confidence));
  return spec;
}

class GateCheckTest : public testing::EnvironmentTest {
 protected:
  void SetUp() override {
    store_ = *store::sqlite::SqliteStore::Open(
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db")));
    // Twenty cases: c00..c19, each with its total.
    store::DatasetAppend append;
    append.dataset.name = "gold";
    append.now = clock_.Now();
    std::vector<ai::FieldSpec> fields = {{"total", ai::FieldType::kAmount, {}, {}}};
    for (int i = 0; i < 20; ++i) {
      quality::LabelledDocument doc;
      doc.id = absl::StrFormat("c%02d", i);
      const std::string total = absl::StrFormat("%d.00", 10 + i);
      doc.input = {{"id", doc.id}, {"truth", total}};
      doc.fields["total"] = total;
      absl::StatusOr<store::NewDatasetCase> row = quality::CaseOf(doc, fields, nullptr);
      ASSERT_TRUE(row.ok()) << row.status();
      append.cases.push_back(*row);
    }
    ASSERT_TRUE(store_->AppendDatasetCases(append).ok());
  }

  // Deploys `spec` as the live version (the store's PutVersion makes it live).
  void MakeLive(const std::string& spec) {
    store::VersionInfo version;
    version.workflow = "gated";
    version.version = engine::SpecVersion(spec);
    version.spec_source = spec;
    version.source_name = "live.yaml";
    version.deployed_at = clock_.Now();
    ASSERT_TRUE(store_->PutVersion(version).ok());
  }

  absl::StatusOr<GateCheck> Check(const std::string& spec) {
    GateCheckOptions options;
    options.created_by = "ci";
    return CheckReleaseGate(env_, *store_, nullptr, spec, "candidate.yaml", options);
  }

  common::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(GateCheckTest, AWorseCandidateFailsNamingTheMeasureAndABetterOnePasses) {
  MakeLive(Spec("c01"));                                         // 19 of 20 right
  absl::StatusOr<GateCheck> worse = Check(Spec("c01 c02 c03"));  // 17 of 20: 10 points worse
  ASSERT_TRUE(worse.ok()) << worse.status();
  EXPECT_FALSE(worse->result.passed);
  EXPECT_THAT(worse->result.message, HasSubstr("field_accuracy 85.00% vs live 95.00%"));
  EXPECT_THAT(worse->ToTable(), HasSubstr("FAILED"));
  EXPECT_FALSE(worse->live_reused);
  EXPECT_FALSE(worse->candidate.evaluation_id.empty());  // a stored dataset: kept

  absl::StatusOr<GateCheck> better = Check(Spec("none"));  // 20 of 20
  ASSERT_TRUE(better.ok()) << better.status();
  EXPECT_TRUE(better->result.passed) << better->result.message;
  // The live version's evaluation from the first check was reused.
  EXPECT_TRUE(better->live_reused);
  EXPECT_EQ(better->live->evaluation_id, worse->live->evaluation_id);

  store::EvaluationFilter filter;
  filter.workflow = "gated";
  EXPECT_EQ(store_->ListEvaluations(filter)->size(), 3u);  // live once, two candidates

  // Compare the live evaluation with the better candidate's: c01 went from wrong to right.
  absl::StatusOr<Json> comparison =
      CompareEvaluations(*store_->GetEvaluation(worse->live->evaluation_id),
                         *store_->GetEvaluation(better->candidate.evaluation_id));
  ASSERT_TRUE(comparison.ok()) << comparison.status();
  ASSERT_EQ((*comparison)["wrong_to_right"].size(), 1u);
  EXPECT_EQ((*comparison)["wrong_to_right"][0]["case"], "c01");
  EXPECT_EQ((*comparison)["right_to_wrong"].size(), 0u);
  EXPECT_NEAR((*comparison)["fields"][0]["accuracy"]["difference"].get<double>(), 0.05, 1e-9);
  EXPECT_THAT(ComparisonTable(*comparison), HasSubstr("wrong in a, right in b: 1"));
}

TEST_F(GateCheckTest, NothingLivePassesAndASpecWithoutAGateIsRefused) {
  absl::StatusOr<GateCheck> first = Check(Spec("c01 c02 c03"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->result.passed);
  EXPECT_EQ(first->live_version, "");
  std::string ungated = Spec("none");
  ungated.erase(ungated.find("release:"));
  absl::StatusOr<GateCheck> none = Check(ungated);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(none.status().message()), HasSubstr("has no release gate"));
}

TEST_F(GateCheckTest, AnUnknownDatasetSaysHowToImportIt) {
  std::string spec = Spec("none");
  spec.replace(spec.find("dataset: gold"), 13, "dataset: silver");
  absl::StatusOr<GateCheck> check = Check(spec);
  EXPECT_TRUE(absl::IsNotFound(check.status())) << check.status();
  EXPECT_THAT(std::string(check.status().message()), HasSubstr("flowline dataset import"));
}

}  // namespace
}  // namespace flowline::lifecycle
