#include "ai/llm/provider_errors.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;

const absl::Time kNow = absl::FromUnixSeconds(1732460000);

steps::HttpResponse Response(int status, std::string body,
                             std::vector<std::pair<std::string, std::string>> headers = {}) {
  steps::HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(headers);
  return response;
}

TEST(ProviderErrorsTest, RateLimitCarriesRetryAfter) {
  const absl::Status status = StatusFromHttp(
      "claude",
      Response(
          429,
          R"({"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}})",
          {{"retry-after", "7"}}),
      kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "claude: HTTP 429 rate_limit_error: Number of request tokens has exceeded your "
            "per-minute rate limit");
  EXPECT_EQ(RetryAfterOf(status), absl::Seconds(7));
  EXPECT_EQ(ErrorClassOf(status), steps::ErrorClass::kRateLimited);
  EXPECT_FALSE(CountsAgainstProvider(status));
}

TEST(ProviderErrorsTest, RetryAfterMsWins) {
  const absl::Status status = StatusFromHttp(
      "openai", Response(503, "", {{"retry-after", "2"}, {"retry-after-ms", "1500"}}), kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(RetryAfterOf(status), absl::Milliseconds(1500));
  EXPECT_TRUE(CountsAgainstProvider(status));
}

TEST(ProviderErrorsTest, StatusTable) {
  struct Case {
    int status;
    absl::StatusCode code;
    steps::ErrorClass error_class;
    bool counts;
  };
  for (const Case& c :
       {Case{408, absl::StatusCode::kUnavailable, steps::ErrorClass::kTransient, true},
        Case{500, absl::StatusCode::kUnavailable, steps::ErrorClass::kTransient, true},
        Case{529, absl::StatusCode::kUnavailable, steps::ErrorClass::kTransient, true},
        Case{400, absl::StatusCode::kInvalidArgument, steps::ErrorClass::kPermanent, false},
        Case{422, absl::StatusCode::kInvalidArgument, steps::ErrorClass::kPermanent, false},
        Case{401, absl::StatusCode::kUnauthenticated, steps::ErrorClass::kPermanent, false},
        Case{403, absl::StatusCode::kPermissionDenied, steps::ErrorClass::kPermanent, false},
        Case{404, absl::StatusCode::kNotFound, steps::ErrorClass::kPermanent, false}}) {
    const absl::Status status = StatusFromHttp("p", Response(c.status, "{}"), kNow);
    EXPECT_EQ(status.code(), c.code) << c.status;
    EXPECT_EQ(ErrorClassOf(status), c.error_class) << c.status;
    EXPECT_EQ(CountsAgainstProvider(status), c.counts) << c.status;
  }
  EXPECT_TRUE(StatusFromHttp("p", Response(200, "{}"), kNow).ok());
  EXPECT_EQ(ErrorClassOf(absl::DeadlineExceededError("t")), steps::ErrorClass::kTimeout);
  EXPECT_TRUE(CountsAgainstProvider(absl::DeadlineExceededError("t")));
}

TEST(ProviderErrorsTest, OllamaErrorAndPlainBodies) {
  const absl::Status status = StatusFromHttp(
      "local",
      Response(404, R"({"error":"model \"llama3.1:8b\" not found, try pulling it first"})"), kNow);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(),
              HasSubstr("local: HTTP 404: model \"llama3.1:8b\" not found, try pulling it first"));
  const absl::Status plain =
      StatusFromHttp("p", Response(502, std::string(1000, 'x') + "\xff"), kNow);
  EXPECT_EQ(plain.message(), "p: HTTP 502: " + std::string(300, 'x'));
}

TEST(ProviderErrorsTest, CircuitOpenIsItsOwnKind) {
  const absl::Status status = CircuitOpenError("provider openai is unavailable", absl::Seconds(16));
  EXPECT_TRUE(IsCircuitOpen(status));
  EXPECT_FALSE(CountsAgainstProvider(status));
  EXPECT_EQ(RetryAfterOf(status), absl::Seconds(16));
  EXPECT_FALSE(IsCircuitOpen(absl::UnavailableError("x")));
  EXPECT_EQ(RetryAfterOf(absl::UnavailableError("x")), std::nullopt);
  EXPECT_EQ(Excerpt("ab\xff", 10), "ab\xEF\xBF\xBD");
}

}  // namespace
}  // namespace flowline::ai::llm
