#include "ai/llm/openai_provider.h"

#include <cstdlib>

#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;
using testing::kOpenAi401;
using testing::kOpenAi429;
using testing::kOpenAi500;
using testing::kOpenAiAnswer;
using testing::kOpenAiQuota;
using testing::kOpenAiStream;
using ::testing::Not;
using testing::RecordingHttpClient;
using testing::RequestHeader;

constexpr char kKey[] = "sk-test-SECRET-0123456789";
constexpr char kKeyEnv[] = "FLOWLINE_TEST_OPENAI_KEY";
const absl::Time kNow = absl::FromUnixSeconds(1732460000);

ProviderConfig OpenAiConfig() {
  ProviderConfig config;
  config.name = "openai";
  config.protocol = ProviderConfig::Protocol::kOpenAi;
  config.base_url = "https://api.openai.com/v1";
  config.api_key_env = kKeyEnv;
  config.default_model = "gpt-4o-mini";
  config.models["gpt-4o-mini"] = {0.15, 0.60};
  config.logprobs = true;
  return config;
}

ModelRequest ClaimRequest() {
  ModelRequest request;
  request.model = "gpt-4o-mini";
  request.system = "You triage insurance claims.";
  request.messages.push_back({ChatMessage::Role::kUser, "Claim C-000017\nFrom: ...\n..."});
  request.schema = Json::parse(R"({"type":"object","required":["policy_number"],
      "properties":{"policy_number":{"type":"string"},
                    "amount":{"type":"number","x-flowline-type":"amount"}}})");
  request.schema_name = "claim";
  request.logprobs = true;
  return request;
}

class OpenAiProviderTest : public ::testing::Test {
 protected:
  void SetUp() override { setenv(kKeyEnv, kKey, 1); }
  void TearDown() override { unsetenv(kKeyEnv); }
  SecretSet Secrets() const { return SecretSet::FromEnvironment({OpenAiConfig()}); }
};

TEST_F(OpenAiProviderTest, RequestShape) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(200, std::string(kOpenAiAnswer));
  ASSERT_TRUE(provider.Complete(ClaimRequest(), http, Secrets(), kNow).ok());
  ASSERT_EQ(http.requests().size(), 1u);
  const steps::HttpRequest sent = http.requests().at(0);
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.url, "https://api.openai.com/v1/chat/completions");
  EXPECT_EQ(RequestHeader(sent, "Authorization"), "Bearer sk-test-SECRET-0123456789");
  EXPECT_EQ(RequestHeader(sent, "Content-Type"), "application/json");
  EXPECT_EQ(sent.timeout, absl::Seconds(60));
  EXPECT_EQ(Json::parse(sent.body), Json::parse(R"(
{"model":"gpt-4o-mini",
 "messages":[{"role":"system","content":"You triage insurance claims."},
             {"role":"user","content":"Claim C-000017\nFrom: ...\n..."}],
 "temperature":0,"seed":42,"max_tokens":1024,
 "response_format":{"type":"json_schema",
   "json_schema":{"name":"claim","strict":true,"schema":{"type":"object",
     "properties":{"policy_number":{"type":"string"},"amount":{"type":["number","null"]}},
     "required":["policy_number","amount"],"additionalProperties":false}}},
 "logprobs":true})"));
}

TEST_F(OpenAiProviderTest, AzureUsesApiKeyHeaderAndQuery) {
  ProviderConfig config = OpenAiConfig();
  config.base_url = "https://acme.openai.azure.com/openai/deployments/gpt4o";
  config.auth = ProviderConfig::Auth::kApiKeyHeader;
  config.query = {{"api-version", "2024-10-21"}};
  const OpenAiProvider provider(config);
  absl::StatusOr<steps::HttpRequest> sent = provider.BuildRequest(ClaimRequest(), kKey);
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->url,
            "https://acme.openai.azure.com/openai/deployments/gpt4o/chat/completions"
            "?api-version=2024-10-21");
  EXPECT_EQ(RequestHeader(*sent, "api-key"), kKey);
  EXPECT_EQ(RequestHeader(*sent, "Authorization"), "");
}

TEST_F(OpenAiProviderTest, JsonObjectSchemaVariant) {
  ProviderConfig config = OpenAiConfig();
  config.structured = ProviderConfig::Structured::kJsonObjectSchema;
  config.auth = ProviderConfig::Auth::kNone;
  const OpenAiProvider provider(config);
  absl::StatusOr<steps::HttpRequest> sent = provider.BuildRequest(ClaimRequest(), "");
  ASSERT_TRUE(sent.ok());
  const Json body = Json::parse(sent->body);
  // The schema as written, without flowline's x- annotations, and no strict rewrite.
  EXPECT_EQ(body["response_format"], Json::parse(R"({"type":"json_object","schema":{
      "type":"object","required":["policy_number"],
      "properties":{"policy_number":{"type":"string"},"amount":{"type":"number"}}}})"));
  EXPECT_EQ(RequestHeader(*sent, "Authorization"), "");
}

