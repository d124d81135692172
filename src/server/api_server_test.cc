// The server's plumbing: probes, the OpenAPI document, deploys, and bad input of every kind.
#include "server/api_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "absl/strings/ascii.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

class ApiServerTest : public ::testing::Test {
 protected:
  TestServer server_;
};

void ExpectJsonError(const ApiResponse& response, int status, const std::string& code) {
  EXPECT_EQ(response.status, status) << response.body.dump(2);
  EXPECT_THAT(response.content_type, HasSubstr("application/json"));
  ASSERT_TRUE(response.body.is_object()) << response.body.dump();
  EXPECT_EQ(response.body["error"]["code"], code) << response.body.dump(2);
  EXPECT_TRUE(response.body["error"]["message"].is_string());
}

TEST_F(ApiServerTest, HealthzNeedsNoToken) {
  ApiResponse response = server_.Get("/healthz", "");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, Json::parse(R"({"status": "ok"})"));
}

TEST_F(ApiServerTest, HealthReportsStoreWorkerAndVersion) {
  ApiResponse response = server_.Get("/api/v1/health", server_.Token("viewer"));
  ASSERT_EQ(response.status, 200) << response.body.dump();
  EXPECT_EQ(response.body["status"], "ok");
  EXPECT_EQ(response.body["store"], "ok");
  EXPECT_EQ(response.body["worker_id"], server_.engine().worker_id());
  EXPECT_FALSE(response.body["version"].get<std::string>().empty());
  EXPECT_GE(response.body["store_latency_ms"].get<double>(), 0);
  EXPECT_EQ(response.body["workers"], Json::array());  // nobody beats in this test server
  ExpectJsonError(server_.Get("/api/v1/health", ""), 401, "unauthenticated");
}

TEST_F(ApiServerTest, HealthListsTheWorkersSeenInTheLastMinuteAndMarksStaleOnes) {
  const absl::Time now = common::SystemClock::Get().Now();
  auto beat = [&](const std::string& id, const std::string& role, absl::Duration ago) {
    store::WorkerHeartbeat heartbeat;
    heartbeat.worker_id = id;
    heartbeat.host = "host-" + id;
    heartbeat.pid = 42;
    heartbeat.role = role;
    heartbeat.flowline_version = "0.1.0";
    heartbeat.started_at = now - absl::Hours(1);
    heartbeat.seen_at = now - ago;
    heartbeat.workers = role == "worker" ? 8 : 0;
    heartbeat.steps_running = 3;
    ASSERT_TRUE(server_.store().PutWorkerHeartbeat(heartbeat).ok());
  };
  beat("a-live", "worker", absl::Seconds(2));
  beat("b-quiet", "worker", absl::Seconds(40));  // missed three heartbeats: stale
  beat("c-gone", "serve", absl::Minutes(5));     // not seen in the last minute: not listed

  ApiResponse response = server_.Get("/api/v1/health", server_.Token("viewer"));
  ASSERT_EQ(response.status, 200) << response.body.dump();
  const Json& workers = response.body["workers"];
  ASSERT_EQ(workers.size(), 2u) << workers.dump();
  EXPECT_EQ(workers[0]["worker_id"], "a-live");
  EXPECT_EQ(workers[0]["host"], "host-a-live");
  EXPECT_EQ(workers[0]["pid"], 42);
  EXPECT_EQ(workers[0]["role"], "worker");
  EXPECT_EQ(workers[0]["workers"], 8);
  EXPECT_EQ(workers[0]["steps_running"], 3);
  EXPECT_EQ(workers[0]["stale"], false);
  EXPECT_FALSE(workers[0]["seen_at"].get<std::string>().empty());
  EXPECT_EQ(workers[1]["worker_id"], "b-quiet");
  EXPECT_EQ(workers[1]["stale"], true);
  EXPECT_EQ(response.body["live_workers"], 1);
}

