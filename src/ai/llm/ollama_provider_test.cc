#include "ai/llm/ollama_provider.h"

#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;
using testing::kOllama404;
using testing::kOllamaAnswer;
using testing::RecordingHttpClient;
using testing::RequestHeader;

const absl::Time kNow = absl::FromUnixSeconds(1732460000);

ProviderConfig LocalConfig() {
  ProviderConfig config;
  config.name = "local";
  config.protocol = ProviderConfig::Protocol::kOllama;
  config.auth = ProviderConfig::Auth::kNone;
  config.base_url = "http://127.0.0.1:11434";
  config.default_model = "llama3.1:8b";
  config.models["llama3.1:8b"] = {};
  return config;
}

ModelRequest ClaimRequest() {
  ModelRequest request;
  request.model = "llama3.1:8b";
  request.system = "You triage insurance claims.";
  request.messages.push_back({ChatMessage::Role::kUser, "Claim C-000017\n..."});
  request.schema = Json::parse(R"({"type":"object","properties":{"policy_number":{"type":"string",
      "x-flowline-note":"ours"}},"required":["policy_number"]})");
  request.schema_name = "claim";
  return request;
}

absl::StatusOr<ModelResponse> Answer(std::string body, int status = 200) {
  const OllamaProvider provider(LocalConfig());
  RecordingHttpClient http;
  http.Reply(status, std::move(body));
  return provider.Complete(ClaimRequest(), http, SecretSet(), kNow);
}

TEST(OllamaProviderTest, RequestShape) {
  const OllamaProvider provider(LocalConfig());
  RecordingHttpClient http;
  http.Reply(200, std::string(kOllamaAnswer));
  ASSERT_TRUE(provider.Complete(ClaimRequest(), http, SecretSet(), kNow).ok());
  const steps::HttpRequest sent = http.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "http://127.0.0.1:11434/api/chat");
  EXPECT_EQ(RequestHeader(sent, "Authorization"), "");
  EXPECT_EQ(Json::parse(sent.body), Json::parse(R"(
{"model":"llama3.1:8b","stream":false,
 "messages":[{"role":"system","content":"You triage insurance claims."},{"role":"user","content":"Claim C-000017\n..."}],
 "format":{"type":"object","properties":{"policy_number":{"type":"string"}},"required":["policy_number"]},
 "options":{"temperature":0,"seed":42,"num_predict":1024}})"));
}

TEST(OllamaProviderTest, ParsesCounts) {
  absl::StatusOr<ModelResponse> response = Answer(std::string(kOllamaAnswer));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->answer, Json::parse(R"({"policy_number":"PN-448812"})"));
  EXPECT_EQ(response->text, "{ \"policy_number\": \"PN-448812\" }");
  EXPECT_EQ(response->finish, FinishReason::kStop);
  EXPECT_EQ(response->input_tokens, 36);
  EXPECT_EQ(response->output_tokens, 180);
  EXPECT_EQ(response->served_model, "llama3.1:8b");
}

TEST(OllamaProviderTest, ModelNotFound404IsPermanent) {
  absl::StatusOr<ModelResponse> response = Answer(std::string(kOllama404), 404);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(response.status().message(),
              HasSubstr("local: HTTP 404: model \"llama3.1:8b\" not found, try pulling it first"));
  EXPECT_EQ(ErrorClassOf(response.status()), steps::ErrorClass::kPermanent);
  EXPECT_FALSE(CountsAgainstProvider(response.status()));
}

TEST(OllamaProviderTest, DoneReasonLength) {
  Json body = Json::parse(kOllamaAnswer);
  body["done_reason"] = "length";
  body["message"]["content"] = "{ \"policy_number\": \"PN-44";
  absl::StatusOr<ModelResponse> response = Answer(body.dump());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->finish, FinishReason::kLength);
  EXPECT_TRUE(response->answer.is_null());
}

TEST(OllamaProviderTest, ServerErrorIsTransient) {
  absl::StatusOr<ModelResponse> response =
      Answer(R"({"error":"llama runner process has terminated"})", 500);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(CountsAgainstProvider(response.status()));
}

}  // namespace
}  // namespace flowline::ai::llm