TEST_F(OpenAiProviderTest, NoneVariantPutsSchemaInSystemPrompt) {
  ProviderConfig config = OpenAiConfig();
  config.structured = ProviderConfig::Structured::kNone;
  const OpenAiProvider provider(config);
  absl::StatusOr<steps::HttpRequest> sent = provider.BuildRequest(ClaimRequest(), kKey);
  ASSERT_TRUE(sent.ok());
  const Json body = Json::parse(sent->body);
  EXPECT_FALSE(body.contains("response_format"));
  EXPECT_EQ(body["messages"][0]["content"],
            "You triage insurance claims.\n\nAnswer with one JSON object matching this JSON "
            "Schema: {\"properties\":{\"amount\":{\"type\":\"number\"},\"policy_number\":{"
            "\"type\":\"string\"}},\"required\":[\"policy_number\"],\"type\":\"object\"}");
}

TEST_F(OpenAiProviderTest, StreamAsksForUsageAndParsesEvents) {
  ProviderConfig config = OpenAiConfig();
  config.stream = true;
  const OpenAiProvider provider(config);
  RecordingHttpClient http;
  http.Reply(200, std::string(kOpenAiStream), {{"content-type", "text/event-stream"}});
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  const Json body = Json::parse(http.requests()[0].body);
  EXPECT_EQ(body["stream"], true);
  EXPECT_EQ(body["stream_options"], Json::parse(R"({"include_usage":true})"));
  EXPECT_EQ(response->text, R"({"policy_number":"PN-448812"})");
  EXPECT_EQ(response->answer, Json::parse(R"({"policy_number":"PN-448812"})"));
  EXPECT_EQ(response->input_tokens, 412);
  EXPECT_EQ(response->output_tokens, 61);
  EXPECT_EQ(response->served_model, "gpt-4o-mini");
}

TEST_F(OpenAiProviderTest, ParsesAnswerUsageLogprobs) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(200, std::string(kOpenAiAnswer));
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->text, R"({"policy_number":"PN-448812","amount":1250.5})");
  EXPECT_EQ(response->answer, Json::parse(R"({"policy_number":"PN-448812","amount":1250.5})"));
  EXPECT_EQ(response->finish, FinishReason::kStop);
  EXPECT_EQ(response->input_tokens, 412);
  EXPECT_EQ(response->output_tokens, 61);
  ASSERT_EQ(response->logprobs.size(), 2u);
  EXPECT_EQ(response->logprobs[0].token, "{\"");
  EXPECT_DOUBLE_EQ(response->logprobs[0].logprob, -0.00002);
  EXPECT_EQ(response->logprobs[1].token, "policy");
  EXPECT_EQ(response->served_model, "gpt-4o-mini-2024-07-18");
  // The cache's form round-trips.
  absl::StatusOr<ModelResponse> back = ModelResponse::FromJson(response->ToJson());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), response->ToJson());
}

TEST_F(OpenAiProviderTest, StrictNullsForOptionalPropertiesAreRemoved) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  Json body = Json::parse(kOpenAiAnswer);
  body["choices"][0]["message"]["content"] = R"({"policy_number":"PN-448812","amount":null})";
  http.Reply(200, body.dump());
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->answer, Json::parse(R"({"policy_number":"PN-448812"})"));
  EXPECT_EQ(response->text, R"({"policy_number":"PN-448812","amount":null})");
}

TEST_F(OpenAiProviderTest, LengthAndRefusal) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  Json length = Json::parse(kOpenAiAnswer);
  length["choices"][0]["finish_reason"] = "length";
  length["choices"][0]["message"]["content"] = R"({"policy_number":"PN-44)";
  http.Reply(200, length.dump());
  Json refusal = Json::parse(kOpenAiAnswer);
  refusal["choices"][0]["message"]["content"] = nullptr;
  refusal["choices"][0]["message"]["refusal"] = "I can't help with that.";
  http.Reply(200, refusal.dump());

  absl::StatusOr<ModelResponse> cut = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  ASSERT_TRUE(cut.ok()) << cut.status();
  EXPECT_EQ(cut->finish, FinishReason::kLength);
  EXPECT_TRUE(cut->answer.is_null());
  absl::StatusOr<ModelResponse> refused = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->finish, FinishReason::kRefused);
  EXPECT_EQ(refused->refusal, "I can't help with that.");
  EXPECT_TRUE(refused->answer.is_null());
}

