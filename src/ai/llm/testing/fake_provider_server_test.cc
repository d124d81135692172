#include "ai/llm/testing/fake_provider_server.h"

#include <gtest/gtest.h>

#include <thread>

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
