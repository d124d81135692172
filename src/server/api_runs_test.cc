// Starting runs and reading them back through the API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

class ApiRunsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.Deploy(kGreetSpec); }

  ApiResponse Start(const Json& input, const std::string& query = "") {
    return server_.Post("/api/v1/workflows/greet/runs" + query, input.dump(),
                        server_.Token("operator"));
  }

  TestServer server_;
};

TEST_F(ApiRunsTest, StartsARunAndShowsItsTimeline) {
  ApiResponse started = Start({{"id", "a1"}, {"name", "Ada"}}, "?wait=10s");
  ASSERT_EQ(started.status, 201) << started.body.dump(2);
  EXPECT_EQ(started.body["workflow"], "greet");
  EXPECT_EQ(started.body["created"], true);
  EXPECT_EQ(started.body["status"], "completed") << started.body.dump(2);
  EXPECT_EQ(started.body["run"]["output"], Json::parse(R"({"greeting": "hello Ada"})"));
  const std::string run_id = started.body["run_id"];

  ApiResponse run = server_.Get("/api/v1/runs/" + run_id, server_.Token("viewer"));
  ASSERT_EQ(run.status, 200) << run.body.dump(2);
  EXPECT_EQ(run.body["status"], "completed");
  EXPECT_EQ(run.body["business_key"], "a1");
  EXPECT_EQ(run.body["input"], Json::parse(R"({"id": "a1", "name": "Ada"})"));
  ASSERT_EQ(run.body["steps"].size(), 1u) << run.body.dump(2);  // the end node is not shown
  const Json& step = run.body["steps"][0];
  EXPECT_EQ(step["step_id"], "hello");
  EXPECT_EQ(step["status"], "completed");
  EXPECT_EQ(step["attempt"], 1);
  EXPECT_EQ(step["output"], Json::parse(R"({"greeting": "hello Ada"})"));
  EXPECT_TRUE(step["started_at"].is_string());
  EXPECT_TRUE(step["finished_at"].is_string());
  EXPECT_TRUE(step["duration_ms"].is_number());
  EXPECT_TRUE(step.contains("params"));
  EXPECT_TRUE(step.contains("confidence"));
  EXPECT_TRUE(step["error"].is_null());
  EXPECT_TRUE(step["task_id"].is_null());
  ASSERT_FALSE(run.body["records"].empty());
  EXPECT_EQ(run.body["records"][0]["kind"], "run.created");
}

TEST_F(ApiRunsTest, SameBusinessKeyReturnsTheExistingRun) {
  ApiResponse first = Start({{"id", "dup"}, {"name", "A"}});
  ASSERT_EQ(first.status, 201) << first.body.dump();
  ApiResponse second = Start({{"id", "dup"}, {"name", "B"}});
  ASSERT_EQ(second.status, 200) << second.body.dump();
  EXPECT_EQ(second.body["created"], false);
  EXPECT_EQ(second.body["run_id"], first.body["run_id"]);
  ApiResponse runs = server_.Get("/api/v1/runs?workflow=greet", server_.Token("viewer"));
  EXPECT_EQ(runs.body["runs"].size(), 1u);
}

TEST_F(ApiRunsTest, InputThatBreaksTheSchemaIs400AndStartsNothing) {
  ApiResponse response = Start({{"id", 7}});
  EXPECT_EQ(response.status, 400) << response.body.dump(2);
  EXPECT_EQ(response.body["error"]["code"], "invalid_argument");
  EXPECT_THAT(response.body.dump(), HasSubstr("schema"));
  EXPECT_TRUE(response.body["error"]["details"].is_array()) << response.body.dump(2);
  ApiResponse runs = server_.Get("/api/v1/runs", server_.Token("viewer"));
  EXPECT_TRUE(runs.body["runs"].empty());
}

TEST_F(ApiRunsTest, WaitIsBoundedAndParsed) {
  EXPECT_EQ(Start({{"id", "w"}, {"name", "x"}}, "?wait=forever").status, 400);
  EXPECT_EQ(Start({{"id", "w"}, {"name", "x"}}, "?wait=2h").status, 400);
  EXPECT_EQ(Start({{"id", "w"}, {"name", "x"}}, "?version=nope").status, 404);
}

