// The conformance suite: stored evaluations (docs/evaluation.md) — a version scored on a
// dataset, kept with its summary and report, listed newest first by workflow, version, dataset
// and split.
#include <string>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

EvaluationRow Evaluation(const std::string& id, const std::string& version, absl::Time at,
                         const std::string& dataset = "gold", int dataset_version = 1,
                         const std::string& split = "test") {
  EvaluationRow row;
  row.evaluation_id = id;
  row.workflow = "wf";
  row.version = version;
  row.dataset = dataset;
  row.dataset_version = dataset_version;
  row.split = split;
  row.created_at = at;
  row.created_by = "ci";
  row.summary_json = R"({"mean_field_accuracy":0.9})";
  row.report_json = R"({"fields":[{"field":"total","accuracy":0.9}]})";
  return row;
}

std::vector<std::string> Ids(const std::vector<EvaluationRow>& rows) {
  std::vector<std::string> out;
  for (const EvaluationRow& row : rows) out.push_back(row.evaluation_id);
  return out;
}

TEST_P(StoreConformanceTest, AnEvaluationIsKeptWithItsSummaryAndReport) {
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e1", "v1", At(10))).ok());
  absl::StatusOr<EvaluationRow> got = store().GetEvaluation("e1");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->workflow, "wf");
  EXPECT_EQ(got->version, "v1");
  EXPECT_EQ(got->dataset, "gold");
  EXPECT_EQ(got->dataset_version, 1);
  EXPECT_EQ(got->split, "test");
  EXPECT_EQ(got->created_at, At(10));
  EXPECT_EQ(got->created_by, "ci");
  EXPECT_EQ(got->summary_json, R"({"mean_field_accuracy":0.9})");
  EXPECT_EQ(got->report_json, R"({"fields":[{"field":"total","accuracy":0.9}]})");
  EXPECT_TRUE(absl::IsNotFound(store().GetEvaluation("nope").status()));
}

TEST_P(StoreConformanceTest, AnEvaluationIdIsStoredOnce) {
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e1", "v1", At(10))).ok());
  absl::Status again = store().PutEvaluation(Evaluation("e1", "v2", At(20)));
  EXPECT_TRUE(absl::IsAlreadyExists(again)) << again;
  EXPECT_EQ(store().GetEvaluation("e1")->version, "v1");
  EvaluationRow nameless = Evaluation("", "v1", At(10));
  EXPECT_TRUE(absl::IsInvalidArgument(store().PutEvaluation(nameless)));
}

TEST_P(StoreConformanceTest, EvaluationsAreListedNewestFirstByWhatTheyEvaluated) {
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e1", "v1", At(10))).ok());
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e2", "v2", At(30))).ok());
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e3", "v2", At(20), "gold", 2)).ok());
  ASSERT_TRUE(store().PutEvaluation(Evaluation("e4", "v1", At(40), "folder", 0, "all")).ok());
  EvaluationRow other = Evaluation("e5", "w1", At(50));
  other.workflow = "other";
  ASSERT_TRUE(store().PutEvaluation(other).ok());

  EvaluationFilter filter;
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e5", "e4", "e2", "e3", "e1"));
  filter.workflow = "wf";
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e4", "e2", "e3", "e1"));
  filter.version = "v2";
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e2", "e3"));
  filter.dataset = "gold";
  filter.dataset_version = 2;
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e3"));
  filter = EvaluationFilter{};
  filter.split = "all";
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e4"));
  filter = EvaluationFilter{};
  filter.limit = 2;
  EXPECT_THAT(Ids(*store().ListEvaluations(filter)), ElementsAre("e5", "e4"));
  // Listings carry the summary, not the (large) report.
  std::vector<EvaluationRow> listed = *store().ListEvaluations(filter);
  EXPECT_EQ(listed[0].summary_json, R"({"mean_field_accuracy":0.9})");
  EXPECT_EQ(listed[0].report_json, "");
}

}  // namespace
}  // namespace flowline::store::testing
