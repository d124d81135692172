#include "ai/llm/testing/fake_provider_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "ai/llm/model_provider.h"
#include "ai/llm/provider_errors.h"
#include "common/json_schema.h"
#include "steps/http_client.h"

namespace flowline::ai::llm::testing {
namespace {

using Protocol = ProviderConfig::Protocol;

// The raw exchange, without a provider: what the fake puts on the wire.
absl::StatusOr<steps::HttpResponse> Post(steps::HttpClient& http, const std::string& url,
                                         const Json& body,
                                         absl::Duration timeout = absl::Seconds(10)) {
  steps::HttpRequest request;
  request.method = "POST";
  request.url = url;
  request.headers = {{"Content-Type", "application/json"},
                     {"Authorization", "Bearer sk-test-0123456789"}};
  request.body = body.dump();
  request.timeout = timeout;
  return http.Send(request);
}

const Json kAnswer = {{"policy_number", "PN-448812"}, {"amount", 1250.5}};

TEST(FakeProviderServerTest, AnswersInEachProtocolsEnvelope) {
  FakeProviderServer fake;
  fake.Start();
  fake.Answer([](const RecordedRequest&) { return AnswerReply(kAnswer); });
  auto http = steps::NewCurlHttpClient();

  auto openai = Post(*http, fake.BaseUrl(Protocol::kOpenAi) + "/chat/completions",
                     {{"model", "gpt-4o-mini"}, {"messages", Json::array()}});
  ASSERT_TRUE(openai.ok()) << openai.status();
  ASSERT_EQ(openai->status, 200);
  Json body = Json::parse(openai->body);
  EXPECT_EQ(body["object"], "chat.completion");
  EXPECT_EQ(body["model"], "gpt-4o-mini");
  EXPECT_EQ(Json::parse(body["choices"][0]["message"]["content"].get<std::string>()), kAnswer);
  EXPECT_EQ(body["choices"][0]["finish_reason"], "stop");
  EXPECT_EQ(body["usage"]["prompt_tokens"], 412);
  EXPECT_EQ(body["usage"]["completion_tokens"], 61);

  auto anthropic = Post(*http, fake.BaseUrl(Protocol::kAnthropic) + "/v1/messages",
                        {{"model", "claude-3-5-haiku-20241022"},
                         {"tool_choice", {{"type", "tool"}, {"name", "claim"}}}});
  ASSERT_TRUE(anthropic.ok()) << anthropic.status();
  body = Json::parse(anthropic->body);
  EXPECT_EQ(body["content"][0]["type"], "tool_use");
  EXPECT_EQ(body["content"][0]["name"], "claim");
  EXPECT_EQ(body["content"][0]["input"], kAnswer);
  EXPECT_EQ(body["stop_reason"], "tool_use");
  EXPECT_EQ(body["usage"]["input_tokens"], 412);

  auto ollama = Post(*http, fake.BaseUrl(Protocol::kOllama) + "/api/chat",
                     {{"model", "llama3.1:8b"}, {"stream", false}});
  ASSERT_TRUE(ollama.ok()) << ollama.status();
  body = Json::parse(ollama->body);
  EXPECT_EQ(Json::parse(body["message"]["content"].get<std::string>()), kAnswer);
  EXPECT_EQ(body["done_reason"], "stop");
  EXPECT_EQ(body["prompt_eval_count"], 412);
  EXPECT_EQ(body["eval_count"], 61);

  const std::vector<RecordedRequest> requests = fake.Requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0].path, kOpenAiPath);
  EXPECT_EQ(requests[0].headers.at("authorization"), "Bearer sk-test-0123456789");
  EXPECT_EQ(requests[0].body["model"], "gpt-4o-mini");
  EXPECT_EQ(requests[1].path, kAnthropicPath);
  EXPECT_EQ(requests[2].path, kOllamaPath);
  EXPECT_EQ(fake.Count(kOpenAiPath), 1);
  EXPECT_EQ(fake.Count(), 3);
}