TEST_F(ApiServerTest, OpenApiDocumentsEveryRouteAndNothingElse) {
  ApiResponse response = server_.Get("/api/v1/openapi.json", "");
  ASSERT_EQ(response.status, 200);
  const Json& doc = response.body;
  EXPECT_EQ(doc["openapi"], "3.0.3");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");

  std::set<std::pair<std::string, std::string>> served;
  for (const RouteInfo& route : server_.api().Routes()) {
    served.insert({absl::AsciiStrToLower(route.method), route.pattern});
  }
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc["paths"].items()) {
    if (item.value("x-flowline-dynamic", false)) continue;  // webhooks: checked below
    for (const auto& [method, operation] : item.items()) {
      if (method.rfind("x-", 0) == 0 || method == "parameters") continue;
      documented.insert({method, path});
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
    }
  }
  EXPECT_EQ(served, documented);
  EXPECT_TRUE(doc["paths"]["/hooks/{hook}"].contains("post"));
}

TEST_F(ApiServerTest, DeploysAYamlSpecThenReportsTheSameVersion) {
  ApiResponse first =
      server_.Post("/api/v1/workflows", kGreetSpec, server_.Token("operator"), "application/yaml");
  ASSERT_EQ(first.status, 201) << first.body.dump(2);
  EXPECT_EQ(first.body["workflow"], "greet");
  EXPECT_EQ(first.body["created"], true);
  const std::string version = first.body["version"];

  // The same spec as JSON {spec, source}: the version exists already.
  Json body = {{"spec", kGreetSpec}, {"source", "greet.yaml"}};
  ApiResponse again = server_.Post("/api/v1/workflows", body.dump(), server_.Token("admin"));
  ASSERT_EQ(again.status, 200) << again.body.dump(2);
  EXPECT_EQ(again.body["version"], version);
  EXPECT_EQ(again.body["created"], false);

  ApiResponse list = server_.Get("/api/v1/workflows", server_.Token("viewer"));
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["workflows"].size(), 1u);
  EXPECT_EQ(list.body["workflows"][0]["live_version"], version);

  ApiResponse one = server_.Get("/api/v1/workflows/greet", server_.Token("viewer"));
  ASSERT_EQ(one.status, 200) << one.body.dump(2);
  EXPECT_EQ(one.body["live_version"], version);
  EXPECT_EQ(one.body["spec"], kGreetSpec);
  ASSERT_EQ(one.body["versions"].size(), 1u);
  EXPECT_EQ(one.body["versions"][0]["live"], true);
  EXPECT_EQ(one.body["steps"][0]["uses"], "script");
}

TEST_F(ApiServerTest, WorkflowStepsSayWhatTheyNeedAndWhen) {
  server_.Deploy(R"(workflow: two-steps
steps:
  - id: first
    uses: script
    with: { code: "return {n = 1}" }
  - id: second
    uses: script
    when: ${{ steps.first.output.n > 0 }}
    with: { code: "return {}" }
)");
  ApiResponse one = server_.Get("/api/v1/workflows/two-steps", server_.Token("viewer"));
  ASSERT_EQ(one.status, 200) << one.body.dump(2);
  ASSERT_EQ(one.body["steps"].size(), 2u);
  EXPECT_EQ(one.body["steps"][0]["needs"], Json::array());
  EXPECT_FALSE(one.body["steps"][0].contains("when"));
  EXPECT_EQ(one.body["steps"][1]["needs"], Json::array({"first"}));
  EXPECT_EQ(one.body["steps"][1]["when"], "${{ steps.first.output.n > 0 }}");
}

TEST_F(ApiServerTest, DescribesAnOlderVersionWhenAsked) {
  const std::string one_step = R"(workflow: evolving
steps:
  - id: first
    uses: script
    with: { code: "return {}" }
)";
  const auto deploy = [&](const std::string& yaml) -> std::string {
    ApiResponse response =
        server_.Post("/api/v1/workflows", yaml, server_.Token("operator"), "application/yaml");
    EXPECT_EQ(response.status, 201) << response.body.dump(2);
    return response.body.value("version", "");
  };
  const std::string old_version = deploy(one_step);
  const std::string new_version = deploy(one_step + R"(  - id: second
    uses: script
    with: { code: "return {}" }
)");
  ASSERT_NE(old_version, new_version);

  ApiResponse live = server_.Get("/api/v1/workflows/evolving", server_.Token("viewer"));
  ASSERT_EQ(live.status, 200) << live.body.dump(2);
  EXPECT_EQ(live.body["shown_version"], new_version);
  EXPECT_EQ(live.body["steps"].size(), 2u);

  // A prefix of the hash is enough; the older version's steps are described, live stays live.
  ApiResponse old = server_.Get("/api/v1/workflows/evolving?version=" + old_version.substr(0, 10),
                                server_.Token("viewer"));
  ASSERT_EQ(old.status, 200) << old.body.dump(2);
  EXPECT_EQ(old.body["shown_version"], old_version);
  EXPECT_EQ(old.body["live_version"], new_version);
  ASSERT_EQ(old.body["steps"].size(), 1u);
  EXPECT_EQ(old.body["steps"][0]["id"], "first");
  EXPECT_EQ(old.body["spec"], one_step);

  ExpectJsonError(server_.Get("/api/v1/workflows/evolving?version=zzzz", server_.Token("viewer")),
                  404, "not_found");
}

