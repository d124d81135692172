// People's tasks through the API: a review step waits, a person claims and resolves it, the run
// goes on.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

class ApiTasksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Deploy(kReviewSpec);
    ApiResponse created = server_.Post("/api/v1/tokens", R"({"name": "bea", "role": "reviewer"})",
                                       server_.Token("admin"));
    ASSERT_EQ(created.status, 201);
    second_reviewer_ = created.body["token"];
  }

  TestServer server_;
  std::string second_reviewer_;
};

TEST_F(ApiTasksTest, ClaimResolveAndTheRunCompletes) {
  const std::string run_id = server_.StartRun("approve-it", {{"id", "inv-1"}});
  const std::string task_id = server_.WaitForTask(run_id);
  ASSERT_FALSE(task_id.empty());
  const std::string reviewer = server_.Token("reviewer");

  ApiResponse list = server_.Get("/api/v1/tasks?queue=approvals&status=open", reviewer);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["tasks"].size(), 1u) << list.body.dump(2);
  EXPECT_EQ(list.body["tasks"][0]["title"], "Approve inv-1");
  EXPECT_EQ(list.body["tasks"][0]["payload"]["decisions"], Json::parse(R"(["approve", "reject"])"));

  ApiResponse claimed =
      server_.Post("/api/v1/tasks/" + task_id + "/claim", R"({"lease": "15m"})", reviewer);
  ASSERT_EQ(claimed.status, 200) << claimed.body.dump(2);
  EXPECT_EQ(claimed.body["status"], "claimed");
  EXPECT_EQ(claimed.body["claimed_by"], "test-reviewer");

  // Someone else can neither claim nor resolve it while the claim lasts.
  ApiResponse stolen = server_.Post("/api/v1/tasks/" + task_id + "/claim", "", second_reviewer_);
  EXPECT_EQ(stolen.status, 409) << stolen.body.dump(2);
  EXPECT_EQ(stolen.body["error"]["code"], "failed_precondition");
  EXPECT_EQ(server_
                .Post("/api/v1/tasks/" + task_id + "/resolve", R"({"decision": "approve"})",
                      second_reviewer_)
                .status,
            409);

  // A decision the review does not offer is refused before anything is stored.
  ApiResponse odd =
      server_.Post("/api/v1/tasks/" + task_id + "/resolve", R"({"decision": "maybe"})", reviewer);
  EXPECT_EQ(odd.status, 400) << odd.body.dump(2);
  EXPECT_THAT(odd.body["error"]["message"].get<std::string>(), ::testing::HasSubstr("approve"));
  EXPECT_EQ(server_.Get("/api/v1/tasks/" + task_id, reviewer).body["status"], "claimed");

  ApiResponse resolved = server_.Post(
      "/api/v1/tasks/" + task_id + "/resolve",
      R"({"decision": "approve", "comment": "looks right", "data": {"total": 12}})", reviewer);
  ASSERT_EQ(resolved.status, 200) << resolved.body.dump(2);
  EXPECT_EQ(resolved.body["status"], "resolved");
  EXPECT_EQ(resolved.body["resolved_by"], "test-reviewer");

  absl::StatusOr<store::Run> run = server_.engine().WaitForRun(run_id, absl::Seconds(20));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, store::RunStatus::kCompleted);
  ApiResponse shown = server_.Get("/api/v1/runs/" + run_id, reviewer);
  EXPECT_EQ(shown.body["output"], Json::parse(R"({"decision": "approve", "by": "test-reviewer"})"));
  EXPECT_EQ(shown.body["steps"][0]["task_id"], task_id);

  // Resolving twice is a conflict.
  EXPECT_EQ(
      server_.Post("/api/v1/tasks/" + task_id + "/resolve", R"({"decision": "approve"})", reviewer)
          .status,
      409);
}

TEST_F(ApiTasksTest, ReleaseLetsSomeoneElseClaim) {
  const std::string task_id = server_.WaitForTask(server_.StartRun("approve-it", {{"id", "r"}}));
  const std::string reviewer = server_.Token("reviewer");
  ASSERT_EQ(server_.Post("/api/v1/tasks/" + task_id + "/claim", "", reviewer).status, 200);
  // Only the holder can release.
  EXPECT_EQ(server_.Post("/api/v1/tasks/" + task_id + "/release", "", second_reviewer_).status,
            409);
  ApiResponse released = server_.Post("/api/v1/tasks/" + task_id + "/release", "", reviewer);
  ASSERT_EQ(released.status, 200) << released.body.dump(2);
  EXPECT_EQ(released.body["status"], "open");
  EXPECT_EQ(server_.Post("/api/v1/tasks/" + task_id + "/claim", "{}", second_reviewer_).status,
            200);
}

TEST_F(ApiTasksTest, RejectEndsTheRunAsRejected) {
  const std::string run_id = server_.StartRun("approve-it", {{"id", "bad"}});
  const std::string task_id = server_.WaitForTask(run_id);
  ApiResponse resolved =
      server_.Post("/api/v1/tasks/" + task_id + "/resolve",
                   R"({"decision": "reject", "comment": "wrong vendor"})", server_.Token("admin"));
  ASSERT_EQ(resolved.status, 200) << resolved.body.dump(2);
  absl::StatusOr<store::Run> run = server_.engine().WaitForRun(run_id, absl::Seconds(20));
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, store::RunStatus::kRejected);
}

TEST_F(ApiTasksTest, BadTaskRequestsAre400) {
  const std::string task_id = server_.WaitForTask(server_.StartRun("approve-it", {{"id", "q"}}));
  const std::string reviewer = server_.Token("reviewer");
  const std::string base = "/api/v1/tasks/" + task_id;
  EXPECT_EQ(server_.Post(base + "/claim", R"({"lease": "soon"})", reviewer).status, 400);
  EXPECT_EQ(server_.Post(base + "/claim", R"({"lease": "0s"})", reviewer).status, 400);
  EXPECT_EQ(server_.Post(base + "/claim", "[1]", reviewer).status, 400);
  EXPECT_EQ(server_.Post(base + "/resolve", "", reviewer).status, 400);
  EXPECT_EQ(server_.Post(base + "/resolve", R"({"decision": ""})", reviewer).status, 400);
  EXPECT_EQ(server_.Post(base + "/resolve", R"({"decision": 1})", reviewer).status, 400);
  EXPECT_EQ(
      server_.Post(base + "/resolve", R"({"decision": "approve", "data": [1]})", reviewer).status,
      400);
  EXPECT_EQ(server_.Get(base, reviewer).body["status"], "open");
}

}  // namespace
}  // namespace flowline::server
