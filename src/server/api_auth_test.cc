// Who may call what: the full role x endpoint matrix, and what happens without a valid token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

const std::vector<std::string> kRoles = {"viewer", "reviewer", "operator", "admin"};

// The role table as docs/api.md states it, written out here independently of auth.cc.
const std::map<std::string, std::set<std::string>> kAllowedRoles = {
    {"public", {"viewer", "reviewer", "operator", "admin"}},
    {"read", {"viewer", "reviewer", "operator", "admin"}},
    {"review", {"reviewer", "operator", "admin"}},
    {"deploy", {"operator", "admin"}},
    {"start_run", {"operator", "admin"}},
    {"manage_tokens", {"admin"}},
};

struct Request {
  std::string path;
  std::string body;
};

struct Case {
  std::string group;  // a key of kAllowedRoles
  std::string method;
  std::string pattern;  // the route it exercises
  // Builds a request that succeeds when `token` is allowed (fresh resources where needed).
  std::function<Request(const std::string& token)> make;
};

class ApiAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Deploy(kGreetSpec);
    server_.Deploy(kReviewSpec);
    server_.Deploy(kIntakeSpec);
    run_id_ = server_.StartRun("greet", {{"id", "seed"}, {"name", "world"}});
    task_id_ = FreshTask();
    ASSERT_TRUE(server_.api().tokens().AddUser("pat", "viewer", "correct horse").ok());
    // A stored drift report to read (warming up: the workflow is new).
    ASSERT_EQ(
        server_.Post("/api/v1/workflows/greet/drift/check", "", server_.Token("operator")).status,
        200);
  }

  // An open alert of its own for each request that changes one.
  std::string FreshAlert() {
    store::AlertRaise raise;
    raise.alert_id = absl::StrCat("alert_test_", ++counter_);
    raise.workflow = "greet";
    raise.kind = "drift";
    raise.subject = absl::StrCat("feature_", counter_);
    raise.summary = "drifted";
    raise.detail_json = "{}";
    raise.now = absl::Now();
    EXPECT_TRUE(server_.store().RaiseAlert(raise).ok());
    return raise.alert_id;
  }

  // A stored evaluation to read (the same one for every role).
  std::string StoredEvaluation() {
    store::EvaluationRow row;
    row.evaluation_id = "ev-auth";
    row.workflow = "greet";
    row.dataset = "gold";
    row.split = "test";
    row.created_at = absl::Now();
    row.summary_json =
        R"({"cases": 1, "mean_field_accuracy": 1, "target_accuracy": 0.99, "straight_through": 1})";
    row.report_json = R"({"fields": [], "cases": [], "errors": []})";
    if (!server_.store().GetEvaluation(row.evaluation_id).ok()) {
      EXPECT_TRUE(server_.store().PutEvaluation(row).ok());
    }
    return row.evaluation_id;
  }

  std::string FreshTask() {
    std::string run = server_.StartRun("approve-it", {{"id", absl::StrCat("r", ++counter_)}});
    return server_.WaitForTask(run);
  }

  std::vector<Case> Cases() {
    auto fixed = [](std::string path, std::string body = "") {
      return [path, body](const std::string&) { return Request{path, body}; };
    };
    return {
        {"public", "GET", "/healthz", fixed("/healthz")},
        {"public", "GET", "/api/v1/openapi.json", fixed("/api/v1/openapi.json")},
        {"read", "GET", "/api/v1/health", fixed("/api/v1/health")},
        {"read", "GET", "/api/v1/workflows", fixed("/api/v1/workflows")},
        {"read", "GET", "/api/v1/workflows/{name}", fixed("/api/v1/workflows/greet")},
        {"read", "GET", "/api/v1/workflows/{name}/shadow", fixed("/api/v1/workflows/greet/shadow")},
        {"read", "GET", "/api/v1/runs", fixed("/api/v1/runs?workflow=greet")},
        {"read", "GET", "/api/v1/runs/{id}", fixed("/api/v1/runs/" + run_id_)},
        {"read", "GET", "/api/v1/tasks", fixed("/api/v1/tasks?queue=approvals")},
        {"read", "GET", "/api/v1/tasks/{id}", fixed("/api/v1/tasks/" + task_id_)},
        {"read", "GET", "/api/v1/artifacts/{ref}",
         [this](const std::string&) {
           absl::StatusOr<std::string> ref = server_.artifacts().Put("page image", "png");
           EXPECT_TRUE(ref.ok());
           return Request{"/api/v1/artifacts/" + *ref, ""};
         }},
        {"review", "POST", "/api/v1/tasks/{id}/claim",
         [this](const std::string&) {
           return Request{"/api/v1/tasks/" + FreshTask() + "/claim", R"({"lease": "5m"})"};
         }},
        {"review", "POST", "/api/v1/tasks/{id}/release",
         [this](const std::string& token) {
           std::string task = FreshTask();
           server_.Post("/api/v1/tasks/" + task + "/claim", "{}", token);
           return Request{"/api/v1/tasks/" + task + "/release", ""};
         }},
        {"review", "POST", "/api/v1/tasks/{id}/resolve",
         [this](const std::string&) {
           return Request{"/api/v1/tasks/" + FreshTask() + "/resolve",
                          R"({"decision": "approve", "comment": "fine"})"};
         }},
        {"deploy", "POST", "/api/v1/workflows",
         [](const std::string&) {
           return Request{"/api/v1/workflows", Json{{"spec", kGreetSpec}}.dump()};
         }},
        {"start_run", "POST", "/api/v1/workflows/{name}/runs",
         [this](const std::string&) {
           return Request{"/api/v1/workflows/greet/runs",
                          Json{{"id", absl::StrCat("m", ++counter_)}, {"name", "x"}}.dump()};
         }},
        {"start_run", "POST", "/api/v1/workflows/{name}/documents",
         [this](const std::string&) {
           return Request{"/api/v1/workflows/intake/documents",
                          absl::StrCat("%PDF-1.4\n% document ", ++counter_, "\n")};
         }},
        {"public", "POST", "/api/v1/session",
         fixed("/api/v1/session", R"({"user": "pat", "password": "correct horse"})")},
        {"read", "GET", "/api/v1/session", fixed("/api/v1/session")},
        {"read", "DELETE", "/api/v1/session", fixed("/api/v1/session")},
        {"read", "GET", "/api/v1/queues", fixed("/api/v1/queues")},
        {"read", "GET", "/api/v1/corrections", fixed("/api/v1/corrections?workflow=approve-it")},
        {"read", "GET", "/api/v1/workflows/{name}/measures",
         fixed("/api/v1/workflows/greet/measures?granularity=day")},
        {"read", "GET", "/metrics", fixed("/metrics")},
        {"deploy", "POST", "/api/v1/workflows/{name}/pause",
         fixed("/api/v1/workflows/intake/pause")},
        {"deploy", "POST", "/api/v1/workflows/{name}/resume",
         fixed("/api/v1/workflows/intake/resume")},
        {"read", "GET", "/api/v1/workflows/{name}/drift", fixed("/api/v1/workflows/greet/drift")},
        {"deploy", "POST", "/api/v1/workflows/{name}/drift/check",
         fixed("/api/v1/workflows/greet/drift/check")},
        {"read", "GET", "/api/v1/alerts", fixed("/api/v1/alerts")},
        {"read", "GET", "/api/v1/alerts/{id}",
         [this](const std::string&) {
           return Request{"/api/v1/alerts/" + FreshAlert(), ""};
         }},
        {"deploy", "POST", "/api/v1/alerts/{id}/acknowledge",
         [this](const std::string&) {
           return Request{"/api/v1/alerts/" + FreshAlert() + "/acknowledge", ""};
         }},
        {"deploy", "POST", "/api/v1/alerts/{id}/resolve",
         [this](const std::string&) {
           return Request{"/api/v1/alerts/" + FreshAlert() + "/resolve", R"({"note": "ok"})"};
         }},
        {"read", "GET", "/api/v1/datasets", fixed("/api/v1/datasets")},
        {"read", "GET", "/api/v1/datasets/{name}",
         [this](const std::string&) {
           store::DatasetAppend append;
           append.dataset.name = "labelled";
           append.cases.resize(1);
           append.cases[0].case_key = "case-1";
           EXPECT_TRUE(server_.store().AppendDatasetCases(append).ok());
           return Request{"/api/v1/datasets/labelled", ""};
         }},
        {"read", "GET", "/api/v1/evaluations", fixed("/api/v1/evaluations")},
        {"read", "GET", "/api/v1/evaluations/{id}",
         [this](const std::string&) {
           return Request{"/api/v1/evaluations/" + StoredEvaluation(), ""};
         }},
        {"read", "GET", "/api/v1/evaluations/compare",
         [this](const std::string&) {
           const std::string id = StoredEvaluation();
           return Request{"/api/v1/evaluations/compare?a=" + id + "&b=" + id, ""};
         }},
        {"manage_tokens", "GET", "/api/v1/tokens", fixed("/api/v1/tokens")},
        {"manage_tokens", "POST", "/api/v1/tokens",
         fixed("/api/v1/tokens", R"({"name": "made-by-test", "role": "viewer"})")},
        {"manage_tokens", "DELETE", "/api/v1/tokens/{id}",
         [this](const std::string&) {
           absl::StatusOr<CreatedToken> doomed =
               server_.api().tokens().IssueToken("doomed", "viewer");
           EXPECT_TRUE(doomed.ok());
           return Request{"/api/v1/tokens/" + doomed->token_id, ""};
         }},
    };
  }

  TestServer server_;
  std::string run_id_;
  std::string task_id_;
  int counter_ = 0;
};

