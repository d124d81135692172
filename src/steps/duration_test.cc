#include "steps/duration.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::steps {
namespace {

using ::testing::HasSubstr;

TEST(ParseDurationTest, AcceptsEachUnit) {
  EXPECT_EQ(*ParseDuration("250ms"), absl::Milliseconds(250));
  EXPECT_EQ(*ParseDuration("30s"), absl::Seconds(30));
  EXPECT_EQ(*ParseDuration("5m"), absl::Minutes(5));
  EXPECT_EQ(*ParseDuration("4h"), absl::Hours(4));
  EXPECT_EQ(*ParseDuration("2d"), absl::Hours(48));
}

TEST(ParseDurationTest, AcceptsCombinationsFractionsZeroAndWhiteSpace) {
  EXPECT_EQ(*ParseDuration("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("1d12h"), absl::Hours(36));
  EXPECT_EQ(*ParseDuration("1m30s500ms"), absl::Milliseconds(90'500));
  EXPECT_EQ(*ParseDuration("1.5h"), absl::Minutes(90));
  EXPECT_EQ(*ParseDuration("0"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration("0s"), absl::ZeroDuration());
  EXPECT_EQ(*ParseDuration(" 10s\n"), absl::Seconds(10));
}

TEST(ParseDurationTest, RejectsMalformedText) {
  for (const char* text : {"", "   ", "10", "s", "10x", "-5s", "+5s", "1e3s", "inf", "5 m", "10s5",
                           "1h 30m", "ms", "1.s.5", "99999999999999999999d"}) {
    absl::StatusOr<absl::Duration> d = ParseDuration(text);
    EXPECT_EQ(d.status().code(), absl::StatusCode::kInvalidArgument) << "\"" << text << "\"";
  }
}

TEST(ParseDurationTest, ErrorQuotesTheTextAndShowsTheForm) {
  absl::Status status = ParseDuration("10 minutes").status();
  EXPECT_THAT(std::string(status.message()), HasSubstr("\"10 minutes\""));
  EXPECT_THAT(std::string(status.message()), HasSubstr("e.g. 250ms, 30s, 5m, 1h30m"));
  EXPECT_THAT(std::string(ParseDuration("-1s").status().message()), HasSubstr("negative"));
  EXPECT_THAT(std::string(ParseDuration("10").status().message()), HasSubstr("no unit"));
}

}  // namespace
}  // namespace flowline::steps
