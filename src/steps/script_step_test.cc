#include "steps/script_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "expr/expr.h"
#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::MustPrepare;
using testing::PrepareStep;

class ScriptStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    run_ = Json::parse(R"({
        "input": {"total": 30, "lines": [{"qty": 2, "price": 5}, {"qty": 4, "price": 5}]},
        "steps": {}, "run": {"id": "run_1"}})");
    ASSERT_TRUE(evaluator_.SetEnvironment(run_).ok());
  }

  StepOutcome Run(const std::string& code) {
    std::unique_ptr<PreparedStep> step = MustPrepare(kind_, {{"code", code}}, "validate");
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    params_ = {{"code", code}};
    StepContext ctx;
    ctx.params = &params_;
    ctx.run = &run_;
    ctx.evaluator = &evaluator_;
    return step->Execute(ctx);
  }

  ScriptStep kind_;
  expr::Evaluator evaluator_{expr::Limits{.instruction_budget = 100'000, .memory_bytes = 4u << 20}};
  Json run_;
  Json params_;
};

TEST_F(ScriptStepTest, ReturnedTableIsTheOutput) {
  const StepOutcome outcome = Run(R"(
      local sum = 0
      for _, l in ipairs(input.lines) do sum = sum + l.qty * l.price end
      return { ok = math.abs(sum - input.total) <= 0.01, sum = sum })");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output, Json::parse(R"({"ok": true, "sum": 30})"));
}

TEST_F(ScriptStepTest, OtherValuesAreWrapped) {
  EXPECT_EQ(Run("return input.total * 2").output, Json::parse(R"({"value": 60})"));
  EXPECT_EQ(Run("return 'x'").output, Json::parse(R"({"value": "x"})"));
  EXPECT_EQ(Run("return {1, 2}").output, Json::parse(R"({"value": [1, 2]})"));
  EXPECT_EQ(Run("local x = 1").output, Json::parse(R"({"value": null})"));
}

TEST_F(ScriptStepTest, RuntimeErrorIsPermanent) {
  const StepOutcome outcome = Run("return input.missing.field");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("missing"));
}

TEST_F(ScriptStepTest, BudgetExhaustionIsPermanentAndTheEvaluatorStaysUsable) {
  const StepOutcome outcome = Run("while true do end");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_FALSE(outcome.error.empty());
  EXPECT_EQ(Run("return 1").kind, StepOutcome::Kind::kCompleted);
}

TEST_F(ScriptStepTest, MemoryExhaustionIsPermanent) {
  const StepOutcome outcome =
      Run("local t = {} for i = 1, 10000000 do t[i] = string.rep('x', 64) .. i end return 1");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
}

TEST_F(ScriptStepTest, TheSandboxHasNoOs) {
  const StepOutcome outcome = Run("return os.getenv('HOME')");
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
}

TEST(ScriptStepPrepareTest, SyntaxErrorIsAConfigErrorOnCode) {
  ScriptStep kind;
  testing::Prepared prepared = PrepareStep(kind, {{"code", "local x = \nreturn x +"}}, "validate");
  EXPECT_EQ(prepared.step, nullptr);
  ASSERT_EQ(prepared.errors.size(), 1u);
  EXPECT_EQ(prepared.errors[0].param, "code");
  EXPECT_FALSE(prepared.errors[0].message.empty());
}

TEST(ScriptStepPrepareTest, CodeIsRequiredLiteralAndAString) {
  ScriptStep kind;
  EXPECT_THAT(PrepareStep(kind, Json::object()).errors,
              ElementsAre(ConfigErrorOn("code", "missing required")));
  EXPECT_THAT(PrepareStep(kind, {{"code", "return ${{ input.x }}"}}).errors,
              ElementsAre(ConfigErrorOn("code", "used as written")));
  EXPECT_THAT(PrepareStep(kind, {{"code", 42}}).errors,
              ElementsAre(ConfigErrorOn("code", "must be a string")));
  EXPECT_THAT(PrepareStep(kind, {{"code", "return 1"}, {"lang", "lua"}}).errors,
              ElementsAre(ConfigErrorOn("lang", "unknown parameter")));
}

TEST(ScriptStepInfoTest, SystemAndAiActorsAndALiteralCodeParam) {
  ScriptStep kind;
  EXPECT_EQ(kind.Info().name, "script");
  EXPECT_THAT(kind.Info().actors, ElementsAre(Actor::kSystem, Actor::kAi));
  ASSERT_EQ(kind.Info().params.size(), 1u);
  EXPECT_TRUE(kind.Info().params[0].literal);
  EXPECT_TRUE(kind.Info().params[0].required);
}

}  // namespace
}  // namespace flowline::steps
