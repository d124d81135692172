#include "steps/review_step.h"

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

StepOutcome RunReview(const Json& with, const Json* resume = nullptr) {
  ReviewStep kind;
  std::unique_ptr<PreparedStep> step = MustPrepare(kind, with, "approve");
  if (step == nullptr) return StepOutcome::Failed("not prepared");
  StepContext ctx;
  ctx.step_id = "approve";
  ctx.params = &with;
  ctx.resume = resume;
  return step->Execute(ctx);
}

TEST(ReviewStepTest, FirstExecutionOpensATaskFromTheParams) {
  const StepOutcome outcome = RunReview({{"queue", "accounts-payable"},
                                         {"title", "Invoice 17"},
                                         {"priority", 5},
                                         {"sla", "4h"},
                                         {"data", {{"total", 1200}}},
                                         {"instructions", "Check the totals."},
                                         {"reasons", {"unsure: total", "check failed: sum"}},
                                         {"decisions", {"approve", "reject", "escalate"}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kWaitForTask);
  EXPECT_EQ(outcome.task.queue, "accounts-payable");
  EXPECT_EQ(outcome.task.title, "Invoice 17");
  EXPECT_EQ(outcome.task.priority, 5);
  EXPECT_EQ(outcome.task.sla, absl::Hours(4));
  EXPECT_EQ(outcome.task.payload, Json::parse(R"({
      "data": {"total": 1200}, "instructions": "Check the totals.",
      "reasons": ["unsure: total", "check failed: sum"],
      "decisions": ["approve", "reject", "escalate"]})"));
}

TEST(ReviewStepTest, DefaultsWhenNothingIsGiven) {
  const StepOutcome outcome = RunReview(Json::object());
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kWaitForTask);
  EXPECT_EQ(outcome.task.queue, "default");
  EXPECT_EQ(outcome.task.title, "Review approve");
  EXPECT_EQ(outcome.task.priority, 0);
  EXPECT_EQ(outcome.task.sla, std::nullopt);
  EXPECT_EQ(outcome.task.payload, Json::parse(R"({
      "data": {}, "instructions": "", "reasons": [], "decisions": ["approve", "reject"]})"));
}

TEST(ReviewStepTest, AnAllowedDecisionCompletesWithTheResolution) {
  const Json resolution = {
      {"decision", "approve"}, {"by", "maria"}, {"comment", ""}, {"data", {{"total", 1150}}}};
  const StepOutcome outcome = RunReview(Json::object(), &resolution);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(outcome.output, resolution);
}

TEST(ReviewStepTest, RejectEndsTheRunWithTheCommentOrWho) {
  const Json with_comment = {{"decision", "reject"}, {"by", "maria"}, {"comment", "duplicate"}};
  StepOutcome outcome = RunReview(Json::object(), &with_comment);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kRejected);
  EXPECT_EQ(outcome.error, "duplicate");
  EXPECT_EQ(outcome.output, with_comment);

  const Json without = {{"decision", "reject"}, {"by", "maria"}};
  outcome = RunReview(Json::object(), &without);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kRejected);
  EXPECT_EQ(outcome.error, "rejected by maria");
}

TEST(ReviewStepTest, UnlistedOrMissingDecisionFails) {
  const Json escalate = {{"decision", "escalate"}, {"by", "maria"}};
  StepOutcome outcome = RunReview(Json::object(), &escalate);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("\"escalate\" is not one of"));

  // "reject" is only a decision when the review offers it.
  const Json reject = {{"decision", "reject"}, {"by", "maria"}};
  outcome = RunReview({{"decisions", {"approve", "correct"}}}, &reject);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);

  const Json timer = {{"timer", true}};
  outcome = RunReview(Json::object(), &timer);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("no decision"));
}

TEST(ReviewStepPrepareTest, ReportsBadParams) {
  ReviewStep kind;
  EXPECT_THAT(PrepareStep(kind, {{"queue", ""},
                                 {"priority", "high"},
                                 {"sla", "4 hours"},
                                 {"data", "x"},
                                 {"decisions", {"approve", "approve", ""}},
                                 {"assignee", "bob"}})
                  .errors,
              UnorderedElementsAre(ConfigErrorOn("queue", "must not be empty"),
                                   ConfigErrorOn("priority", "must be an integer"),
                                   ConfigErrorOn("sla", "invalid duration"),
                                   ConfigErrorOn("data", "must be a mapping"),
                                   ConfigErrorOn("decisions.1", "distinct"),
                                   ConfigErrorOn("decisions.2", "distinct"),
                                   ConfigErrorOn("assignee", "unknown parameter")));
  EXPECT_THAT(PrepareStep(kind, {{"decisions", Json::array()}}).errors,
              ElementsAre(ConfigErrorOn("decisions", "at least one")));
  EXPECT_THAT(PrepareStep(kind, {{"title", "Invoice ${{ input.id }}"},
                                 {"data", "${{ steps.extract.output }}"},
                                 {"priority", "${{ input.priority }}"}})
                  .errors,
              ::testing::IsEmpty());
}

TEST(ReviewStepInfoTest, HumanOnly) {
  ReviewStep kind;
  EXPECT_EQ(kind.Info().name, "review");
  EXPECT_THAT(kind.Info().actors, ElementsAre(Actor::kHuman));
}

}  // namespace
}  // namespace flowline::steps
