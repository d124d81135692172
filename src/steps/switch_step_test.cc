#include "steps/switch_step.h"

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

// The cases as written: the engine evaluates each `when` into `verdicts`.
const Json kWritten = {{"cases",
                        {{{"when", "${{ input.total > 10000 }}"}, {"route", "manager"}},
                         {{"when", "${{ input.kind == 'credit' }}"}, {"route", "credit"}}}},
                       {"default", "standard"}};

Json Evaluated(const Json& first, const Json& second, bool with_default = true) {
  Json out = {{"cases",
               {{{"when", first}, {"route", "manager"}}, {{"when", second}, {"route", "credit"}}}}};
  if (with_default) out["default"] = "standard";
  return out;
}

StepOutcome RunSwitch(const Json& evaluated) {
  SwitchStep kind;
  std::unique_ptr<PreparedStep> step = MustPrepare(kind, kWritten);
  if (step == nullptr) return StepOutcome::Failed("not prepared");
  StepContext ctx;
  ctx.params = &evaluated;
  return step->Execute(ctx);
}

TEST(SwitchStepTest, FirstMatchingCaseWins) {
  StepOutcome outcome = RunSwitch(Evaluated(true, true));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output, Json::parse(R"({"route": "manager", "case": 0})"));
  outcome = RunSwitch(Evaluated(false, true));
  EXPECT_EQ(outcome.output, Json::parse(R"({"route": "credit", "case": 1})"));
}

TEST(SwitchStepTest, NoMatchTakesTheDefault) {
  const StepOutcome outcome = RunSwitch(Evaluated(false, false));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output, Json::parse(R"({"route": "standard", "case": null})"));
}

TEST(SwitchStepTest, NoMatchAndNoDefaultFails) {
  const StepOutcome outcome = RunSwitch(Evaluated(false, false, /*with_default=*/false));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_EQ(outcome.error, "no case matched and no default");
}

TEST(SwitchStepTest, NonBooleanConditionFailsNamingTheCase) {
  const StepOutcome outcome = RunSwitch(Evaluated(false, "yes"));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("cases.1.when: case 1: when evaluated to \"yes\""));
}

TEST(SwitchStepPrepareTest, ReportsBadCases) {
  SwitchStep kind;
  EXPECT_THAT(PrepareStep(kind, {{"default", "x"}}).errors,
              ElementsAre(ConfigErrorOn("cases", "missing required")));
  EXPECT_THAT(PrepareStep(kind, {{"cases", Json::array()}}).errors,
              ElementsAre(ConfigErrorOn("cases", "at least one")));
  EXPECT_THAT(PrepareStep(kind, {{"cases",
                                  {{{"when", "input.total > 1"}, {"route", "a"}},
                                   {{"when", true}},
                                   "manager",
                                   {{"when", false}, {"route", "b"}, {"goto", "c"}}}},
                                 {"default", ""}})
                  .errors,
              UnorderedElementsAre(ConfigErrorOn("cases.0.when", "must be a ${{ }} expression"),
                                   ConfigErrorOn("cases.1.route", "needs a route"),
                                   ConfigErrorOn("cases.2", "must be a mapping"),
                                   ConfigErrorOn("cases.3.goto", "unknown case field"),
                                   ConfigErrorOn("default", "must not be empty")));
  // Literal conditions and routes from expressions are fine.
  EXPECT_THAT(
      PrepareStep(kind, {{"cases", {{{"when", true}, {"route", "${{ input.queue }}"}}}}}).errors,
      ::testing::IsEmpty());
}

TEST(SwitchStepInfoTest, SystemOnly) {
  SwitchStep kind;
  EXPECT_EQ(kind.Info().name, "switch");
  EXPECT_THAT(kind.Info().actors, ElementsAre(Actor::kSystem));
}

}  // namespace
}  // namespace flowline::steps