TEST(FakeProviderServerTest, ScriptedRepliesComeFirstInOrder) {
  FakeProviderServer fake;
  fake.Start();
  fake.Script(
      std::string(kOpenAiPath),
      {StatusReply(429, R"({"error":{"code":"rate_limit_exceeded"}})", {{"retry-after", "2"}}),
       StatusReply(500, "{}")});
  auto http = steps::NewCurlHttpClient();
  const std::string url = fake.BaseUrl(Protocol::kOpenAi) + "/chat/completions";
  auto first = Post(*http, url, Json::object());
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->status, 429);
  EXPECT_EQ(first->Header("retry-after"), "2");
  EXPECT_EQ(first->body, R"({"error":{"code":"rate_limit_exceeded"}})");
  auto second = Post(*http, url, Json::object());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->status, 500);
  auto third = Post(*http, url, Json::object());  // the queue is empty: the default answer
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->status, 200);
}

TEST(FakeProviderServerTest, BrokenRepliesBreakAsDocumented) {
  FakeProviderServer fake;
  fake.Start();
  const std::string url = fake.BaseUrl(Protocol::kOpenAi) + "/chat/completions";
  Reply clean_end = KindReply(Reply::Kind::kTruncatedStream, kAnswer);
  clean_end.clean_end = true;
  fake.Script(
      std::string(kOpenAiPath),
      {KindReply(Reply::Kind::kMalformed), KindReply(Reply::Kind::kSchemaViolating, kAnswer),
       KindReply(Reply::Kind::kRefusal), KindReply(Reply::Kind::kLength, kAnswer),
       KindReply(Reply::Kind::kTruncatedStream, kAnswer), clean_end,
       KindReply(Reply::Kind::kStream, kAnswer), KindReply(Reply::Kind::kSlow, kAnswer)});
  auto http = steps::NewCurlHttpClient();

  auto malformed = Post(*http, url, Json::object());
  ASSERT_TRUE(malformed.ok());
  EXPECT_FALSE(common::ParseJson(malformed->body, "body").ok());

  auto violating = Post(*http, url, Json::object());
  ASSERT_TRUE(violating.ok());
  Json content = Json::parse(
      Json::parse(violating->body)["choices"][0]["message"]["content"].get<std::string>());
  EXPECT_EQ(content["amount"], "twelve hundred");

  auto refusal = Post(*http, url, Json::object());
  ASSERT_TRUE(refusal.ok());
  EXPECT_TRUE(Json::parse(refusal->body)["choices"][0]["message"]["content"].is_null());
  EXPECT_EQ(Json::parse(refusal->body)["choices"][0]["message"]["refusal"],
            "I can't help with that.");

  auto length = Post(*http, url, Json::object());
  ASSERT_TRUE(length.ok());
  const Json length_body = Json::parse(length->body);
  EXPECT_EQ(length_body["choices"][0]["finish_reason"], "length");
  EXPECT_FALSE(common::ParseJson(length_body["choices"][0]["message"]["content"].get<std::string>(),
                                 "content")
                   .ok());

  auto dropped = Post(*http, url, Json::object());
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kUnavailable) << dropped.status();

  auto clean = Post(*http, url, Json::object());
  ASSERT_TRUE(clean.ok()) << clean.status();
  EXPECT_EQ(clean->Header("content-type"), "text/event-stream");
  EXPECT_NE(clean->body.find("data: {"), std::string::npos);
  EXPECT_EQ(clean->body.find("[DONE]"), std::string::npos);
  EXPECT_EQ(clean->body.find("\"finish_reason\":\"stop\""), std::string::npos);

  auto stream = Post(*http, url, {{"stream", true}, {"stream_options", {{"include_usage", true}}}});
  ASSERT_TRUE(stream.ok());
  EXPECT_NE(stream->body.find("\"finish_reason\":\"stop\""), std::string::npos);
  EXPECT_NE(stream->body.find("\"usage\":{\"completion_tokens\":61"), std::string::npos);
  EXPECT_TRUE(stream->body.ends_with("data: [DONE]\n\n"));

  auto slow = Post(*http, url, Json::object(), absl::Milliseconds(200));
  EXPECT_EQ(slow.status().code(), absl::StatusCode::kDeadlineExceeded) << slow.status();
  fake.ReleaseSlow();
}

