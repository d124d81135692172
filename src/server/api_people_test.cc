// Signing in with a password (the session cookie and its cross-site guard), the stop switch, the
// queues and the corrections, through the HTTP API.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

// The value of the session cookie a Set-Cookie header carries ("" if none).
std::string CookieFrom(const httplib::Result& result) {
  std::string header = result->get_header_value("Set-Cookie");
  const std::string prefix = "flowline_session=";
  if (header.rfind(prefix, 0) != 0) return "";
  return header.substr(prefix.size(), header.find(';') - prefix.size());
}

class ApiPeopleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.api().tokens().AddUser("ann", "reviewer", "correct horse").ok());
  }

  httplib::Result SignIn(const std::string& user, const std::string& password) {
    httplib::Client client("127.0.0.1", server_.port());
    return client.Post("/api/v1/session", Json{{"user", user}, {"password", password}}.dump(),
                       "application/json");
  }

  TestServer server_;
};

TEST_F(ApiPeopleTest, ASignedInBrowserUsesTheCookieAndMustSayItsRequestsAreItsOwn) {
  httplib::Result signed_in = SignIn("ann", "correct horse");
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  EXPECT_THAT(signed_in->get_header_value("Set-Cookie"),
              HasSubstr("HttpOnly; SameSite=Strict; Max-Age=43200"));
  Json body = Json::parse(signed_in->body);
  EXPECT_EQ(body["user"], "ann");
  EXPECT_EQ(body["role"], "reviewer");
  EXPECT_FALSE(body.contains("secret"));  // the secret lives only in the HttpOnly cookie
  const std::string cookie = CookieFrom(signed_in);
  ASSERT_FALSE(cookie.empty());

  httplib::Client client("127.0.0.1", server_.port());
  httplib::Headers with_cookie = {{"Cookie", "other=1; flowline_session=" + cookie}};
  httplib::Result me = client.Get("/api/v1/session", with_cookie);
  ASSERT_EQ(me->status, 200) << me->body;
  EXPECT_EQ(Json::parse(me->body)["session"], true);

  server_.Deploy(kReviewSpec);
  std::string run = server_.StartRun("approve-it", {{"id", "x"}});
  std::string task = server_.WaitForTask(run);
  // Without the header a cross-site form cannot send: refused, nothing changed.
  httplib::Result forged = client.Post(("/api/v1/tasks/" + task + "/claim").c_str(), with_cookie,
                                       "{}", "application/json");
  EXPECT_EQ(forged->status, 403) << forged->body;
  EXPECT_THAT(forged->body, HasSubstr("X-Flowline-Request"));
  httplib::Headers own = with_cookie;
  own.emplace("X-Flowline-Request", "1");
  httplib::Result claimed =
      client.Post(("/api/v1/tasks/" + task + "/claim").c_str(), own, "{}", "application/json");
  ASSERT_EQ(claimed->status, 200) << claimed->body;
  EXPECT_EQ(Json::parse(claimed->body)["claimed_by"], "ann");

  // A reviewer may not deploy, cookie or not.
  httplib::Result deploy =
      client.Post("/api/v1/workflows", own, Json{{"spec", kGreetSpec}}.dump(), "application/json");
  EXPECT_EQ(deploy->status, 403);

  httplib::Result out = client.Delete("/api/v1/session", own);
  ASSERT_EQ(out->status, 200) << out->body;
  EXPECT_THAT(out->get_header_value("Set-Cookie"), HasSubstr("Max-Age=0"));
  EXPECT_EQ(client.Get("/api/v1/session", with_cookie)->status, 401);
}

TEST_F(ApiPeopleTest, WrongPasswordsAreRefusedAlike) {
  for (auto [user, password] : {std::pair{"ann", "wrong"}, std::pair{"nobody", "correct horse"}}) {
    httplib::Result refused = SignIn(user, password);
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 401);
    EXPECT_THAT(refused->body, HasSubstr("wrong user name or password"));
    EXPECT_EQ(refused->get_header_value("Set-Cookie"), "");
  }
  httplib::Client client("127.0.0.1", server_.port());
  EXPECT_EQ(client.Post("/api/v1/session", "{\"user\": \"ann\"}", "application/json")->status, 400);
}

TEST_F(ApiPeopleTest, TheStopSwitchHoldsNewRunsUntilResumed) {
  server_.Deploy(kGreetSpec);
  const std::string& operator_token = server_.Token("operator");
  ApiResponse paused = server_.Post("/api/v1/workflows/greet/pause", "", operator_token);
  ASSERT_EQ(paused.status, 200) << paused.body.dump();
  EXPECT_EQ(paused.body["paused"], true);
  EXPECT_EQ(paused.body["paused_by"], "test-operator");  // the token's name
  EXPECT_EQ(server_.Post("/api/v1/workflows/greet/pause", "", server_.Token("reviewer")).status,
            403);

  std::string run = server_.StartRun("greet", {{"id", "held"}, {"name", "x"}});
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(server_.Get("/api/v1/runs/" + run, operator_token).body["status"], "running");
  ApiResponse listed = server_.Get("/api/v1/workflows", operator_token);
  EXPECT_EQ(listed.body["workflows"][0]["paused"], true);

  ASSERT_EQ(server_.Post("/api/v1/workflows/greet/resume", "", operator_token).status, 200);
  auto finished = server_.engine().WaitForRun(run, absl::Seconds(10));
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(finished->status, store::RunStatus::kCompleted);
  EXPECT_EQ(server_.Post("/api/v1/workflows/nope/pause", "", operator_token).status, 404);
}

TEST_F(ApiPeopleTest, QueuesAndCorrectionsAreListed) {
  server_.Deploy(kReviewSpec);
  std::string task = server_.WaitForTask(server_.StartRun("approve-it", {{"id", "q"}}));
  const std::string& viewer = server_.Token("viewer");
  ApiResponse queues = server_.Get("/api/v1/queues", viewer);
  ASSERT_EQ(queues.status, 200);
  ASSERT_EQ(queues.body["queues"].size(), 1u);
  EXPECT_EQ(queues.body["queues"][0]["queue"], "approvals");
  EXPECT_EQ(queues.body["queues"][0]["open"], 1);

  ApiResponse corrections = server_.Get("/api/v1/corrections?changed=true", viewer);
  ASSERT_EQ(corrections.status, 200);
  EXPECT_TRUE(corrections.body["corrections"].empty());
  EXPECT_EQ(server_.Get("/api/v1/corrections?changed=maybe", viewer).status, 400);
  EXPECT_EQ(server_.Get("/api/v1/corrections?after=x", viewer).status, 400);
  EXPECT_EQ(server_.Get("/api/v1/tasks?overdue=false", viewer).status, 400);
  ApiResponse overdue = server_.Get("/api/v1/tasks?overdue=true", viewer);
  ASSERT_EQ(overdue.status, 200);
  EXPECT_TRUE(overdue.body["tasks"].empty());  // the review has no SLA
}

}  // namespace
}  // namespace flowline::server
