// Stored evaluations over HTTP for the web UI: the list (newest first, by workflow), one with its
// report, and two compared field by field.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_server.h"

namespace flowline::server {
namespace {

store::EvaluationRow Evaluation(const std::string& id, const std::string& workflow, int64_t seconds,
                                double accuracy, const std::string& errors) {
  store::EvaluationRow row;
  row.evaluation_id = id;
  row.workflow = workflow;
  row.version = "v-" + id;
  row.dataset = "gold";
  row.dataset_version = 1;
  row.split = "test";
  row.created_at = absl::FromUnixSeconds(1'800'000'000 + seconds);
  row.created_by = "ci";
  row.summary_json = Json{
      {"cases", 2},
      {"mean_field_accuracy", accuracy},
      {"field_accuracy", {{"total", accuracy}}},
      {"target_accuracy", 0.99},
      {"straight_through",
       0.5}}.dump();
  row.report_json =
      Json{{"fields", {{{"field", "total"}, {"accuracy", accuracy}, {"coverage", 1.0}}}},
           {"cases", {{{"id", "c1"}}, {{"id", "c2"}}}},
           {"errors", common::ParseJson(errors, "errors").value()}}
          .dump();
  return row;
}

TEST(ApiEvaluationsTest, ListsShowsAndComparesStoredEvaluations) {
  TestServer server;
  const std::string viewer = server.Token("viewer");
  ASSERT_EQ(server.Get("/api/v1/evaluations", viewer).body["evaluations"].size(), 0u);
  const std::string wrong_c2 =
      R"([{"document":"c2","field":"total","label":"2.00","predicted":"0.00","confidence":0.9}])";
  const std::string wrong_c1 =
      R"([{"document":"c1","field":"total","label":"1.00","predicted":"0.00","confidence":0.9}])";
  ASSERT_TRUE(server.store().PutEvaluation(Evaluation("ev-a", "invoice", 10, 0.5, wrong_c2)).ok());
  ASSERT_TRUE(server.store().PutEvaluation(Evaluation("ev-b", "invoice", 20, 0.5, wrong_c1)).ok());
  ASSERT_TRUE(server.store().PutEvaluation(Evaluation("ev-c", "other", 30, 1.0, "[]")).ok());

  ApiResponse all = server.Get("/api/v1/evaluations", viewer);
  ASSERT_EQ(all.status, 200) << all.body.dump();
  ASSERT_EQ(all.body["evaluations"].size(), 3u);
  EXPECT_EQ(all.body["evaluations"][0]["id"], "ev-c");
  ApiResponse invoice = server.Get("/api/v1/evaluations?workflow=invoice&limit=1", viewer);
  ASSERT_EQ(invoice.status, 200);
  ASSERT_EQ(invoice.body["evaluations"].size(), 1u);
  EXPECT_EQ(invoice.body["evaluations"][0]["id"], "ev-b");
  EXPECT_EQ(invoice.body["evaluations"][0]["summary"]["mean_field_accuracy"], 0.5);
  EXPECT_FALSE(invoice.body["evaluations"][0].contains("report"));

  ApiResponse one = server.Get("/api/v1/evaluations/ev-a", viewer);
  ASSERT_EQ(one.status, 200) << one.body.dump();
  EXPECT_EQ(one.body["dataset_version"], 1);
  EXPECT_EQ(one.body["report"]["errors"][0]["document"], "c2");
  EXPECT_EQ(server.Get("/api/v1/evaluations/ev-nope", viewer).status, 404);

  ApiResponse compared = server.Get("/api/v1/evaluations/compare?a=ev-a&b=ev-b", viewer);
  ASSERT_EQ(compared.status, 200) << compared.body.dump();
  ASSERT_EQ(compared.body["right_to_wrong"].size(), 1u);
  EXPECT_EQ(compared.body["right_to_wrong"][0]["case"], "c1");
  ASSERT_EQ(compared.body["wrong_to_right"].size(), 1u);
  EXPECT_EQ(compared.body["wrong_to_right"][0]["case"], "c2");
  EXPECT_EQ(compared.body["fields"][0]["accuracy"]["difference"], 0.0);
  EXPECT_EQ(server.Get("/api/v1/evaluations/compare?a=ev-a", viewer).status, 400);
  EXPECT_EQ(server.Get("/api/v1/evaluations/compare?a=ev-a&b=ev-x", viewer).status, 404);
  EXPECT_EQ(server.Get("/api/v1/evaluations", "").status, 401);
}

}  // namespace
}  // namespace flowline::server