TEST(FakeProviderServerTest, LogprobsCoverTheAnswerText) {
  FakeProviderServer fake;
  fake.Start();
  Reply reply = AnswerReply(kAnswer);
  reply.logprobs = {-0.1, -0.2, -0.3};
  fake.Script(std::string(kOpenAiPath), {reply});
  auto http = steps::NewCurlHttpClient();
  auto response = Post(*http, fake.BaseUrl(Protocol::kOpenAi) + "/chat/completions", {});
  ASSERT_TRUE(response.ok());
  const Json choice = Json::parse(response->body)["choices"][0];
  std::string joined;
  for (const Json& token : choice["logprobs"]["content"])
    joined += token["token"].get<std::string>();
  EXPECT_EQ(joined, choice["message"]["content"].get<std::string>());
  EXPECT_EQ(choice["logprobs"]["content"].size(), 3u);
  EXPECT_DOUBLE_EQ(choice["logprobs"]["content"][2]["logprob"].get<double>(), -0.3);
}

TEST(FakeProviderServerTest, CountsConcurrentRequests) {
  FakeProviderServer fake;
  fake.Start();
  fake.Answer([](const RecordedRequest&) {
    Reply reply = AnswerReply(kAnswer);
    reply.hold = absl::Seconds(30);
    return reply;
  });
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&fake] {
      auto http = steps::NewCurlHttpClient();
      EXPECT_TRUE(Post(*http, fake.BaseUrl(Protocol::kOllama) + "/api/chat", {}).ok());
    });
  }
  // Once all three are in, let them go: the count must have seen them together.
  while (fake.Count() < 3) std::this_thread::yield();
  fake.ReleaseSlow();
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(fake.MaxInFlight(), 3);
}

// The providers against the fake, over real HTTP: what each sends and what it makes of the
// answers and errors.
constexpr char kKeyEnv[] = "FLOWLINE_FAKE_LLM_TEST_KEY";
constexpr char kKey[] = "sk-test-SECRET-0123456789";

class ProviderOverTheWire : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(kKeyEnv, kKey, 1);
    fake_.Start();
  }
  void TearDown() override { unsetenv(kKeyEnv); }

  std::unique_ptr<ModelProvider> Provider(Protocol protocol, bool keyed = true) {
    ProviderConfig config = TestProvider("fake", protocol, fake_);
    if (keyed) {
      config.api_key_env = kKeyEnv;
      config.auth = ProviderConfig::Auth::kBearer;
    }
    secrets_ = SecretSet::FromEnvironment({config});
    auto provider = NewModelProvider(config);
    EXPECT_TRUE(provider.ok()) << provider.status();
    return provider.ok() ? *std::move(provider) : nullptr;
  }

  static ModelRequest Request() {
    ModelRequest request;
    request.model = "fake-model";
    request.system = "You triage insurance claims.";
    request.messages = {{ChatMessage::Role::kUser, "Claim C-000017\nFrom: Anna"}};
    request.schema = {
        {"type", "object"},
        {"required", {"policy_number"}},
        {"properties",
         {{"policy_number", {{"type", "string"}}}, {"amount", {{"type", "number"}}}}}};
    request.schema_name = "claim";
    request.timeout = absl::Seconds(10);
    return request;
  }

  absl::StatusOr<ModelResponse> Complete(const ModelProvider& provider,
                                         const ModelRequest& request = Request()) {
    return provider.Complete(request, *http_, secrets_, absl::Now());
  }

  FakeProviderServer fake_;
  std::unique_ptr<steps::HttpClient> http_ = steps::NewCurlHttpClient();
  SecretSet secrets_;
};

