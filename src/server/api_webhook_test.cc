// Webhook triggers: signed ones authenticate by HMAC, unsigned ones by an operator token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "absl/strings/escaping.h"
#include "common/ids.h"
#include "server/test_server.h"
#include "server/test_specs.h"
#include "steps/artifacts.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

constexpr char kSecret[] = "s3cr3t-hook-key";

class ApiWebhookTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setenv("FLOWLINE_TEST_HOOK_SECRET", kSecret, 1);
    unsetenv("FLOWLINE_TEST_UNSET_SECRET");
  }

  void SetUp() override { server_.Deploy(kSignedHookSpec); }

  size_t RunCount() {
    return server_.Get("/api/v1/runs", server_.Token("viewer")).body["runs"].size();
  }

  ApiResponse PostSigned(const std::string& body, const std::string& signature,
                         const std::string& header = "X-Flowline-Signature") {
    httplib::Headers headers;
    if (!signature.empty()) headers.emplace(header, signature);
    return server_.Post("/hooks/signed", body, "", "application/json", headers);
  }

  TestServer server_;
};

TEST_F(ApiWebhookTest, CorrectSignatureStartsARun) {
  const std::string body = R"({"id": "hook-1"})";
  ApiResponse response = PostSigned(body, Signature(kSecret, body));
  ASSERT_EQ(response.status, 201) << response.body.dump(2);
  EXPECT_EQ(response.body["workflow"], "hooked");
  absl::StatusOr<store::Run> run =
      server_.engine().WaitForRun(response.body["run_id"], absl::Seconds(20));
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->status, store::RunStatus::kCompleted);
  EXPECT_EQ(Json::parse(run->output_json), Json::parse(R"({"id": "hook-1"})"));
}

TEST_F(ApiWebhookTest, WrongOrMissingSignatureIs401AndStartsNothing) {
  const std::string body = R"({"id": "hook-2"})";
  const std::vector<std::string> bad = {
      "",                                         // missing
      Signature("wrong-key", body),               // another key
      Signature(kSecret, R"({"id": "hook-3"})"),  // another body
      common::HmacSha256Hex(kSecret, body),       // no "sha256=" prefix
      "sha256=",                                  // empty
  };
  for (const std::string& signature : bad) {
    ApiResponse response = PostSigned(body, signature);
    EXPECT_EQ(response.status, 401) << "'" << signature << "': " << response.body.dump();
    EXPECT_EQ(response.body["error"]["code"], "unauthenticated");
    EXPECT_THAT(response.body.dump(), ::testing::Not(HasSubstr(kSecret)));
  }
  // A bearer token is no substitute for the signature.
  httplib::Headers none;
  EXPECT_EQ(server_.Post("/hooks/signed", body, server_.Token("admin")).status, 401);
  EXPECT_EQ(RunCount(), 0u);
}

TEST_F(ApiWebhookTest, SignedButMalformedBodyIs400) {
  const std::string body = R"({"id": )";
  ApiResponse response = PostSigned(body, Signature(kSecret, body));
  EXPECT_EQ(response.status, 400) << response.body.dump();
  EXPECT_THAT(response.body["error"]["message"].get<std::string>(), HasSubstr("column"));
  EXPECT_EQ(RunCount(), 0u);
}

TEST_F(ApiWebhookTest, UnsignedWebhookNeedsAnOperatorToken) {
  const std::string body = R"({"id": "open-1"})";
  EXPECT_EQ(server_.Post("/hooks/open", body, "").status, 401);
  EXPECT_EQ(server_.Post("/hooks/open", body, server_.Token("viewer")).status, 403);
  EXPECT_EQ(server_.Post("/hooks/open", body, server_.Token("reviewer")).status, 403);
  EXPECT_EQ(RunCount(), 0u);
  ApiResponse response = server_.Post("/hooks/open", body, server_.Token("operator"));
  EXPECT_EQ(response.status, 201) << response.body.dump();
  EXPECT_EQ(RunCount(), 1u);
}

