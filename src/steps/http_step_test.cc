#include "steps/http_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "steps/http_client.h"
#include "steps/step_test_util.h"
#include "steps/test_http_server.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::MustPrepare;
using ::testing::Not;
using testing::PrepareStep;

constexpr char kToken[] = "tok-5ecret-bearer-0123456789";
constexpr char kPassword[] = "pa55-w0rd-very-secret";
constexpr char kApiKey[] = "apikey-abcdef-987654321";

// Echoes what it received as JSON: method, path, query, headers (lower-cased) and body.
void Echo(const httplib::Request& req, httplib::Response& res) {
  Json headers = Json::object();
  for (const auto& [name, value] : req.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    headers[lower] = value;
  }
  Json query = Json::object();
  for (const auto& [name, value] : req.params) {
    if (!query.contains(name)) {
      query[name] = value;
    } else {  // a repeated name: a list, in order
      if (!query[name].is_array()) query[name] = Json::array({query[name]});
      query[name].push_back(value);
    }
  }
  Json body = Json::parse(req.body, nullptr, false);
  if (body.is_discarded()) body = req.body;
  res.set_content(Json{{"method", req.method},
                       {"idempotency_key", req.get_header_value("Idempotency-Key")},
                       {"query", query},
                       {"headers", headers},
                       {"body", body}}
                      .dump(),
                  "application/json");
}

class HttpStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLOWLINE_TEST_TOKEN", kToken, 1);
    setenv("FLOWLINE_TEST_USER", "alice", 1);
    setenv("FLOWLINE_TEST_PASSWORD", kPassword, 1);
    setenv("FLOWLINE_TEST_API_KEY", kApiKey, 1);
    unsetenv("FLOWLINE_TEST_UNSET");

    auto& svr = server_.server();
    svr.Get("/echo", Echo);
    svr.Post("/echo", Echo);
    svr.Put("/echo", Echo);
    svr.Get("/basic", [this](const httplib::Request& req, httplib::Response& res) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        received_authorization_ = req.get_header_value("Authorization");
      }
      Echo(req, res);
    });
    svr.Get("/busy", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "7");
      res.set_content("slow down", "text/plain");
    });
    svr.Get("/busy-until", [](const httplib::Request&, httplib::Response& res) {
      res.status = 429;
      res.set_header("Retry-After", "Tue, 14 Nov 2023 22:13:40 GMT");  // clock start + 20 s
    });
    svr.Get("/down", [](const httplib::Request&, httplib::Response& res) {
      res.status = 503;
      res.set_header("Retry-After", "2");
      res.set_content("maintenance", "text/plain");
    });
    svr.Get("/missing", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 404;
      // A careless server that echoes the credentials in its error page.
      res.set_content("no such case (you sent " + req.get_header_value("Authorization") + ") " +
                          std::string(500, '.'),
                      "text/plain");
    });
    svr.Get("/text", [](const httplib::Request&, httplib::Response& res) {
      res.set_content("plain words", "text/plain");
    });
    svr.Get("/slow", [this](const httplib::Request&, httplib::Response& res) {
      server_.WaitForRelease();
      res.set_content("{}", "application/json");
    });
    svr.set_pre_routing_handler([this](const httplib::Request&, httplib::Response&) {
      ++requests_;
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_.Start();
  }

  StepOutcome Run(const Json& with) {
    std::unique_ptr<PreparedStep> step = MustPrepare(kind_, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    params_ = with;
    StepContext ctx;
    ctx.step_id = "call";
    ctx.idempotency_key = "run_1/call";
    ctx.params = &params_;
    ctx.clock = &clock_;
    ctx.deadline = deadline_;
    ctx.http = http_.get();
    return step->Execute(ctx);
  }

  std::string ReceivedAuthorization() {
    std::lock_guard<std::mutex> lock(mu_);
    return received_authorization_;
  }

  testing::TestHttpServer server_;
  std::atomic<int> requests_{0};
  std::mutex mu_;
  std::string received_authorization_;
  HttpStep kind_;
  common::FakeClock clock_;  // starts at 2023-11-14T22:13:20Z
  absl::Time deadline_ = absl::InfiniteFuture();
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
  Json params_;
};

TEST_F(HttpStepTest, SendsIdempotencyKeyHeadersQueryAndJsonBody) {
  const StepOutcome outcome =
      Run({{"method", "post"},
           {"url", server_.Url("/echo")},
           {"headers", {{"X-Tenant", "acme"}, {"X-Attempt", 2}}},
           {"query", {{"q", "a b&c"}, {"tag", {"x", "y"}}, {"skip", nullptr}}},
           {"body", {{"invoice", 17}, {"lines", {1, 2}}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["status"], 200);
  EXPECT_EQ(outcome.output["headers"]["content-type"], "application/json");
  const Json& echo = outcome.output["body"];
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["idempotency_key"], "run_1/call");
  EXPECT_EQ(echo["headers"]["x-tenant"], "acme");
  EXPECT_EQ(echo["headers"]["x-attempt"], "2");
  EXPECT_EQ(echo["headers"]["content-type"], "application/json");
  EXPECT_EQ(echo["query"]["q"], "a b&c");  // encoded on the way, decoded by the server
  EXPECT_FALSE(echo["query"].contains("skip"));
  EXPECT_EQ(echo["body"], Json::parse(R"({"invoice": 17, "lines": [1, 2]})"));
}

TEST_F(HttpStepTest, QueryIsAppendedToAnExistingQueryAndListsRepeat) {
  const StepOutcome outcome =
      Run({{"url", server_.Url("/echo?fixed=1")}, {"query", {{"tag", {"x", "y"}}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["body"]["query"]["fixed"], "1");
  EXPECT_EQ(outcome.output["body"]["query"]["tag"], Json({"x", "y"}));
  EXPECT_EQ(outcome.output["body"]["method"], "GET");
}

TEST_F(HttpStepTest, TextResponseBodyIsText) {
  const StepOutcome outcome = Run({{"url", server_.Url("/text")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["body"], "plain words");
}

TEST_F(HttpStepTest, StringBodyWithOwnContentTypeIsSentAsIs) {
  const StepOutcome outcome = Run({{"method", "PUT"},
                                   {"url", server_.Url("/echo")},
                                   {"headers", {{"Content-Type", "text/csv"}}},
                                   {"body", "a,b\n1,2\n"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["body"]["body"], "a,b\n1,2\n");
  EXPECT_EQ(outcome.output["body"]["headers"]["content-type"], "text/csv");
}

TEST_F(HttpStepTest, BearerAuthIsSentAndNeverAppearsInTheOutput) {
  const StepOutcome outcome =
      Run({{"url", server_.Url("/echo")},
           {"auth", {{"type", "bearer"}, {"token_env", "FLOWLINE_TEST_TOKEN"}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  // The server got the real header; the step's output shows it redacted.
  EXPECT_EQ(outcome.output["body"]["headers"]["authorization"], "Bearer [redacted]");
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr(kToken)));
}

TEST_F(HttpStepTest, BasicAuthIsSentAndNeverAppearsInTheOutput) {
  const StepOutcome outcome = Run({{"url", server_.Url("/basic")},
                                   {"auth",
                                    {{"type", "basic"},
                                     {"username_env", "FLOWLINE_TEST_USER"},
                                     {"password_env", "FLOWLINE_TEST_PASSWORD"}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  // base64("alice:pa55-w0rd-very-secret")
  EXPECT_EQ(ReceivedAuthorization(), "Basic YWxpY2U6cGE1NS13MHJkLXZlcnktc2VjcmV0");
  EXPECT_EQ(outcome.output["body"]["headers"]["authorization"], "Basic [redacted]");
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr("YWxpY2U6cGE1NS13MHJkLXZlcnktc2VjcmV0")));
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr(kPassword)));
}

TEST_F(HttpStepTest, HeaderAuthIsSentAndNeverAppearsInTheOutput) {
  const StepOutcome outcome =
      Run({{"url", server_.Url("/echo")},
           {"auth",
            {{"type", "header"}, {"name", "X-Api-Key"}, {"value_env", "FLOWLINE_TEST_API_KEY"}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["body"]["headers"]["x-api-key"], "[redacted]");
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr(kApiKey)));
}

TEST_F(HttpStepTest, SecretEchoedInAnErrorBodyIsRedactedFromTheError) {
  const StepOutcome outcome =
      Run({{"url", server_.Url("/missing")},
           {"auth", {{"type", "bearer"}, {"token_env", "FLOWLINE_TEST_TOKEN"}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("HTTP 404 from GET " + server_.Url("/missing")));
  EXPECT_THAT(outcome.error, HasSubstr("no such case (you sent Bearer [redacted])"));
  EXPECT_THAT(outcome.error, Not(HasSubstr(kToken)));
  EXPECT_LT(outcome.error.size(), 400u);  // the body is truncated
}

TEST_F(HttpStepTest, MissingSecretVariableFailsNamingTheVariableOnly) {
  const StepOutcome outcome =
      Run({{"url", server_.Url("/echo")},
           {"auth", {{"type", "bearer"}, {"token_env", "FLOWLINE_TEST_UNSET"}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("FLOWLINE_TEST_UNSET"));
  EXPECT_EQ(requests_, 0);  // nothing was sent without credentials

  // Basic auth with the password missing must not reveal the (present) user name either.
  const StepOutcome basic = Run({{"url", server_.Url("/echo")},
                                 {"auth",
                                  {{"type", "basic"},
                                   {"username_env", "FLOWLINE_TEST_USER"},
                                   {"password_env", "FLOWLINE_TEST_UNSET"}}}});
  ASSERT_EQ(basic.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(basic.error, HasSubstr("FLOWLINE_TEST_UNSET"));
  EXPECT_THAT(basic.error, Not(HasSubstr("alice")));
}

TEST_F(HttpStepTest, RateLimitedHonoursRetryAfterSeconds) {
  const StepOutcome outcome = Run({{"url", server_.Url("/busy")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(7));
  EXPECT_THAT(outcome.error, HasSubstr("HTTP 429"));
}

TEST_F(HttpStepTest, RateLimitedHonoursRetryAfterDateRelativeToTheInjectedClock) {
  const StepOutcome outcome = Run({{"url", server_.Url("/busy-until")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kRateLimited);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(20));
}

TEST_F(HttpStepTest, ServerErrorIsTransient) {
  const StepOutcome outcome = Run({{"url", server_.Url("/down")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTransient);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(2));
  EXPECT_THAT(outcome.error,
              HasSubstr("HTTP 503 from GET " + server_.Url("/down") + ": maintenance"));
}

TEST_F(HttpStepTest, ExpectMakesAListedStatusASuccess) {
  const StepOutcome outcome = Run({{"url", server_.Url("/missing")}, {"expect", {200, 404}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["status"], 404);
  // And an unlisted 2xx is then a failure.
  const StepOutcome strict = Run({{"url", server_.Url("/text")}, {"expect", {201}}});
  ASSERT_EQ(strict.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(strict.error_class, ErrorClass::kPermanent);
}

TEST_F(HttpStepTest, TimeoutParameterGivesTimeoutClass) {
  const StepOutcome outcome = Run({{"url", server_.Url("/slow")}, {"timeout", "150ms"}});
  server_.Release();
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTimeout);
  EXPECT_THAT(outcome.error, HasSubstr("no response within 150ms"));
}

TEST_F(HttpStepTest, StepDeadlineShortensTheRequestTimeout) {
  deadline_ = clock_.Now() + absl::Milliseconds(150);
  const StepOutcome outcome = Run({{"url", server_.Url("/slow")}, {"timeout", "30s"}});
  server_.Release();
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTimeout);
  EXPECT_THAT(outcome.error, HasSubstr("no response within 150ms"));
}

TEST_F(HttpStepTest, PassedDeadlineSendsNothing) {
  deadline_ = clock_.Now();
  const StepOutcome outcome = Run({{"url", server_.Url("/echo")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTimeout);
  EXPECT_EQ(requests_, 0);
}

TEST_F(HttpStepTest, ConnectionFailureIsTransient) {
  // Port 1 on loopback: nothing listens there in a test environment.
  const StepOutcome outcome = Run({{"url", "http://127.0.0.1:1/"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kTransient);
  EXPECT_THAT(outcome.error, HasSubstr("GET http://127.0.0.1:1/ failed"));
}

TEST_F(HttpStepTest, EvaluatedParamsAreCheckedAtExecute) {
  // As written the URL and method are expressions; evaluated, they are not usable.
  std::unique_ptr<PreparedStep> step =
      MustPrepare(kind_, {{"url", "${{ input.url }}"}, {"method", "${{ input.method }}"}});
  ASSERT_NE(step, nullptr);
  const Json evaluated = {{"url", "ftp://example.com/x"}, {"method", "BREW"}};
  StepContext ctx;
  ctx.params = &evaluated;
  ctx.clock = &clock_;
  ctx.http = http_.get();
  const StepOutcome outcome = step->Execute(ctx);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("url: \"ftp://example.com/x\" is not an http(s) URL"));
  EXPECT_THAT(outcome.error, HasSubstr("method: unsupported method \"BREW\""));
  EXPECT_EQ(requests_, 0);
}

// Records the request and answers 200, for what the real server cannot show.
class RecordingHttpClient final : public HttpClient {
 public:
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    last = request;
    HttpResponse response;
    response.status = 200;
    return response;
  }
  HttpRequest last;
};

TEST(HttpStepTimeoutTest, RequestTimeoutIsTheSmallerOfParameterAndTimeLeft) {
  HttpStep kind;
  common::FakeClock clock;
  RecordingHttpClient http;
  std::unique_ptr<PreparedStep> step =
      MustPrepare(kind, {{"url", "http://example.test/"}, {"timeout", "10s"}});
  ASSERT_NE(step, nullptr);
  const Json params = {{"url", "http://example.test/"}, {"timeout", "10s"}};
  StepContext ctx;
  ctx.params = &params;
  ctx.clock = &clock;
  ctx.http = &http;
  ctx.idempotency_key = "k";
  ctx.deadline = clock.Now() + absl::Seconds(4);
  ASSERT_EQ(step->Execute(ctx).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(http.last.timeout, absl::Seconds(4));
  ctx.deadline = clock.Now() + absl::Minutes(5);
  ASSERT_EQ(step->Execute(ctx).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(http.last.timeout, absl::Seconds(10));
  // Without `timeout`: 30 s.
  const Json plain = {{"url", "http://example.test/"}};
  ctx.params = &plain;
  ASSERT_EQ(step->Execute(ctx).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(http.last.timeout, absl::Seconds(30));
  EXPECT_THAT(http.last.headers,
              Contains(std::pair<std::string, std::string>("Idempotency-Key", "k")));
}

TEST(HttpStepPrepareTest, AcceptsExpressionsWhereverNotLiteral) {
  HttpStep kind;
  EXPECT_NE(MustPrepare(kind, {{"method", "${{ input.m }}"},
                               {"url", "https://api.example.com/cases/${{ input.id }}"},
                               {"headers", {{"X-Id", "${{ input.id }}"}}},
                               {"query", {{"q", "${{ input.q }}"}, {"l", {"${{ input.a }}", 1}}}},
                               {"body", "${{ steps.extract.output }}"},
                               {"timeout", "${{ input.timeout }}"},
                               {"expect", {200, "${{ input.code }}"}}}),
            nullptr);
}

TEST(HttpStepPrepareTest, ReportsEachBadParameterOnItsPath) {
  HttpStep kind;
  testing::Prepared prepared = PrepareStep(
      kind, {{"method", "FETCH"},
             {"url", "example.com/x"},
             {"headers", {{"Bad Name", "x"}, {"Idempotency-Key", "mine"}, {"X-List", {1}}}},
             {"query", {{"q", {{"nested", 1}}}}},
             {"timeout", "soon"},
             {"expect", {200, 1000}},
             {"retries", 3}});
  EXPECT_EQ(prepared.step, nullptr);
  EXPECT_THAT(prepared.errors, ::testing::UnorderedElementsAre(
                                   ConfigErrorOn("method", "unsupported method \"FETCH\""),
                                   ConfigErrorOn("url", "is not an http(s) URL"),
                                   ConfigErrorOn("headers.Bad Name", "not a valid header name"),
                                   ConfigErrorOn("headers.Idempotency-Key", "set by flowline"),
                                   ConfigErrorOn("headers.X-List", "single-line string"),
                                   ConfigErrorOn("query.q", "a query value must be"),
                                   ConfigErrorOn("timeout", "invalid duration \"soon\""),
                                   ConfigErrorOn("expect", "from 100 to 599"),
                                   ConfigErrorOn("retries", "unknown parameter")));
}

TEST(HttpStepPrepareTest, MissingUrlAndIllTypedParams) {
  HttpStep kind;
  testing::Prepared prepared =
      PrepareStep(kind, {{"headers", "X-A: 1"}, {"expect", 200}, {"timeout", "0s"}});
  EXPECT_THAT(prepared.errors,
              ::testing::UnorderedElementsAre(ConfigErrorOn("url", "missing required parameter"),
                                              ConfigErrorOn("headers", "must be a mapping"),
                                              ConfigErrorOn("expect", "must be a list"),
                                              ConfigErrorOn("timeout", "more than zero")));
}

TEST(HttpStepPrepareTest, AuthIsLiteralAndChecked) {
  HttpStep kind;
  const std::string url = "https://api.example.com/";
  EXPECT_THAT(PrepareStep(kind, {{"url", url}, {"auth", {{"type", "oauth"}}}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("auth.type", "bearer, basic or header")));
  EXPECT_THAT(
      PrepareStep(kind, {{"url", url}, {"auth", {{"type", "bearer"}, {"token", "abc"}}}}).errors,
      ::testing::UnorderedElementsAre(ConfigErrorOn("auth.token", "unknown field"),
                                      ConfigErrorOn("auth.token_env", "environment variable")));
  EXPECT_THAT(PrepareStep(kind, {{"url", url},
                                 {"auth", {{"type", "bearer"}, {"token_env", "${{ input.v }}"}}}})
                  .errors,
              ::testing::ElementsAre(ConfigErrorOn("auth", "used as written")));
  EXPECT_THAT(
      PrepareStep(kind, {{"url", url}, {"auth", {{"type", "header"}, {"value_env", "KEY"}}}})
          .errors,
      ::testing::ElementsAre(ConfigErrorOn("auth.name", "header name")));
  // A header set both by `headers` and by `auth` is ambiguous.
  EXPECT_THAT(PrepareStep(kind, {{"url", url},
                                 {"headers", {{"authorization", "x"}}},
                                 {"auth", {{"type", "bearer"}, {"token_env", "T"}}}})
                  .errors,
              ::testing::ElementsAre(ConfigErrorOn("headers.authorization", "set by `auth`")));
}

TEST(HttpStepInfoTest, DescribesItsParamsAndActor) {
  HttpStep kind;
  EXPECT_EQ(kind.Info().name, "http");
  EXPECT_THAT(kind.Info().actors, ::testing::ElementsAre(Actor::kSystem));
  EXPECT_TRUE(kind.Info().side_effects);
  std::vector<std::string> names;
  for (const ParamSpec& p : kind.Info().params) {
    names.push_back(p.name);
    EXPECT_FALSE(p.description.empty()) << p.name;
    EXPECT_FALSE(p.required) << p.name;  // url or connection: Prepare checks that one is given
    EXPECT_EQ(p.literal, p.name == "auth" || p.name == "connection") << p.name;
  }
  EXPECT_THAT(names, ::testing::ElementsAre("method", "connection", "path", "url", "headers",
                                            "query", "body", "auth", "timeout", "expect"));
}

}  // namespace
}  // namespace flowline::steps
