#include "steps/http_response_handling.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::steps {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);  // Tue, 14 Nov 2023 22:13:20 GMT

TEST(ParseRetryAfterTest, DeltaSecondsAndHttpDates) {
  EXPECT_EQ(ParseRetryAfter("7", kNow), absl::Seconds(7));
  EXPECT_EQ(ParseRetryAfter(" 120 ", kNow), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:40 GMT", kNow), absl::Seconds(20));
  EXPECT_EQ(ParseRetryAfter("Tuesday, 14-Nov-23 22:14:20 GMT", kNow), absl::Minutes(1));
  EXPECT_EQ(ParseRetryAfter("Tue Nov 14 22:13:50 2023", kNow), absl::Seconds(30));
  // A date in the past means "now".
  EXPECT_EQ(ParseRetryAfter("Mon, 13 Nov 2023 00:00:00 GMT", kNow), absl::ZeroDuration());
}

TEST(ParseRetryAfterTest, AbsentOrUnreadableIsNullopt) {
  EXPECT_EQ(ParseRetryAfter("", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", kNow), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", kNow), std::nullopt);
}

TEST(RedactTest, ReplacesEveryOccurrenceLongestFirst) {
  EXPECT_EQ(Redact("a TOKEN b TOKEN", {"TOKEN"}), "a [redacted] b [redacted]");
  EXPECT_EQ(Redact("xSECRETx", {"SECRET", "SEC"}), "x[redacted]x");
  EXPECT_EQ(Redact("nothing", {""}), "nothing");
}

TEST(ResponseOutputTest, ParsesJsonBodiesAndLowerCasedHeaders) {
  HttpResponse response;
  response.status = 201;
  response.headers = {{"content-type", "application/problem+json; charset=utf-8"},
                      {"set-cookie", "a=1"},
                      {"set-cookie", "b=2"}};
  response.body = R"({"id": 42, "tags": ["x"]})";
  const Json output = ResponseOutput(response, {});
  EXPECT_EQ(output["status"], 201);
  EXPECT_EQ(output["body"], Json::parse(R"({"id": 42, "tags": ["x"]})"));
  EXPECT_EQ(output["headers"]["set-cookie"], "a=1, b=2");
}

TEST(ResponseOutputTest, TextAndMalformedJsonStayText) {
  HttpResponse response;
  response.status = 200;
  response.headers = {{"content-type", "text/plain"}};
  response.body = "{\"looks\": \"like json\"}";
  EXPECT_EQ(ResponseOutput(response, {})["body"], "{\"looks\": \"like json\"}");
  response.headers = {{"content-type", "application/json"}};
  response.body = "{broken";
  EXPECT_EQ(ResponseOutput(response, {})["body"], "{broken");
}

TEST(ResponseOutputTest, RedactsSecretsInJsonKeysValuesAndHeaders) {
  HttpResponse response;
  response.status = 200;
  response.headers = {{"content-type", "application/json"}, {"x-echo", "Bearer TOPSECRET"}};
  response.body = R"({"auth": "Bearer TOPSECRET", "TOPSECRET": [1, "TOPSECRET"]})";
  const std::string dumped = ResponseOutput(response, {"TOPSECRET"}).dump();
  EXPECT_THAT(dumped, Not(HasSubstr("TOPSECRET")));
  EXPECT_THAT(dumped, HasSubstr("Bearer [redacted]"));
}

TEST(ResponseOutputTest, InvalidUtf8IsRepairedSoTheOutputSerialises) {
  HttpResponse response;
  response.status = 200;
  response.body = "caf\xE9";  // Latin-1, not UTF-8
  const Json output = ResponseOutput(response, {});
  EXPECT_EQ(output["body"], "caf\xEF\xBF\xBD");
  response.headers = {{"content-type", "application/json"}};
  response.body = "{\"name\": \"caf\xE9\"}";
  EXPECT_NO_THROW((void)ResponseOutput(response, {}).dump());
}

TEST(UnexpectedStatusTest, ClassifiesByStatus) {
  HttpResponse response;
  for (const auto& [status, error_class] :
       std::vector<std::pair<int, ErrorClass>>{{429, ErrorClass::kRateLimited},
                                               {408, ErrorClass::kTransient},
                                               {500, ErrorClass::kTransient},
                                               {503, ErrorClass::kTransient},
                                               {400, ErrorClass::kPermanent},
                                               {404, ErrorClass::kPermanent},
                                               {302, ErrorClass::kPermanent},
                                               {200, ErrorClass::kPermanent}}) {
    response.status = status;
    const StepOutcome outcome = UnexpectedStatus(response, "GET http://x/y", {}, kNow);
    EXPECT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
    EXPECT_EQ(outcome.error_class, error_class) << status;
    EXPECT_THAT(outcome.error,
                HasSubstr("HTTP " + std::to_string(status) + " from GET http://x/y"));
  }
}

TEST(UnexpectedStatusTest, QuotesTheStartOfTheRedactedBodyAndHonoursRetryAfter) {
  HttpResponse response;
  response.status = 503;
  response.headers = {{"retry-after", "3"}};
  response.body = "token KEY123 rejected " + std::string(1000, 'z');
  const StepOutcome outcome = UnexpectedStatus(response, "GET http://x/y", {"KEY123"}, kNow);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(3));
  EXPECT_THAT(outcome.error, HasSubstr(": token [redacted] rejected zzz"));
  EXPECT_THAT(outcome.error, Not(HasSubstr("KEY123")));
  EXPECT_LT(outcome.error.size(), 300u);
}

}  // namespace
}  // namespace flowline::steps