TEST_F(ProviderOverTheWire, SpeaksEachProtocol) {
  fake_.Answer([](const RecordedRequest&) { return AnswerReply(kAnswer); });

  auto openai = Complete(*Provider(Protocol::kOpenAi));
  ASSERT_TRUE(openai.ok()) << openai.status();
  EXPECT_EQ(openai->answer, kAnswer);
  EXPECT_EQ(openai->input_tokens, 412);
  EXPECT_EQ(openai->output_tokens, 61);
  EXPECT_EQ(openai->served_model, "fake-model");
  EXPECT_EQ(openai->finish, FinishReason::kStop);

  auto anthropic = Complete(*Provider(Protocol::kAnthropic));
  ASSERT_TRUE(anthropic.ok()) << anthropic.status();
  EXPECT_EQ(anthropic->answer, kAnswer);
  EXPECT_EQ(anthropic->input_tokens, 412);

  auto ollama = Complete(*Provider(Protocol::kOllama, /*keyed=*/false));
  ASSERT_TRUE(ollama.ok()) << ollama.status();
  EXPECT_EQ(ollama->answer, kAnswer);
  EXPECT_EQ(ollama->output_tokens, 61);

  const std::vector<RecordedRequest> requests = fake_.Requests();
  ASSERT_EQ(requests.size(), 3u);
  // OpenAI: bearer key, strict json_schema (every property required, no others, optional ones
  // nullable), temperature 0 and seed 42 by default.
  const RecordedRequest& o = requests[0];
  EXPECT_EQ(o.path, kOpenAiPath);
  EXPECT_EQ(o.headers.at("authorization"), absl::StrCat("Bearer ", kKey));
  EXPECT_EQ(o.headers.at("content-type"), "application/json");
  EXPECT_EQ(o.body["model"], "fake-model");
  EXPECT_EQ(o.body["messages"],
            Json::parse(R"([{"role":"system","content":"You triage insurance claims."},
                            {"role":"user","content":"Claim C-000017\nFrom: Anna"}])"));
  EXPECT_EQ(o.body["temperature"], 0);
  EXPECT_EQ(o.body["seed"], 42);
  EXPECT_EQ(o.body["max_tokens"], 1024);
  EXPECT_EQ(o.body["response_format"], Json::parse(R"({"type":"json_schema","json_schema":{
      "name":"claim","strict":true,"schema":{"type":"object","additionalProperties":false,
      "required":["policy_number","amount"],"properties":{"policy_number":{"type":"string"},
      "amount":{"type":["number","null"]}}}}})"))
      << o.body["response_format"].dump();
  // Anthropic: x-api-key and the version header, forced tool use with the schema as written,
  // no seed.
  const RecordedRequest& a = requests[1];
  EXPECT_EQ(a.path, kAnthropicPath);
  EXPECT_EQ(a.headers.at("x-api-key"), kKey);
  EXPECT_EQ(a.headers.at("anthropic-version"), "2023-06-01");
  EXPECT_FALSE(a.headers.contains("authorization"));
  EXPECT_EQ(a.body["system"], "You triage insurance claims.");
  EXPECT_EQ(a.body["tools"][0]["name"], "claim");
  EXPECT_EQ(a.body["tools"][0]["input_schema"], Request().schema);
  EXPECT_EQ(a.body["tool_choice"], Json::parse(R"({"type":"tool","name":"claim"})"));
  EXPECT_FALSE(a.body.contains("seed"));
  EXPECT_EQ(a.body["max_tokens"], 1024);
  // Ollama native: no key, the schema as `format`, options, no streaming.
  const RecordedRequest& l = requests[2];
  EXPECT_EQ(l.path, kOllamaPath);
  EXPECT_FALSE(l.headers.contains("authorization"));
  EXPECT_EQ(l.body["stream"], false);
  EXPECT_EQ(l.body["format"], Request().schema);
  EXPECT_EQ(l.body["options"], Json::parse(R"({"temperature":0,"seed":42,"num_predict":1024})"));
}