TEST_F(ApiServerTest, BadSpecListsEveryDiagnosticWithLineAndColumn) {
  const std::string spec =
      "workflow: broken\n"
      "stpes:\n"
      "  - id: a\n"
      "steps:\n"
      "  - id: b\n"
      "    uses: no-such-kind\n";
  Json body = {{"spec", spec}, {"source", "broken.yaml"}};
  ApiResponse response = server_.Post("/api/v1/workflows", body.dump(), server_.Token("operator"));
  ExpectJsonError(response, 400, "invalid_argument");
  const Json& details = response.body["error"]["details"];
  ASSERT_GE(details.size(), 2u) << response.body.dump(2);
  bool saw_typo = false, saw_kind = false;
  for (const Json& d : details) {
    EXPECT_EQ(d["file"], "broken.yaml") << d.dump();
    EXPECT_GT(d["line"].get<int>(), 0) << d.dump();
    EXPECT_GT(d["column"].get<int>(), 0) << d.dump();
    if (d["line"] == 2) saw_typo = true;
    if (d["line"] == 6) saw_kind = true;
  }
  EXPECT_TRUE(saw_typo) << details.dump(2);
  EXPECT_TRUE(saw_kind) << details.dump(2);
  // Nothing was stored.
  ApiResponse list = server_.Get("/api/v1/workflows", server_.Token("viewer"));
  EXPECT_TRUE(list.body["workflows"].empty());
}

TEST_F(ApiServerTest, DeployRefusesEmptyBodiesAndUnknownContentTypes) {
  ExpectJsonError(
      server_.Post("/api/v1/workflows", "", server_.Token("operator"), "application/yaml"), 400,
      "invalid_argument");
  ExpectJsonError(
      server_.Post("/api/v1/workflows", kGreetSpec, server_.Token("operator"), "image/png"), 400,
      "invalid_argument");
  ExpectJsonError(server_.Post("/api/v1/workflows", R"({"spec": 3})", server_.Token("operator")),
                  400, "invalid_argument");
}

TEST_F(ApiServerTest, MalformedJsonNamesLineAndColumn) {
  server_.Deploy(kGreetSpec);
  ApiResponse response =
      server_.Post("/api/v1/workflows/greet/runs", "{\n  \"id\": \"a\",\n  \"name\": }",
                   server_.Token("operator"));
  ExpectJsonError(response, 400, "invalid_argument");
  EXPECT_THAT(response.body["error"]["message"].get<std::string>(), HasSubstr("line 3, column"));
  // Nothing was started.
  ApiResponse runs = server_.Get("/api/v1/runs", server_.Token("viewer"));
  EXPECT_TRUE(runs.body["runs"].empty()) << runs.body.dump();
}

TEST_F(ApiServerTest, OversizedBodyGets413InJson) {
  ApiServerOptions options;
  options.max_body_bytes = 1024;
  TestServer small(options);
  small.Deploy(kGreetSpec);
  const std::string big = Json{{"id", "x"}, {"name", std::string(4096, 'a')}}.dump();
  ApiResponse response = small.Post("/api/v1/workflows/greet/runs", big, small.Token("operator"));
  ExpectJsonError(response, 413, "payload_too_large");
  EXPECT_THAT(response.body["error"]["message"].get<std::string>(), HasSubstr("1024"));
  ApiResponse runs = small.Get("/api/v1/runs", small.Token("viewer"));
  EXPECT_TRUE(runs.body["runs"].empty());
}