TEST_F(ApiWebhookTest, MissingSecretVariableIs503NamingIt) {
  server_.Deploy(kMissingSecretSpec);
  const std::string body = "{}";
  httplib::Headers headers = {{"X-Sig", Signature(kSecret, body)}};
  ApiResponse response = server_.Post("/hooks/unset", body, "", "application/json", headers);
  EXPECT_EQ(response.status, 503) << response.body.dump();
  EXPECT_THAT(response.body["error"]["message"].get<std::string>(),
              HasSubstr("FLOWLINE_TEST_UNSET_SECRET"));
  EXPECT_EQ(RunCount(), 0u);
}

TEST_F(ApiWebhookTest, WebhookPathsAnswerOnlyPost) {
  ApiResponse response = server_.Get("/hooks/signed", server_.Token("admin"));
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.allow, "POST");
  EXPECT_EQ(server_.Post("/hooks/nothing-here", "{}", server_.Token("admin")).status, 404);
}

TEST_F(ApiWebhookTest, AServerStartedLaterLoadsTheTriggersFromTheStore) {
  common::SeededRandom random(3);
  absl::StatusOr<std::unique_ptr<ApiServer>> other =
      ApiServer::Create({}, server_.engine(), server_.store(), common::SystemClock::Get(), random);
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE((*other)->Listen("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", (*other)->port());
  const std::string body = R"({"id": "later"})";
  httplib::Result result =
      client.Post("/hooks/signed", {{"X-Flowline-Signature", Signature(kSecret, body)}}, body,
                  "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 201) << result->body;
  (*other)->Stop();
}

// A webhook with `files:` keeps each file field's bytes as an artifact and passes its key.
TEST_F(ApiWebhookTest, FileFieldsBecomeArtifacts) {
  server_.Deploy(kFileHookSpec);
  const std::string pdf = "%PDF-1.4 a tiny document";
  const std::string body =
      Json{{"id", "file-1"},
           {"scan", {{"name", "passport.pdf"}, {"content_base64", absl::Base64Escape(pdf)}}}}
          .dump();
  ApiResponse response = server_.Post("/hooks/files", body, "", "application/json",
                                      {{"X-Flowline-Signature", Signature(kSecret, body)}});
  ASSERT_EQ(response.status, 201) << response.body.dump(2);
  absl::StatusOr<store::Run> run =
      server_.engine().WaitForRun(response.body["run_id"], absl::Seconds(20));
  ASSERT_TRUE(run.ok()) << run.status();
  const Json input = Json::parse(run->input_json);
  const std::string key = input["scan"]["file"];
  EXPECT_TRUE(steps::IsArtifactKey(key)) << key;
  EXPECT_THAT(key, ::testing::EndsWith(".pdf"));
  EXPECT_EQ(input["scan"]["name"], "passport.pdf");
  EXPECT_EQ(input["scan"]["size"], pdf.size());
  EXPECT_EQ(input["scan"]["sha256"], common::Sha256Hex(pdf));
  EXPECT_FALSE(input["scan"].contains("content_base64"));
  EXPECT_EQ(*server_.artifacts().Get(key), pdf);
  // The step saw the key.
  EXPECT_EQ(Json::parse(run->output_json)["file"], key);
}

TEST_F(ApiWebhookTest, BadFileFieldIs400AndStartsNothing) {
  server_.Deploy(kFileHookSpec);
  const size_t before = RunCount();
  for (const Json& scan : {Json("plain text"), Json{{"name", "a.pdf"}},
                           Json{{"name", "a.pdf"}, {"content_base64", "***not base64***"}}}) {
    const std::string body = Json{{"id", "file-2"}, {"scan", scan}}.dump();
    ApiResponse response = server_.Post("/hooks/files", body, "", "application/json",
                                        {{"X-Flowline-Signature", Signature(kSecret, body)}});
    EXPECT_EQ(response.status, 400) << scan.dump() << ": " << response.body.dump();
    EXPECT_THAT(response.body["error"]["message"].get<std::string>(), HasSubstr("scan"));
  }
  EXPECT_EQ(RunCount(), before);
}

}  // namespace
}  // namespace flowline::server