TEST_F(ProviderOverTheWire, ErrorsAsDocumented) {
  auto openai = Provider(Protocol::kOpenAi);
  fake_.Script(
      std::string(kOpenAiPath),
      {StatusReply(
           429,
           R"({"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms.","type":"requests","param":null,"code":"rate_limit_exceeded"}})",
           {{"retry-after", "2"}, {"x-ratelimit-remaining-requests", "0"}}),
       StatusReply(
           500,
           R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})"),
       KindReply(Reply::Kind::kMalformed), KindReply(Reply::Kind::kSchemaViolating, kAnswer)});
  auto limited = Complete(*openai);
  EXPECT_EQ(limited.status().code(), absl::StatusCode::kResourceExhausted) << limited.status();
  EXPECT_EQ(ErrorClassOf(limited.status()), steps::ErrorClass::kRateLimited);
  EXPECT_EQ(RetryAfterOf(limited.status()), absl::Seconds(2));
  EXPECT_FALSE(CountsAgainstProvider(limited.status()));

  auto server_error = Complete(*openai);
  EXPECT_EQ(ErrorClassOf(server_error.status()), steps::ErrorClass::kTransient)
      << server_error.status();
  EXPECT_TRUE(CountsAgainstProvider(server_error.status()));

  auto malformed = Complete(*openai);
  EXPECT_EQ(malformed.status().code(), absl::StatusCode::kUnavailable) << malformed.status();

  // A well-formed envelope whose answer breaks the schema: the provider hands it over, the
  // schema check (the llm step's) rejects it.
  auto violating = Complete(*openai);
  ASSERT_TRUE(violating.ok()) << violating.status();
  EXPECT_EQ(violating->answer["amount"], "twelve hundred");
  auto schema = common::JsonSchema::Compile(Request().schema);
  ASSERT_TRUE(schema.ok());
  const std::vector<std::string> violations = (*schema)->Violations(violating->answer);
  ASSERT_FALSE(violations.empty());
  EXPECT_TRUE(std::any_of(violations.begin(), violations.end(), [](const std::string& v) {
    return absl::StartsWith(v, "/amount");
  })) << absl::StrJoin(violations, "; ");

  fake_.Script(
      std::string(kAnthropicPath),
      {StatusReply(
          529, R"({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})")});
  auto overloaded = Complete(*Provider(Protocol::kAnthropic));
  EXPECT_EQ(ErrorClassOf(overloaded.status()), steps::ErrorClass::kTransient)
      << overloaded.status();
  EXPECT_TRUE(CountsAgainstProvider(overloaded.status()));

  fake_.Script(std::string(kOllamaPath), {KindReply(Reply::Kind::kSlow, kAnswer)});
  ModelRequest hurried = Request();
  hurried.timeout = absl::Milliseconds(200);
  auto slow = Complete(*Provider(Protocol::kOllama, false), hurried);
  EXPECT_EQ(ErrorClassOf(slow.status()), steps::ErrorClass::kTimeout) << slow.status();
  EXPECT_TRUE(CountsAgainstProvider(slow.status()));
  fake_.ReleaseSlow();
}

TEST_F(ProviderOverTheWire, TruncatedStreamsAreUnavailable) {
  ProviderConfig config = TestProvider("fake", Protocol::kOpenAi, fake_);
  config.stream = true;
  auto provider = NewModelProvider(config);
  ASSERT_TRUE(provider.ok()) << provider.status();
  Reply clean_end = KindReply(Reply::Kind::kTruncatedStream, kAnswer);
  clean_end.clean_end = true;
  fake_.Script(std::string(kOpenAiPath), {KindReply(Reply::Kind::kTruncatedStream, kAnswer),
                                          clean_end, KindReply(Reply::Kind::kStream, kAnswer)});
  auto dropped = Complete(**provider);
  EXPECT_EQ(dropped.status().code(), absl::StatusCode::kUnavailable) << dropped.status();
  auto unfinished = Complete(**provider);
  EXPECT_EQ(unfinished.status().code(), absl::StatusCode::kUnavailable) << unfinished.status();
  auto whole = Complete(**provider);
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(whole->answer, kAnswer);
  EXPECT_EQ(whole->input_tokens, 412);
  EXPECT_EQ(fake_.Requests()[0].body["stream"], true);
}

TEST_F(ProviderOverTheWire, EchoedKeyIsRedacted) {
  fake_.Script(
      std::string(kOpenAiPath),
      {StatusReply(
          401,
          absl::StrCat(
              R"({"error":{"message":"Incorrect API key provided: )", kKey,
              R"(. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})"))});
  auto denied = Complete(*Provider(Protocol::kOpenAi));
  EXPECT_EQ(ErrorClassOf(denied.status()), steps::ErrorClass::kPermanent);
  EXPECT_EQ(std::string(denied.status().message()).find(kKey), std::string::npos)
      << denied.status();
  EXPECT_NE(std::string(denied.status().message()).find("[redacted]"), std::string::npos)
      << denied.status();
}

TEST(FakeProviderServerTest, TestProviderPointsAtTheFake) {
  FakeProviderServer fake;
  fake.Start();
  const ProviderConfig config = TestProvider("fake", Protocol::kOpenAi, fake);
  EXPECT_EQ(config.base_url, absl::StrCat("http://127.0.0.1:", fake.port(), "/v1"));
  EXPECT_EQ(TestProvider("a", Protocol::kAnthropic, fake).base_url,
            absl::StrCat("http://127.0.0.1:", fake.port()));
  EXPECT_EQ(config.default_model, "fake-model");
}

}  // namespace
}  // namespace flowline::ai::llm::testing