TEST_F(ApiServerTest, UnknownIdsAre404) {
  const std::string token = server_.Token("admin");
  ExpectJsonError(server_.Get("/api/v1/runs/run_nope", token), 404, "not_found");
  ExpectJsonError(server_.Get("/api/v1/tasks/task_nope", token), 404, "not_found");
  ExpectJsonError(server_.Get("/api/v1/workflows/nope", token), 404, "not_found");
  ExpectJsonError(server_.Post("/api/v1/workflows/nope/runs", "{}", token), 404, "not_found");
  ExpectJsonError(server_.Post("/api/v1/tasks/task_nope/claim", "{}", token), 404, "not_found");
  ExpectJsonError(server_.Post("/api/v1/tasks/task_nope/release", "", token), 404, "not_found");
  ExpectJsonError(
      server_.Post("/api/v1/tasks/task_nope/resolve", R"({"decision": "approve"})", token), 404,
      "not_found");
  ExpectJsonError(server_.Delete("/api/v1/tokens/tok_nope", token), 404, "not_found");
}

TEST_F(ApiServerTest, UnknownRoutesAre404AndWrongMethods405) {
  const std::string token = server_.Token("admin");
  ExpectJsonError(server_.Get("/api/v1/nothing", token), 404, "not_found");
  ExpectJsonError(server_.Get("/", ""), 404, "not_found");

  ApiResponse wrong = server_.Delete("/api/v1/runs", token);
  ExpectJsonError(wrong, 405, "method_not_allowed");
  EXPECT_EQ(wrong.allow, "GET");
  wrong = server_.Send("PUT", "/api/v1/workflows", "{}", token);
  ExpectJsonError(wrong, 405, "method_not_allowed");
  EXPECT_EQ(wrong.allow, "POST, GET");
  ExpectJsonError(server_.Get("/api/v1/tasks/x/claim", token), 405, "method_not_allowed");
}

TEST_F(ApiServerTest, PostWithoutContentLengthHasAnEmptyBody) {
  // What `curl -X POST` sends: no Content-Length, no Transfer-Encoding, hence no body.
  const std::string response = server_.RawHttp(
      "POST /api/v1/tasks/task_nope/release HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
      "Authorization: Bearer " +
      server_.Token("reviewer") + "\r\n\r\n");
  EXPECT_THAT(response, ::testing::StartsWith("HTTP/1.1 404"));
  EXPECT_THAT(response, HasSubstr(R"("code":"not_found")"));
}

TEST_F(ApiServerTest, CreateValidatesOptionsAndListenReportsBusyPorts) {
  common::SeededRandom random(1);
  ApiServerOptions no_threads;
  no_threads.threads = 0;
  EXPECT_TRUE(
      absl::IsInvalidArgument(ApiServer::Create(no_threads, server_.engine(), server_.store(),
                                                common::SystemClock::Get(), random)
                                  .status()));
  absl::StatusOr<std::unique_ptr<ApiServer>> other =
      ApiServer::Create({}, server_.engine(), server_.store(), common::SystemClock::Get(), random);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsUnavailable((*other)->Listen("127.0.0.1", server_.port())));
  EXPECT_EQ((*other)->port(), 0);
  ASSERT_TRUE((*other)->Listen("127.0.0.1", 0).ok());
  EXPECT_TRUE(absl::IsFailedPrecondition((*other)->Listen("127.0.0.1", 0)));
  (*other)->Stop();
  (*other)->Stop();  // idempotent
}

TEST_F(ApiServerTest, BadQueryParametersAre400) {
  const std::string token = server_.Token("viewer");
  ExpectJsonError(server_.Get("/api/v1/runs?limit=0", token), 400, "invalid_argument");
  ExpectJsonError(server_.Get("/api/v1/runs?limit=abc", token), 400, "invalid_argument");
  ExpectJsonError(server_.Get("/api/v1/runs?status=done", token), 400, "invalid_argument");
  ExpectJsonError(server_.Get("/api/v1/tasks?status=closed", token), 400, "invalid_argument");
}

}  // namespace
}  // namespace flowline::server
