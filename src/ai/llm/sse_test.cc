#include "ai/llm/sse.h"

#include <string>

#include "ai/llm/provider_test_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;
using testing::kOpenAiStream;

TEST(SseTest, AssemblesContentAndUsage) {
  absl::StatusOr<Json> assembled = AssembleChatStream(kOpenAiStream, "openai");
  ASSERT_TRUE(assembled.ok()) << assembled.status();
  EXPECT_EQ(*assembled, Json::parse(R"(
{"object":"chat.completion","model":"gpt-4o-mini",
 "choices":[{"index":0,"message":{"role":"assistant","content":"{\"policy_number\":\"PN-448812\"}","refusal":null},
             "logprobs":null,"finish_reason":"stop"}],
 "usage":{"prompt_tokens":412,"completion_tokens":61,"total_tokens":473}})"));
}

TEST(SseTest, CarriageReturnsAndLogprobs) {
  const std::string body =
      "data: {\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"{}\"},"
      "\"logprobs\":{\"content\":[{\"token\":\"{}\",\"logprob\":-0.5}]},\"finish_reason\":null}]}"
      "\r\n"
      "\r\n"
      ": keep-alive comment\r\n"
      "\r\n"
      "data: "
      "{\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}\r\n"
      "\r\n"
      "data: [DONE]\r\n";
  absl::StatusOr<Json> assembled = AssembleChatStream(body, "p");
  ASSERT_TRUE(assembled.ok()) << assembled.status();
  EXPECT_EQ((*assembled)["choices"][0]["message"]["content"], "{}");
  EXPECT_EQ((*assembled)["choices"][0]["logprobs"]["content"][0]["logprob"], -0.5);
  EXPECT_EQ((*assembled)["choices"][0]["finish_reason"], "length");
  EXPECT_FALSE(assembled->contains("usage"));
}

TEST(SseTest, TruncatedWithoutDoneIsUnavailable) {
  const std::string full(kOpenAiStream);
  // Ends cleanly after two chunks, without [DONE] (and without a finish_reason).
  const size_t third = full.find("data: ", full.find("data: ", 1) + 1);
  absl::StatusOr<Json> cut = AssembleChatStream(full.substr(0, third), "openai");
  EXPECT_EQ(cut.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(cut.status().message(), "openai: stream ended before [DONE]");
  // Cut in the middle of a chunk.
  absl::StatusOr<Json> mid = AssembleChatStream(full.substr(0, third + 40), "openai");
  EXPECT_EQ(mid.status().code(), absl::StatusCode::kUnavailable);
  // [DONE] but no finish_reason.
  absl::StatusOr<Json> unfinished =
      AssembleChatStream(full.substr(0, third) + "data: [DONE]\n\n", "openai");
  EXPECT_EQ(unfinished.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(unfinished.status().message(), HasSubstr("without a finish_reason"));
  // An error event in the stream.
  absl::StatusOr<Json> error = AssembleChatStream(
      "data: {\"error\":{\"message\":\"The server had an error\"}}\n\n", "openai");
  EXPECT_EQ(error.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(error.status().message(), HasSubstr("The server had an error"));
}

TEST(SseTest, UsageChunkWithNullChoices) {
  std::string body(kOpenAiStream);
  const std::string from = "\"choices\":[],\"usage\"";
  body.replace(body.find(from), from.size(), "\"choices\":null,\"usage\"");
  absl::StatusOr<Json> assembled = AssembleChatStream(body, "vllm");
  ASSERT_TRUE(assembled.ok()) << assembled.status();
  EXPECT_EQ((*assembled)["usage"]["completion_tokens"], 61);
}

}  // namespace
}  // namespace flowline::ai::llm
