#include "steps/wait_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/clock.h"
#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using testing::MustPrepare;
using testing::PrepareStep;

class WaitStepTest : public ::testing::Test {
 protected:
  StepOutcome Run(const Json& written, const Json& evaluated, const Json* resume = nullptr) {
    std::unique_ptr<PreparedStep> step = MustPrepare(kind_, written);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.params = &evaluated;
    ctx.clock = &clock_;
    ctx.resume = resume;
    return step->Execute(ctx);
  }
  StepOutcome Run(const Json& with) { return Run(with, with); }

  WaitStep kind_;
  common::FakeClock clock_;
};

TEST_F(WaitStepTest, DurationWaitsFromNow) {
  const StepOutcome outcome = Run({{"duration", "1h30m"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kWaitUntil);
  EXPECT_EQ(outcome.wake_at, clock_.Now() + absl::Minutes(90));
}

TEST_F(WaitStepTest, UntilWaitsForThatTime) {
  const StepOutcome outcome = Run({{"until", "2023-11-15T09:00:00+01:00"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kWaitUntil);
  EXPECT_EQ(outcome.wake_at, absl::FromUnixSeconds(1'700'035'200));  // 08:00Z
}

TEST_F(WaitStepTest, ResumedByTheTimerCompletes) {
  const Json timer = {{"timer", true}};
  const StepOutcome outcome = Run({{"duration", "2d"}}, {{"duration", "2d"}}, &timer);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output, Json({{"waited", true}}));
}

TEST_F(WaitStepTest, ATimeAlreadyPassedCompletesAtOnce) {
  const StepOutcome outcome = Run({{"until", "2020-01-01T00:00:00Z"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output, Json({{"waited", false}}));
}

TEST_F(WaitStepTest, ExpressionsAreReadWhenEvaluated) {
  const StepOutcome outcome =
      Run({{"until", "${{ input.due }}"}}, {{"until", "2023-11-14T23:13:20Z"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kWaitUntil);
  EXPECT_EQ(outcome.wake_at, clock_.Now() + absl::Hours(1));

  const StepOutcome bad = Run({{"until", "${{ input.due }}"}}, {{"until", "tomorrow"}});
  ASSERT_EQ(bad.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(bad.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(bad.error, ::testing::HasSubstr("\"tomorrow\" is not an RFC 3339 time"));
}

TEST(WaitStepPrepareTest, NeedsExactlyOneValidParameter) {
  WaitStep kind;
  EXPECT_THAT(PrepareStep(kind, Json::object()).errors,
              ElementsAre(ConfigErrorOn("", "exactly one of `duration` and `until`")));
  EXPECT_THAT(PrepareStep(kind, {{"duration", "1h"}, {"until", "2030-01-01T00:00:00Z"}}).errors,
              ElementsAre(ConfigErrorOn("", "exactly one")));
  EXPECT_THAT(PrepareStep(kind, {{"duration", "an hour"}}).errors,
              ElementsAre(ConfigErrorOn("duration", "invalid duration")));
  EXPECT_THAT(PrepareStep(kind, {{"until", "2030-01-01 09:00"}}).errors,
              ElementsAre(ConfigErrorOn("until", "not an RFC 3339 time")));
  EXPECT_THAT(PrepareStep(kind, {{"until", 1700000000}}).errors,
              ElementsAre(ConfigErrorOn("until", "must be a string")));
  EXPECT_THAT(PrepareStep(kind, {{"sleep", "1h"}}).errors,
              ::testing::Contains(ConfigErrorOn("sleep", "unknown parameter")));
}

}  // namespace
}  // namespace flowline::steps
