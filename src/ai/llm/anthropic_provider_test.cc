#include "ai/llm/anthropic_provider.h"

#include <cstdlib>

#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;
using testing::kAnthropic401;
using testing::kAnthropic429;
using testing::kAnthropic529;
using testing::kAnthropicAnswer;
using ::testing::Not;
using testing::RecordingHttpClient;
using testing::RequestHeader;

constexpr char kKey[] = "sk-ant-test-SECRET-0123456789";
constexpr char kKeyEnv[] = "FLOWLINE_TEST_ANTHROPIC_KEY";
const absl::Time kNow = absl::FromUnixSeconds(1732460000);

ProviderConfig ClaudeConfig() {
  ProviderConfig config;
  config.name = "claude";
  config.protocol = ProviderConfig::Protocol::kAnthropic;
  config.base_url = "https://api.anthropic.com";
  config.api_key_env = kKeyEnv;
  config.default_model = "claude-3-5-haiku-20241022";
  config.models["claude-3-5-haiku-20241022"] = {0.80, 4.00};
  return config;
}

ModelRequest ClaimRequest() {
  ModelRequest request;
  request.model = "claude-3-5-haiku-20241022";
  request.system = "You triage insurance claims.";
  request.messages.push_back({ChatMessage::Role::kUser, "Claim C-000017\n..."});
  request.schema = Json::parse(R"({"type":"object","required":["policy_number"],
      "properties":{"policy_number":{"type":"string"},
                    "amount":{"type":"number","x-flowline-type":"amount"}}})");
  request.schema_name = "claim";
  return request;
}

class AnthropicProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kKeyEnv, kKey, 1); }
  void TearDown() override { unsetenv(kKeyEnv); }
  SecretSet Secrets() const { return SecretSet::FromEnvironment({ClaudeConfig()}); }
  absl::StatusOr<ModelResponse> Answer(
      std::string body, int status = 200,
      std::vector<std::pair<std::string, std::string>> headers = {}) {
    RecordingHttpClient http;
    http.Reply(status, std::move(body), std::move(headers));
    return provider_.Complete(ClaimRequest(), http, Secrets(), kNow);
  }
  const AnthropicProvider provider_{ClaudeConfig()};
};

TEST_F(AnthropicProviderTest, RequestShape) {
  RecordingHttpClient http;
  http.Reply(200, std::string(kAnthropicAnswer));
  ASSERT_TRUE(provider_.Complete(ClaimRequest(), http, Secrets(), kNow).ok());
  const steps::HttpRequest sent = http.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://api.anthropic.com/v1/messages");
  EXPECT_EQ(RequestHeader(sent, "x-api-key"), kKey);
  EXPECT_EQ(RequestHeader(sent, "anthropic-version"), "2023-06-01");
  EXPECT_EQ(RequestHeader(sent, "Content-Type"), "application/json");
  EXPECT_EQ(RequestHeader(sent, "Authorization"), "");
  const Json body = Json::parse(sent.body);
  EXPECT_EQ(body, Json::parse(R"(
{"model":"claude-3-5-haiku-20241022","max_tokens":1024,"temperature":0,
 "system":"You triage insurance claims.",
 "messages":[{"role":"user","content":"Claim C-000017\n..."}],
 "tools":[{"name":"claim","description":"Record your answer. The input must match the schema.",
           "input_schema":{"type":"object","properties":{"policy_number":{"type":"string"},"amount":{"type":"number"}},"required":["policy_number"]}}],
 "tool_choice":{"type":"tool","name":"claim"}})"));
  EXPECT_FALSE(body.contains("seed"));
}

TEST_F(AnthropicProviderTest, ParsesToolUse) {
  absl::StatusOr<ModelResponse> response = Answer(std::string(kAnthropicAnswer));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->answer, Json::parse(R"({"policy_number":"PN-448812","amount":1250.5})"));
  EXPECT_EQ(Json::parse(response->text), response->answer);
  EXPECT_EQ(response->finish, FinishReason::kStop);
  EXPECT_EQ(response->input_tokens, 523);
  EXPECT_EQ(response->output_tokens, 88);
  EXPECT_EQ(response->served_model, "claude-3-5-haiku-20241022");
  EXPECT_TRUE(response->logprobs.empty());
}

TEST_F(AnthropicProviderTest, Overloaded529IsTransientWithRetryAfter) {
  absl::StatusOr<ModelResponse> response =
      Answer(std::string(kAnthropic529), 529, {{"retry-after", "3"}});
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("claude: HTTP 529 overloaded_error: Overloaded"));
  EXPECT_EQ(ErrorClassOf(response.status()), steps::ErrorClass::kTransient);
  EXPECT_EQ(RetryAfterOf(response.status()), absl::Seconds(3));
  EXPECT_TRUE(CountsAgainstProvider(response.status()));

  absl::StatusOr<ModelResponse> limited =
      Answer(std::string(kAnthropic429), 429, {{"retry-after", "7"}});
  EXPECT_EQ(ErrorClassOf(limited.status()), steps::ErrorClass::kRateLimited);
  EXPECT_EQ(RetryAfterOf(limited.status()), absl::Seconds(7));

  absl::StatusOr<ModelResponse> unauthorised = Answer(std::string(kAnthropic401), 401);
  EXPECT_EQ(unauthorised.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(unauthorised.status().message(),
              HasSubstr("authentication_error: invalid x-api-key"));
}

TEST_F(AnthropicProviderTest, MaxTokensIsLength) {
  Json body = Json::parse(kAnthropicAnswer);
  body["stop_reason"] = "max_tokens";
  absl::StatusOr<ModelResponse> response = Answer(body.dump());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->finish, FinishReason::kLength);
}

TEST_F(AnthropicProviderTest, NoToolUseBlockGivesNullAnswer) {
  Json body = Json::parse(kAnthropicAnswer);
  body["content"] = Json::parse(R"([{"type":"text","text":"The policy number is PN-448812."}])");
  body["stop_reason"] = "end_turn";
  absl::StatusOr<ModelResponse> response = Answer(body.dump());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_TRUE(response->answer.is_null());
  EXPECT_EQ(response->finish, FinishReason::kOther);
  EXPECT_EQ(response->text, "The policy number is PN-448812.");
}

TEST_F(AnthropicProviderTest, MalformedBodyIsUnavailable) {
  absl::StatusOr<ModelResponse> response = Answer(R"({"id":"msg_01","type":"mess)");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(), HasSubstr("claude: the response is not a message"));
}

}  // namespace
}  // namespace flowline::ai::llm
