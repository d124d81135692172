// The http step through an http connection (base_url, headers, bearer and OAuth2 client
// credentials) and the webhook.out step, against a real local HTTP server that plays the API,
// the OAuth2 token endpoint and a webhook receiver.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/ids.h"
#include "steps/http_client.h"
#include "steps/http_step.h"
#include "steps/oauth2_tokens.h"
#include "steps/step_test_util.h"
#include "steps/test_http_server.h"
#include "steps/webhook_out_step.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::HasSubstr;
using testing::MustPrepare;
using ::testing::Not;
using testing::PrepareStep;

constexpr char kClientSecret[] = "cs-0ffice-s3cret-271828";
constexpr char kBearer[] = "bearer-s3cret-314159";
constexpr char kHookSecret[] = "whsec-s3cret-161803";

class HttpConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("FLOWLINE_TEST_CLIENT_ID", "flowline-app", 1);
    setenv("FLOWLINE_TEST_CLIENT_SECRET", kClientSecret, 1);
    setenv("FLOWLINE_TEST_BEARER", kBearer, 1);
    setenv("FLOWLINE_TEST_HOOK_SECRET", kHookSecret, 1);
    auto& svr = server_.server();
    // RFC 6749 §4.4: client credentials in HTTP Basic (or the form), grant_type in the form.
    svr.Post("/oauth/token", [this](const httplib::Request& req, httplib::Response& res) {
      std::string id = req.get_param_value("client_id");
      std::string secret = req.get_param_value("client_secret");
      const std::string basic = req.get_header_value("Authorization");
      std::string decoded;
      if (absl::StartsWith(basic, "Basic ") && absl::Base64Unescape(basic.substr(6), &decoded)) {
        id = decoded.substr(0, decoded.find(':'));
        secret = decoded.substr(decoded.find(':') + 1);
      }
      std::lock_guard<std::mutex> lock(mu_);
      last_token_request_ = req.body;
      if (req.get_param_value("grant_type") != "client_credentials" || id != "flowline-app" ||
          secret != kClientSecret) {
        res.status = 401;
        // A careless endpoint that quotes what it got.
        res.set_content(Json{{"error", "invalid_client"},
                             {"error_description", "unknown client " + id + ":" + secret}}
                            .dump(),
                        "application/json");
        return;
      }
      const std::string token = absl::StrCat("at-", ++tokens_issued_, "-", std::string(40, 'x'));
      valid_tokens_.insert(token);
      res.set_content(Json{{"access_token", token},
                           {"token_type", "Bearer"},
                           {"expires_in", 3600},
                           {"scope", req.get_param_value("scope")}}
                          .dump(),
                      "application/json");
    });
    svr.Post("/api/accounts", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      ++api_calls_;
      const std::string auth = req.get_header_value("Authorization");
      if (!absl::StartsWith(auth, "Bearer ") || !valid_tokens_.contains(auth.substr(7))) {
        res.status = 401;
        res.set_content("invalid token " + auth, "text/plain");
        return;
      }
      res.status = 201;
      res.set_content(Json{{"id", "acc-1"},
                           {"tenant", req.get_header_value("X-Tenant")},
                           {"idempotency_key", req.get_header_value("Idempotency-Key")},
                           {"received", Json::parse(req.body, nullptr, false)}}
                          .dump(),
                      "application/json");
    });
    svr.Get("/api/echo", [](const httplib::Request& req, httplib::Response& res) {
      res.set_content(Json{{"authorization", req.get_header_value("Authorization")},
                           {"tenant", req.get_header_value("X-Tenant")},
                           {"path", req.path}}
                          .dump(),
                      "application/json");
    });
    svr.Post("/hooks/partner", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      hook_ = req;
      res.status = hook_status_;
      res.set_content(hook_status_ == 200 ? "{\"ok\": true}"
                                          : absl::StrCat("bad signature for key ", kHookSecret),
                      hook_status_ == 200 ? "application/json" : "text/plain");
    });
    server_.Start();
    Write(absl::StrCat(
        "connections:\n"
        "  crm:\n"
        "    type: http\n"
        "    base_url: ",
        server_.Url("/api/"),
        "\n"
        "    headers: { X-Tenant: acme }\n"
        "    auth: { type: oauth2, token_url: \"",
        server_.Url("/oauth/token"),
        "\", client_id_env: FLOWLINE_TEST_CLIENT_ID,\n"
        "            client_secret_env: FLOWLINE_TEST_CLIENT_SECRET, scope: accounts.write "
        "}\n"
        "  crm_form:\n"
        "    type: http\n"
        "    base_url: ",
        server_.Url("/api"),
        "\n"
        "    auth: { type: oauth2, token_url: \"",
        server_.Url("/oauth/token"),
        "\", client_id: flowline-app,\n"
        "            client_secret_env: FLOWLINE_TEST_CLIENT_SECRET, client_auth: form }\n"
        "  crm_wrong:\n"
        "    type: http\n"
        "    base_url: ",
        server_.Url("/api"),
        "\n"
        "    auth: { type: oauth2, token_url: \"",
        server_.Url("/oauth/token"),
        "\", client_id: flowline-app,\n"
        "            client_secret_env: FLOWLINE_TEST_BEARER }\n"
        "  simple:\n"
        "    type: http\n"
        "    base_url: ",
        server_.Url("/api"),
        "\n"
        "    auth: { type: bearer, token_env: FLOWLINE_TEST_BEARER }\n"
        "  partner: { type: webhook, url: \"",
        server_.Url("/hooks/partner"),
        "\", secret_env: FLOWLINE_TEST_HOOK_SECRET, headers: { X-Tenant: acme } }\n"));
  }

  void Write(const std::string& yaml) {
    absl::StatusOr<Connections> parsed = Connections::Parse(yaml, "connections.yaml");
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    connections_ = std::make_shared<const Connections>(*std::move(parsed));
    http_kind_ = std::make_unique<HttpStep>(connections_);
    hook_kind_ = std::make_unique<WebhookOutStep>(connections_);
  }

  StepOutcome Run(const StepKind& kind, const Json& with, bool suppress = false) {
    std::unique_ptr<PreparedStep> step = MustPrepare(kind, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.step_id = "call";
    ctx.idempotency_key = "run_1/call";
    ctx.params = &with;
    ctx.clock = &clock_;
    ctx.http = http_.get();
    ctx.suppress_side_effects = suppress;
    return step->Execute(ctx);
  }

  StepOutcome CreateAccount(const std::string& connection = "crm") {
    return Run(*http_kind_, Json{{"connection", connection},
                                 {"method", "POST"},
                                 {"path", "accounts"},
                                 {"body", {{"email", "ann@example.com"}}}});
  }

  int tokens_issued() {
    std::lock_guard<std::mutex> lock(mu_);
    return tokens_issued_;
  }

  testing::TestHttpServer server_;
  std::mutex mu_;
  int tokens_issued_ = 0;
  int api_calls_ = 0;
  std::set<std::string> valid_tokens_;
  std::string last_token_request_;
  httplib::Request hook_;
  int hook_status_ = 200;
  std::shared_ptr<const Connections> connections_;
  std::unique_ptr<HttpStep> http_kind_;
  std::unique_ptr<WebhookOutStep> hook_kind_;
  common::FakeClock clock_;
  std::unique_ptr<HttpClient> http_ = NewCurlHttpClient();
};