TEST_F(OpenAiProviderTest, Error429RetryAfter) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(429, std::string(kOpenAi429),
             {{"retry-after", "2"},
              {"x-ratelimit-remaining-requests", "0"},
              {"x-ratelimit-reset-requests", "120ms"}});
  http.Reply(429, std::string(kOpenAi429), {{"retry-after", "2"}, {"retry-after-ms", "1500"}});
  absl::StatusOr<ModelResponse> limited = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(limited.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(limited.status().message(), HasSubstr("openai: HTTP 429 rate_limit_exceeded: Rate "
                                                    "limit reached for gpt-4o-mini"));
  EXPECT_EQ(RetryAfterOf(limited.status()), absl::Seconds(2));
  EXPECT_EQ(ErrorClassOf(limited.status()), steps::ErrorClass::kRateLimited);
  absl::StatusOr<ModelResponse> ms = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(RetryAfterOf(ms.status()), absl::Milliseconds(1500));
}

TEST_F(OpenAiProviderTest, InsufficientQuotaIsPermanent) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(429, std::string(kOpenAiQuota));
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(), HasSubstr("quota exhausted"));
  EXPECT_EQ(ErrorClassOf(response.status()), steps::ErrorClass::kPermanent);
  EXPECT_FALSE(CountsAgainstProvider(response.status()));
}

TEST_F(OpenAiProviderTest, Server500IsTransientAndCounts) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(500, std::string(kOpenAi500));
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("openai: HTTP 500 server_error: The server had an error"));
  EXPECT_EQ(ErrorClassOf(response.status()), steps::ErrorClass::kTransient);
  EXPECT_TRUE(CountsAgainstProvider(response.status()));
}

TEST_F(OpenAiProviderTest, MalformedBodyIsUnavailable) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(200, R"({"id":"chatcmpl-AB12cd","object":"chat.compl)");
  http.Reply(200, R"({"id":"chatcmpl-AB12cd","object":"chat.completion","choices":[]})");
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<ModelResponse> response =
        provider.Complete(ClaimRequest(), http, Secrets(), kNow);
    EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(response.status().message(),
                HasSubstr("openai: the response is not a chat completion"));
    EXPECT_TRUE(CountsAgainstProvider(response.status()));
  }
}

TEST_F(OpenAiProviderTest, TransportErrorsKeepTheirCode) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(absl::DeadlineExceededError("timed out after 200 ms"));
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(ErrorClassOf(response.status()), steps::ErrorClass::kTimeout);
  EXPECT_THAT(response.status().message(), HasSubstr("openai: timed out"));
}

TEST_F(OpenAiProviderTest, Error401IsRedacted) {
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  http.Reply(401, std::string(kOpenAi401));
  // A transport error that quotes the key (as a URL with a key in it would).
  http.Reply(absl::UnavailableError(absl::StrCat("could not connect with key ", kKey)));
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(response.status().message(), Not(HasSubstr("SECRET")));
  EXPECT_THAT(response.status().message(), HasSubstr("Incorrect API key provided: [redacted]."));
  absl::StatusOr<ModelResponse> transport =
      provider.Complete(ClaimRequest(), http, SecretSet(), kNow);  // the key read now is redacted
  EXPECT_THAT(transport.status().message(), Not(HasSubstr("SECRET")));
  EXPECT_THAT(transport.status().message(), HasSubstr("[redacted]"));
}

TEST_F(OpenAiProviderTest, MissingKeyNamesTheVariable) {
  unsetenv(kKeyEnv);
  const OpenAiProvider provider(OpenAiConfig());
  RecordingHttpClient http;
  absl::StatusOr<ModelResponse> response = provider.Complete(ClaimRequest(), http, Secrets(), kNow);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(response.status().message(),
              HasSubstr("environment variable FLOWLINE_TEST_OPENAI_KEY is not set"));
  EXPECT_TRUE(http.requests().empty());
}

TEST(NewModelProviderTest, ValidatesTheConfigOnce) {
  ProviderConfig config = OpenAiConfig();
  config.base_url = "ftp://example.com";
  EXPECT_EQ(NewModelProvider(config).status().code(), absl::StatusCode::kInvalidArgument);
  config = OpenAiConfig();
  config.protocol = ProviderConfig::Protocol::kOllama;
  EXPECT_THAT(NewModelProvider(config).status().message(),
              HasSubstr("apply to the openai protocol only"));  // logprobs: true
  config.logprobs = false;
  absl::StatusOr<std::unique_ptr<ModelProvider>> ollama = NewModelProvider(config);
  ASSERT_TRUE(ollama.ok());
  EXPECT_EQ((*ollama)->config().protocol, ProviderConfig::Protocol::kOllama);
  ASSERT_TRUE(NewModelProvider(OpenAiConfig()).ok());
}

}  // namespace
}  // namespace flowline::ai::llm
