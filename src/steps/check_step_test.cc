#include "steps/check_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MustPrepare;
using testing::PrepareStep;
using ::testing::UnorderedElementsAre;

const Json kWritten = {{"rules",
                        {{{"name", "total_matches"},
                          {"assert", "${{ steps.validate.output.ok }}"},
                          {"message", "lines add up to ${{ steps.validate.output.sum }}"}},
                         {{"name", "positive"}, {"assert", "${{ input.total > 0 }}"}},
                         {{"name", "always"}, {"assert", true}}}}};

// What the engine hands Execute: asserts and messages evaluated.
Json Evaluated(const Json& total_matches, const Json& positive, bool fail_on_error = false) {
  return {
      {"rules",
       {{{"name", "total_matches"}, {"assert", total_matches}, {"message", "lines add up to 1150"}},
        {{"name", "positive"}, {"assert", positive}},
        {{"name", "always"}, {"assert", true}}}},
      {"fail_on_error", fail_on_error}};
}

StepOutcome RunCheck(const Json& evaluated) {
  CheckStep kind;
  std::unique_ptr<PreparedStep> step = MustPrepare(kind, kWritten);
  if (step == nullptr) return StepOutcome::Failed("not prepared");
  StepContext ctx;
  ctx.params = &evaluated;
  return step->Execute(ctx);
}

TEST(CheckStepTest, AllRulesPass) {
  const StepOutcome outcome = RunCheck(Evaluated(true, true));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output["passed"], true);
  EXPECT_EQ(outcome.output["failed"], Json::array());
  EXPECT_EQ(outcome.output["results"][0],
            Json::parse(R"({"name": "total_matches", "passed": true, "message": null})"));
}

TEST(CheckStepTest, FailedRulesAreListedWithTheirMessages) {
  const StepOutcome outcome = RunCheck(Evaluated(false, false));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output["passed"], false);
  EXPECT_EQ(outcome.output["failed"], Json({"total_matches", "positive"}));
  EXPECT_EQ(outcome.output["results"], Json::parse(R"([
      {"name": "total_matches", "passed": false, "message": "lines add up to 1150"},
      {"name": "positive", "passed": false, "message": "positive failed: input.total > 0"},
      {"name": "always", "passed": true, "message": null}])"));
}

TEST(CheckStepTest, FailOnErrorFailsTheStepWithTheFailedRules) {
  const StepOutcome outcome = RunCheck(Evaluated(false, true, /*fail_on_error=*/true));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(outcome.error, "1 of 3 checks failed: total_matches: lines add up to 1150");
  // And passes when nothing failed.
  EXPECT_EQ(RunCheck(Evaluated(true, true, true)).kind, StepOutcome::Kind::kCompleted);
}

TEST(CheckStepTest, NonBooleanAssertFailsNamingTheRule) {
  const StepOutcome outcome = RunCheck(Evaluated(true, 42));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("rule \"positive\": assert evaluated to 42"));
}

TEST(CheckStepPrepareTest, ReportsBadRules) {
  CheckStep kind;
  EXPECT_THAT(PrepareStep(kind, {{"fail_on_error", "yes"}}).errors,
              UnorderedElementsAre(ConfigErrorOn("rules", "missing required"),
                                   ConfigErrorOn("fail_on_error", "must be true or false")));
  EXPECT_THAT(PrepareStep(kind, {{"rules",
                                  {{{"name", "a"}, {"assert", "input.total > 0"}},
                                   {{"name", "a"}, {"assert", true}},
                                   {{"assert", false}},
                                   {{"name", "${{ input.n }}"}, {"assert", true}},
                                   {{"name", "b"}, {"assert", 1}, {"severity", "high"}},
                                   "rule"}}})
                  .errors,
              UnorderedElementsAre(ConfigErrorOn("rules.0.assert", "must be a ${{ }} expression"),
                                   ConfigErrorOn("rules.1.name", "used twice"),
                                   ConfigErrorOn("rules.2.name", "needs a name"),
                                   ConfigErrorOn("rules.3.name", "needs a name"),
                                   ConfigErrorOn("rules.4.assert", "got 1"),
                                   ConfigErrorOn("rules.4.severity", "unknown rule field"),
                                   ConfigErrorOn("rules.5", "must be a mapping")));
  EXPECT_THAT(PrepareStep(kind, {{"rules", Json::array()}}).errors,
              ElementsAre(ConfigErrorOn("rules", "at least one")));
}

TEST(CheckStepPrepareTest, RulesFromAnExpressionAreCheckedWhenEvaluated) {
  CheckStep kind;
  std::unique_ptr<PreparedStep> step = MustPrepare(kind, {{"rules", "${{ input.rules }}"}});
  ASSERT_NE(step, nullptr);
  const Json evaluated = {{"rules", {{{"name", "x"}, {"assert", false}}}}};
  StepContext ctx;
  ctx.params = &evaluated;
  const StepOutcome outcome = step->Execute(ctx);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output["results"][0]["message"], "x failed");
}

TEST(CheckStepInfoTest, SystemAndAiActors) {
  CheckStep kind;
  EXPECT_EQ(kind.Info().name, "check");
  EXPECT_THAT(kind.Info().actors, ElementsAre(Actor::kSystem, Actor::kAi));
}

}  // namespace
}  // namespace flowline::steps
