// Datasets over HTTP for the web UI: the list, and one dataset's versions with a version's counts
// per split, source and slice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_server.h"

namespace flowline::server {
namespace {

store::NewDatasetCase Case(const std::string& key, const std::string& vendor,
                           const std::string& source) {
  store::NewDatasetCase c;
  c.case_key = key;
  c.expected_json = R"({"doc_type":"invoice","fields":{"total_amount":"1.00"}})";
  c.source = source;
  c.slices_json = R"({"vendor":")" + vendor + R"("})";
  return c;
}

TEST(ApiDatasetsTest, ListsDatasetsAndSummarisesAVersion) {
  TestServer server;
  const std::string viewer = server.Token("viewer");
  ApiResponse empty = server.Get("/api/v1/datasets", viewer);
  ASSERT_EQ(empty.status, 200) << empty.body.dump();
  EXPECT_TRUE(empty.body["datasets"].empty());

  store::DatasetAppend append;
  append.dataset.name = "invoice-approval.reviewed";
  append.dataset.workflow = "invoice-approval";
  append.now = absl::FromUnixSeconds(1'800'000'000);
  append.cases = {Case("a", "ACME", "review:t1"), Case("b", "ACME", "audit:t2")};
  ASSERT_TRUE(server.store().AppendDatasetCases(append).ok());
  append.cases.push_back(Case("c", "Globex", "review:t3"));
  ASSERT_TRUE(server.store().AppendDatasetCases(append).ok());

  ApiResponse list = server.Get("/api/v1/datasets", viewer);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["datasets"].size(), 1u);
  EXPECT_EQ(list.body["datasets"][0]["name"], "invoice-approval.reviewed");
  EXPECT_EQ(list.body["datasets"][0]["version"], 2);
  EXPECT_EQ(list.body["datasets"][0]["cases"], 3);
  EXPECT_EQ(list.body["datasets"][0]["split"]["test_share"], 0.2);

  ApiResponse one = server.Get("/api/v1/datasets/invoice-approval.reviewed", viewer);
  ASSERT_EQ(one.status, 200) << one.body.dump();
  ASSERT_EQ(one.body["versions"].size(), 2u);
  EXPECT_EQ(one.body["versions"][0]["cases"], 2);
  const Json& summary = one.body["summary"];
  EXPECT_EQ(summary["version"], 2);
  EXPECT_EQ(summary["cases"], 3);
  EXPECT_EQ(summary["sources"], (Json{{"audit", 1}, {"review", 2}}));
  EXPECT_EQ(summary["slices"]["vendor"], (Json{{"ACME", 2}, {"Globex", 1}}));
  EXPECT_EQ(summary["fields"]["total_amount"], 3);
  EXPECT_EQ(summary["splits"]["train"].get<int>() + summary["splits"]["validation"].get<int>() +
                summary["splits"]["test"].get<int>(),
            3);

  ApiResponse first = server.Get("/api/v1/datasets/invoice-approval.reviewed?version=1", viewer);
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body["summary"]["cases"], 2);
  EXPECT_EQ(server.Get("/api/v1/datasets/invoice-approval.reviewed?version=9", viewer).status, 404);
  EXPECT_EQ(server.Get("/api/v1/datasets/invoice-approval.reviewed?version=x", viewer).status, 400);
  EXPECT_EQ(server.Get("/api/v1/datasets/nope", viewer).status, 404);
  EXPECT_EQ(server.Get("/api/v1/datasets", "").status, 401);
}

}  // namespace
}  // namespace flowline::server