TEST_F(ApiAuthTest, EveryRoleGetsExactlyWhatTheTableSays) {
  std::set<std::pair<std::string, std::string>> covered;
  for (const Case& c : Cases()) {
    covered.insert({c.method, c.pattern});
    for (const std::string& role : kRoles) {
      const bool allowed = kAllowedRoles.at(c.group).count(role) > 0;
      const std::string& token = server_.Token(role);
      Request request = c.make(token);
      ApiResponse response = server_.Send(c.method, request.path, request.body, token);
      if (allowed) {
        EXPECT_GE(response.status, 200) << role << " " << c.method << " " << request.path;
        EXPECT_LT(response.status, 300)
            << role << " " << c.method << " " << request.path << ": " << response.body.dump();
      } else {
        EXPECT_EQ(response.status, 403)
            << role << " " << c.method << " " << request.path << ": " << response.body.dump();
        EXPECT_EQ(response.body["error"]["code"], "permission_denied");
      }
    }
  }
  // The matrix exercises every route the server has.
  std::set<std::pair<std::string, std::string>> routes;
  for (const RouteInfo& route : server_.api().Routes())
    routes.insert({route.method, route.pattern});
  EXPECT_EQ(covered, routes);
}

TEST_F(ApiAuthTest, MissingOrInvalidTokensAre401OnEveryProtectedRoute) {
  absl::StatusOr<CreatedToken> revoked = server_.api().tokens().IssueToken("gone", "admin");
  ASSERT_TRUE(revoked.ok());
  ASSERT_TRUE(server_.api().tokens().RevokeToken(revoked->token_id).ok());
  const std::vector<std::string> bad_tokens = {"", "flt_" + std::string(43, 'A'), "not-a-token",
                                               revoked->secret};
  for (const Case& c : Cases()) {
    if (c.group == "public") continue;
    // A request the admin could make, sent without a valid token.
    Request request = c.make(server_.Token("admin"));
    for (const std::string& token : bad_tokens) {
      ApiResponse response = server_.Send(c.method, request.path, request.body, token);
      EXPECT_EQ(response.status, 401)
          << c.method << " " << request.path << " with '" << token << "': " << response.body.dump();
      EXPECT_EQ(response.body["error"]["code"], "unauthenticated");
    }
  }
}

TEST_F(ApiAuthTest, TokensCreatedThroughTheApiWorkOnceAndCanBeRevoked) {
  ApiResponse created = server_.Post("/api/v1/tokens", R"({"name": "bot", "role": "operator"})",
                                     server_.Token("admin"));
  ASSERT_EQ(created.status, 201) << created.body.dump();
  const std::string secret = created.body["token"];
  EXPECT_EQ(created.body["role"], "operator");
  EXPECT_EQ(server_.Get("/api/v1/workflows", secret).status, 200);

  ApiResponse list = server_.Get("/api/v1/tokens", server_.Token("admin"));
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body.dump().find(secret), std::string::npos);  // secrets are never listed
  EXPECT_EQ(list.body.dump().find("hash"), std::string::npos);

  const std::string id = created.body["token_id"];
  EXPECT_EQ(server_.Delete("/api/v1/tokens/" + id, server_.Token("admin")).status, 200);
  EXPECT_EQ(server_.Get("/api/v1/workflows", secret).status, 401);

  ApiResponse bad =
      server_.Post("/api/v1/tokens", R"({"name": "x", "role": "root"})", server_.Token("admin"));
  EXPECT_EQ(bad.status, 400);
}

}  // namespace
}  // namespace flowline::server
