#include "review/resolution.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::review {
namespace {

using ::testing::HasSubstr;

store::Task MakeTask(bool four_eyes, std::string first_by = "", std::string first_json = "") {
  store::Task task;
  task.task_id = "t1";
  task.four_eyes = four_eyes;
  task.first_by = std::move(first_by);
  task.first_decision_json = std::move(first_json);
  Json payload = {
      {"decisions", {"approve", "correct", "reject"}},
      {"fields_step", "fields"},
      {"data",
       {{"document", {{"sha256", "ab"}}},
        {"fields",
         {{"total", {{"value", "$10.00"}, {"normalized", "10.00"}, {"confidence", 0.4}}},
          {"currency", {{"value", "EUR"}, {"normalized", "EUR"}, {"confidence", 0.99}}}}}}}};
  task.payload_json = common::CanonicalJson(payload);
  return task;
}

Decision Make(std::string user, std::string decision, Json data = Json::object(),
              std::string comment = "") {
  return Decision{std::move(user), std::move(decision), std::move(comment), std::move(data)};
}

TEST(PlanResolutionTest, ACorrectionRecordsEveryFieldAndWhatChanged) {
  Json data = {{"fields", {{"total", "12.50"}}}};
  auto plan = PlanResolution(MakeTask(false), Make("ann", "correct", data));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_FALSE(plan->first_of_two);
  EXPECT_EQ(plan->resolution["decision"], "correct");
  EXPECT_EQ(plan->resolution["data"]["fields"]["total"], "12.50");
  EXPECT_EQ(plan->correction_step_id, "fields");
  EXPECT_EQ(plan->document_json, R"({"sha256":"ab"})");
  ASSERT_EQ(plan->corrections.size(), 2u);
  // Fields in name order (JSON objects are sorted).
  EXPECT_EQ(plan->corrections[0].field, "currency");
  EXPECT_FALSE(plan->corrections[0].changed);
  EXPECT_EQ(plan->corrections[1].field, "total");
  EXPECT_EQ(plan->corrections[1].ai_value_json, "\"10.00\"");
  EXPECT_EQ(plan->corrections[1].ai_confidence, 0.4);
  EXPECT_EQ(plan->corrections[1].human_value_json, "\"12.50\"");
  EXPECT_TRUE(plan->corrections[1].changed);
}

TEST(PlanResolutionTest, AnApprovalConfirmsTheAiValues) {
  auto plan = PlanResolution(MakeTask(false), Make("ann", "approve"));
  ASSERT_TRUE(plan.ok()) << plan.status();
  ASSERT_EQ(plan->corrections.size(), 2u);
  EXPECT_FALSE(plan->corrections[0].changed);
  EXPECT_FALSE(plan->corrections[1].changed);
}

TEST(PlanResolutionTest, EqualValuesInAnotherSpellingAreNotChanges) {
  auto corrections = Corrections(Json{{"total", {{"normalized", "10.00"}}},
                                      {"currency", {{"value", "eur"}}},
                                      {"due", {{"value", nullptr}}}},
                                 Json{{"total", 10}, {"currency", " EUR "}, {"due", ""}});
  for (const auto& correction : corrections) EXPECT_FALSE(correction.changed) << correction.field;
}

TEST(PlanResolutionTest, BadDecisionsAreRefusedWithTheFix) {
  auto plan = PlanResolution(MakeTask(false), Make("ann", "escalate"));
  EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(plan.status().message(), HasSubstr("approve, correct, reject"));
  plan = PlanResolution(MakeTask(false), Make("ann", "correct"));
  EXPECT_THAT(plan.status().message(), HasSubstr("needs the corrected values"));
  plan = PlanResolution(MakeTask(false), Make("ann", "reject"));
  EXPECT_THAT(plan.status().message(), HasSubstr("say why"));
  plan = PlanResolution(MakeTask(false), Make("ann", "reject", Json::object(), "not an invoice"));
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->corrections.empty());
}

TEST(PlanResolutionTest, FourEyesFirstDecisionThenSomeoneElseApproves) {
  Json data = {{"fields", {{"total", "12.50"}}}};
  auto first = PlanResolution(MakeTask(true), Make("ann", "correct", data));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->first_of_two);
  EXPECT_EQ(first->expected_first_by, "");
  EXPECT_TRUE(first->corrections.empty());  // only the final decision makes labels

  const std::string kept = common::CanonicalJson(first->resolution);
  auto own = PlanResolution(MakeTask(true, "ann", kept), Make("ann", "approve"));
  EXPECT_EQ(own.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(own.status().message(), HasSubstr("different person"));

  auto second = PlanResolution(MakeTask(true, "ann", kept), Make("bob", "approve"));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(second->first_of_two);
  EXPECT_EQ(second->expected_first_by, "ann");
  EXPECT_EQ(second->resolution["data"]["fields"]["total"], "12.50");  // ann's values stand
  EXPECT_EQ(second->resolution["approved_by"], Json::array({"ann", "bob"}));
  ASSERT_EQ(second->corrections.size(), 2u);
  EXPECT_TRUE(second->corrections[1].changed);
}

TEST(PlanResolutionTest, FourEyesASecondCorrectionNeedsAThirdLook) {
  auto plan = PlanResolution(MakeTask(true, "ann", R"({"decision":"approve"})"),
                             Make("bob", "correct", Json{{"fields", {{"total", "11"}}}}));
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_TRUE(plan->first_of_two);
  EXPECT_EQ(plan->expected_first_by, "ann");
}

TEST(PlanResolutionTest, FourEyesRejectEndsItAtOnce) {
  auto plan = PlanResolution(MakeTask(true), Make("ann", "reject", Json::object(), "fraud"));
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->first_of_two);
}

}  // namespace
}  // namespace flowline::review