TEST_F(ApiRunsTest, ListsRunsNewestFirstAPageAtATime) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ApiResponse started = Start({{"id", absl::StrCat("p", i)}, {"name", "n"}}, "?wait=10s");
    ASSERT_EQ(started.status, 201);
    ids.push_back(started.body["run_id"]);
  }
  std::vector<std::string> seen;
  std::string next;
  for (int page = 0; page < 5; ++page) {
    std::string path = "/api/v1/runs?workflow=greet&limit=2";
    if (!next.empty()) path += "&before=" + next;
    ApiResponse response = server_.Get(path, server_.Token("viewer"));
    ASSERT_EQ(response.status, 200) << response.body.dump();
    for (const Json& run : response.body["runs"]) seen.push_back(run["run_id"]);
    if (response.body["next"].is_null()) break;
    next = response.body["next"];
  }
  std::vector<std::string> newest_first(ids.rbegin(), ids.rend());
  EXPECT_EQ(seen, newest_first);

  ApiResponse completed =
      server_.Get("/api/v1/runs?status=completed&limit=500", server_.Token("viewer"));
  EXPECT_EQ(completed.body["runs"].size(), 5u);
  ApiResponse failed = server_.Get("/api/v1/runs?status=failed", server_.Token("viewer"));
  EXPECT_TRUE(failed.body["runs"].empty());
}

}  // namespace
}  // namespace flowline::server

namespace flowline::server {
namespace {

TEST(ApiDocumentsTest, APostedDocumentIsKeptAndStartsARun) {
  TestServer server;
  server.Deploy(kIntakeSpec);
  const std::string pdf = "%PDF-1.4\n% a tiny stand-in for an invoice\n";
  ApiResponse started = server.Post("/api/v1/workflows/intake/documents?name=inv-7.pdf&wait=10s",
                                    pdf, server.Token("operator"), "application/pdf");
  ASSERT_EQ(started.status, 201) << started.body.dump(2);
  const Json output = started.body["run"]["output"];
  const std::string key = output["file"];
  EXPECT_EQ(key, "sha256:" + common::Sha256Hex(pdf) + ".pdf");
  EXPECT_EQ(output["name"], "inv-7.pdf");
  auto kept = server.artifacts().Get(key);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(*kept, pdf);

  // The same document again is the same run (its hash is the business key).
  ApiResponse again = server.Post("/api/v1/workflows/intake/documents", pdf,
                                  server.Token("operator"), "application/pdf");
  EXPECT_EQ(again.status, 200) << again.body.dump(2);
  EXPECT_EQ(again.body["run_id"], started.body["run_id"]);
}

TEST(ApiDocumentsTest, WhatIsNotADocumentIs400AndAViewerMayNotUpload) {
  TestServer server;
  server.Deploy(kIntakeSpec);
  ApiResponse empty = server.Post("/api/v1/workflows/intake/documents", "",
                                  server.Token("operator"), "application/pdf");
  EXPECT_EQ(empty.status, 400);
  EXPECT_THAT(empty.body.dump(), HasSubstr("--data-binary"));
  ApiResponse text = server.Post("/api/v1/workflows/intake/documents", "hello",
                                 server.Token("operator"), "text/plain");
  EXPECT_EQ(text.status, 400);
  EXPECT_THAT(text.body.dump(), HasSubstr("not a PDF, PNG, JPEG or TIFF"));
  ApiResponse viewer = server.Post("/api/v1/workflows/intake/documents", "%PDF-1.4",
                                   server.Token("viewer"), "application/pdf");
  EXPECT_EQ(viewer.status, 403);
  ApiResponse unknown = server.Post("/api/v1/workflows/nope/documents", "%PDF-1.4",
                                    server.Token("operator"), "application/pdf");
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(ApiRunsTest, ListsRunsByVersionBusinessKeyAndDate) {
  for (const char* id : {"INV-7", "inv-77", "other"}) {
    ASSERT_EQ(Start({{"id", id}, {"name", "n"}}, "?wait=10s").status, 201);
  }
  const std::string& viewer = server_.Token("viewer");
  ApiResponse all = server_.Get("/api/v1/runs?workflow=greet", viewer);
  ASSERT_EQ(all.status, 200);
  const std::string version = all.body["runs"][0]["version"];
  auto count = [&](const std::string& query) {
    ApiResponse response = server_.Get("/api/v1/runs?workflow=greet&" + query, viewer);
    EXPECT_EQ(response.status, 200) << query << ": " << response.body.dump();
    return response.body["runs"].size();
  };
  EXPECT_EQ(count("key=inv-7"), 2u);  // contains, any case
  EXPECT_EQ(count("key=OTHER"), 1u);
  EXPECT_EQ(count("version=" + version.substr(0, 8)), 3u);
  EXPECT_EQ(count("version=ffffffff0"), 0u);
  EXPECT_EQ(count("from=2000-01-01T00:00:00Z&until=2999-01-01T00:00:00Z"), 3u);
  EXPECT_EQ(count("until=2000-01-01T00:00:00Z"), 0u);
  ApiResponse bad = server_.Get("/api/v1/runs?from=yesterday", viewer);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body["error"]["message"].get<std::string>(), HasSubstr("RFC 3339"));
}

}  // namespace
}  // namespace flowline::server