TEST_F(HttpConnectionTest, BaseUrlPathHeadersAndBearerComeFromTheConnection) {
  StepOutcome outcome = Run(*http_kind_, Json{{"connection", "simple"}, {"path", "/echo"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["body"]["path"], "/api/echo");
  EXPECT_EQ(outcome.output["body"]["authorization"], "Bearer [redacted]");
  EXPECT_THAT(outcome.output.dump(), Not(HasSubstr(kBearer)));
  // The connection's headers, and a step's own header wins over one of the same name.
  StepOutcome tenant =
      Run(*http_kind_,
          Json{{"connection", "crm"}, {"path", "echo"}, {"headers", {{"x-tenant", "globex"}}}});
  ASSERT_EQ(tenant.kind, StepOutcome::Kind::kCompleted) << tenant.error;
  EXPECT_EQ(tenant.output["body"]["tenant"], "globex");
  EXPECT_EQ(tenant.output["body"]["path"], "/api/echo");
}

TEST_F(HttpConnectionTest, OAuth2TokenIsFetchedOnceCachedAndRefreshedBeforeExpiry) {
  StepOutcome first = CreateAccount();
  ASSERT_EQ(first.kind, StepOutcome::Kind::kCompleted) << first.error;
  EXPECT_EQ(first.output["status"], 201);
  EXPECT_EQ(first.output["body"]["tenant"], "acme");
  EXPECT_EQ(first.output["body"]["idempotency_key"], "run_1/call");
  EXPECT_EQ(first.output["body"]["received"]["email"], "ann@example.com");
  {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(last_token_request_, "grant_type=client_credentials&scope=accounts.write");
  }
  ASSERT_EQ(CreateAccount().kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(tokens_issued(), 1);  // cached
  clock_.Advance(absl::Seconds(3600 - 61));
  ASSERT_EQ(CreateAccount().kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(tokens_issued(), 1);  // still valid for more than the margin
  clock_.Advance(absl::Seconds(2));
  ASSERT_EQ(CreateAccount().kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(tokens_issued(), 2);  // within a minute of expiry: a new one
}

TEST_F(HttpConnectionTest, A401RefreshesTheTokenOnceAndRetries) {
  ASSERT_EQ(CreateAccount().kind, StepOutcome::Kind::kCompleted);
  {
    std::lock_guard<std::mutex> lock(mu_);
    valid_tokens_.clear();  // the CRM revoked every token
    api_calls_ = 0;
  }
  StepOutcome outcome = CreateAccount();
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(tokens_issued(), 2);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(api_calls_, 2);
}

TEST_F(HttpConnectionTest, FormClientAuthSendsTheCredentialsInTheBody) {
  ASSERT_EQ(CreateAccount("crm_form").kind, StepOutcome::Kind::kCompleted);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(last_token_request_,
            absl::StrCat("grant_type=client_credentials&client_id=flowline-app&client_secret=",
                         kClientSecret));
}

TEST_F(HttpConnectionTest, ARefusedTokenRequestFailsWithoutTheSecret) {
  StepOutcome outcome = CreateAccount("crm_wrong");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("the OAuth2 token endpoint " + server_.Url("/oauth/token") +
                                       " of connection crm_wrong"));
  EXPECT_THAT(outcome.error, HasSubstr("answered 401 (invalid_client: unknown client"));
  EXPECT_THAT(outcome.error, Not(HasSubstr(kBearer)));
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(api_calls_, 0);
}

TEST_F(HttpConnectionTest, PrepareChecksTheConnection) {
  EXPECT_THAT(PrepareStep(*http_kind_, Json{{"connection", "nope"}, {"path", "/x"}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("connection", "no connection named nope")));
  EXPECT_THAT(PrepareStep(*http_kind_, Json{{"connection", "partner"}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("connection", "is of type webhook, not http")));
  EXPECT_THAT(PrepareStep(*http_kind_, Json{{"connection", "crm"}, {"url", "http://x/"}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("url", "exactly one of connection and url")));
  EXPECT_THAT(PrepareStep(*http_kind_, Json{{"connection", "crm"},
                                            {"auth", {{"type", "bearer"}, {"token_env", "X"}}}})
                  .errors,
              ::testing::ElementsAre(ConfigErrorOn("auth", "uses the connection's auth")));
  EXPECT_THAT(PrepareStep(*http_kind_, Json{{"url", "http://x/"}, {"path", "/a"}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("path", "relative to a connection")));
  EXPECT_THAT(
      PrepareStep(*http_kind_, Json{{"connection", "crm"}, {"path", "https://evil/"}}).errors,
      ::testing::ElementsAre(ConfigErrorOn("path", "is not a path")));
}

TEST_F(HttpConnectionTest, SuppressedRunsFetchNoTokenAndSendNothing) {
  StepOutcome outcome =
      Run(*http_kind_, Json{{"connection", "crm"}, {"method", "POST"}, {"path", "accounts"}},
          /*suppress=*/true);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["suppressed"], true);
  EXPECT_EQ(outcome.output["request"]["auth"], "not sent");
  EXPECT_EQ(outcome.output["request"]["url"], server_.Url("/api/accounts"));
  EXPECT_EQ(tokens_issued(), 0);
}

// A client that blocks the first Send until released, to make callers overlap.
class GatedClient final : public HttpClient {
 public:
  explicit GatedClient(HttpClient& real) : real_(real) {}
  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++sends_;
      entered_.notify_all();
      released_cv_.wait(lock, [this] { return released_; });
    }
    return real_.Send(request);
  }
  void WaitForSend() {
    std::unique_lock<std::mutex> lock(mu_);
    entered_.wait(lock, [this] { return sends_ > 0; });
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    released_cv_.notify_all();
  }

 private:
  HttpClient& real_;
  std::mutex mu_;
  std::condition_variable entered_, released_cv_;
  int sends_ = 0;
  bool released_ = false;
};

TEST_F(HttpConnectionTest, ConcurrentCallersShareOneTokenFetch) {
  absl::StatusOr<const Connection*> crm = connections_->Get("crm", "http");
  ASSERT_TRUE(crm.ok());
  OAuth2Tokens tokens(**crm);
  GatedClient gated(*http_);
  std::vector<std::string> got(8);
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    auto token = tokens.Get(gated, clock_, absl::Seconds(10));
    got[0] = token.ok() ? token->access_token : std::string(token.status().message());
  });
  gated.WaitForSend();  // the first caller is fetching: the others find the fetch under way
  for (int i = 1; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto token = tokens.Get(gated, clock_, absl::Seconds(10));
      got[i] = token.ok() ? token->access_token : std::string(token.status().message());
    });
  }
  gated.Release();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(tokens.fetches(), 1);
  EXPECT_EQ(tokens_issued(), 1);
  for (const std::string& token : got) EXPECT_EQ(token, got[0]);
  EXPECT_TRUE(absl::StartsWith(got[0], "at-1-"));
}

TEST_F(HttpConnectionTest, WebhookOutIsSignedOverTimestampAndBody) {
  StepOutcome outcome = Run(*hook_kind_, Json{{"connection", "partner"},
                                              {"event", "customer.onboarded"},
                                              {"payload", {{"id", "acc-1"}, {"risk", 0.12}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["status"], 200);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string timestamp = hook_.get_header_value("X-Flowline-Timestamp");
  EXPECT_EQ(timestamp, absl::StrCat(absl::ToUnixSeconds(clock_.Now())));
  EXPECT_EQ(hook_.get_header_value("X-Flowline-Signature"),
            "sha256=" + common::HmacSha256Hex(kHookSecret, timestamp + "." + hook_.body));
  EXPECT_EQ(Json::parse(hook_.body), (Json{{"id", "acc-1"}, {"risk", 0.12}}));
  EXPECT_EQ(hook_.get_header_value("Idempotency-Key"), "run_1/call");
  EXPECT_EQ(hook_.get_header_value("X-Flowline-Event"), "customer.onboarded");
  EXPECT_EQ(hook_.get_header_value("X-Tenant"), "acme");
  EXPECT_EQ(hook_.get_header_value("Content-Type"), "application/json");
}

TEST_F(HttpConnectionTest, WebhookOutFailuresUseTheHttpRetryClassesAndHideTheSecret) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook_status_ = 503;
  }
  StepOutcome down = Run(*hook_kind_, Json{{"connection", "partner"}, {"payload", {{"a", 1}}}});
  ASSERT_EQ(down.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(down.error_class, ErrorClass::kTransient);
  EXPECT_THAT(down.error, HasSubstr("HTTP 503 from POST " + server_.Url("/hooks/partner")));
  EXPECT_THAT(down.error, HasSubstr("bad signature for key [redacted]"));
  EXPECT_THAT(down.error, Not(HasSubstr(kHookSecret)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    hook_status_ = 400;
  }
  EXPECT_EQ(Run(*hook_kind_, Json{{"connection", "partner"}, {"payload", 1}}).error_class,
            ErrorClass::kPermanent);
  unsetenv("FLOWLINE_TEST_HOOK_SECRET");
  StepOutcome unset = Run(*hook_kind_, Json{{"connection", "partner"}, {"payload", 1}});
  ASSERT_EQ(unset.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(unset.error, HasSubstr("environment variable FLOWLINE_TEST_HOOK_SECRET"));
  StepOutcome shadow =
      Run(*hook_kind_, Json{{"connection", "partner"}, {"payload", 1}}, /*suppress=*/true);
  EXPECT_EQ(shadow.output["suppressed"], true);
  EXPECT_THAT(PrepareStep(*hook_kind_, Json{{"connection", "crm"}, {"payload", 1}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("connection", "is of type http, not webhook")));
}

}  // namespace
}  // namespace flowline::steps
