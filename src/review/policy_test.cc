#include "review/policy.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::review {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const std::vector<StepView> kSteps = {
    {"kind", "classify", "ai"}, {"fields", "extract", "ai"}, {"checks", "check", "system"}};

Json Env(double total_confidence, bool unusual, bool checks_pass) {
  Json fields = {{"total", {{"value", "10.00"}, {"confidence", total_confidence}}},
                 {"currency", {{"value", "EUR"}, {"confidence", 0.99}}}};
  Json results = Json::array({{{"name", "totals_add_up"},
                               {"passed", checks_pass},
                               {"message", "net + tax is not the total"}}});
  return {
      {"steps",
       {{"kind",
         {{"status", "completed"},
          {"output", {{"label", "invoice"}, {"confidence", 0.97}, {"unusual", unusual}}},
          {"confidence", 0.97},
          {"skipped", false}}},
        {"fields", {{"status", "completed"}, {"output", {{"fields", fields}}}, {"skipped", false}}},
        {"checks",
         {{"status", "completed"}, {"output", {{"results", results}}}, {"skipped", false}}}}}};
}

std::vector<std::string> Kinds(const RoutingDecision& decision) {
  std::vector<std::string> kinds;
  for (const Reason& reason : decision.reasons) kinds.push_back(reason.kind + ":" + reason.name);
  return kinds;
}

ExceptionPolicy Policy() {
  ExceptionPolicy policy;
  policy.thresholds.confidence = 0.9;
  return policy;
}

TEST(RouteTest, AConfidentCleanCaseGoesStraightThrough) {
  RoutingDecision decision = Route(Policy(), kSteps, Env(0.95, false, true), {}, "wf", "k1");
  EXPECT_FALSE(decision.to_person);
  EXPECT_THAT(decision.reasons, IsEmpty());
  // Every rule looked at is recorded, fired or not.
  EXPECT_EQ(decision.evaluated.size(), 5u);  // kind confidence + unusual, 2 fields, 1 check
  EXPECT_EQ(decision.ToJson()["routed"], "straight_through");
}

TEST(RouteTest, EachReasonFiresWithTheValuesItSaw) {
  RoutingDecision decision = Route(Policy(), kSteps, Env(0.62, true, false),
                                   {{"large_amount", true, 12000, ""}}, "wf", "k1");
  EXPECT_TRUE(decision.to_person);
  EXPECT_THAT(Kinds(decision), ElementsAre("unusual:", "low_confidence:total",
                                           "check_failed:totals_add_up", "rule:large_amount"));
  const Reason& low = decision.reasons[1];
  EXPECT_EQ(low.step, "fields");
  EXPECT_DOUBLE_EQ(low.values["confidence"].get<double>(), 0.62);
  EXPECT_DOUBLE_EQ(low.values["threshold"].get<double>(), 0.9);
  EXPECT_EQ(low.values["value"], "10.00");
  EXPECT_THAT(low.message, HasSubstr("total: confidence 0.62 is under 0.90"));
  EXPECT_EQ(decision.reasons[2].message, "check failed: totals_add_up");
  EXPECT_EQ(decision.reasons[2].values["message"], "net + tax is not the total");
  EXPECT_EQ(decision.reasons[0].message, "unusual input (kind)");
  EXPECT_EQ(decision.reasons[3].values["value"], 12000);
}

TEST(RouteTest, PerFieldAndPerStepThresholdsOverrideTheWorkflows) {
  ExceptionPolicy policy = Policy();
  policy.thresholds.fields["total"] = 0.99;
  RoutingDecision decision = Route(policy, kSteps, Env(0.95, false, true), {}, "wf", "k");
  EXPECT_THAT(Kinds(decision), ElementsAre("low_confidence:total"));
  policy.step_thresholds["fields"].fields["total"] = 0.5;  // the step's own word wins
  decision = Route(policy, kSteps, Env(0.95, false, true), {}, "wf", "k");
  EXPECT_FALSE(decision.to_person);
}

TEST(RouteTest, AConfirmedFieldIsNotJudgedOnItsConfidence) {
  ExceptionPolicy policy = Policy();
  policy.confirmed_by["total"] = "${{ steps.figures.output.adds_up }}";
  RuleVerdict confirmed{"total", true, true, ""};
  RoutingDecision decision =
      Route(policy, kSteps, Env(0.62, false, true), {}, "wf", "k", {{"total", confirmed}});
  EXPECT_FALSE(decision.to_person);
  // Recorded as looked at, with what confirmed it.
  bool seen = false;
  for (const Json& rule : decision.evaluated) {
    if (rule.value("name", "") != "total") continue;
    seen = true;
    EXPECT_FALSE(rule["fired"].get<bool>());
    EXPECT_TRUE(rule["values"]["confirmed"].get<bool>());
  }
  EXPECT_TRUE(seen);
  // Not confirmed (false, or the expression failed): judged as usual.
  RuleVerdict not_confirmed{"total", false, false, ""};
  EXPECT_THAT(Kinds(Route(policy, kSteps, Env(0.62, false, true), {}, "wf", "k",
                          {{"total", not_confirmed}})),
              ElementsAre("low_confidence:total"));
  RuleVerdict failed{"total", true, nullptr, "attempt to index nil"};
  decision = Route(policy, kSteps, Env(0.62, false, true), {}, "wf", "k", {{"total", failed}});
  EXPECT_THAT(Kinds(decision), ElementsAre("low_confidence:total"));
  EXPECT_EQ(decision.reasons[0].values["confirm_error"], "attempt to index nil");
}

TEST(RouteTest, AThresholdAboveOneAlwaysSendsTheFieldToAPerson) {
  ExceptionPolicy policy = Policy();
  policy.thresholds.fields["currency"] = 2;
  RoutingDecision decision = Route(policy, kSteps, Env(0.95, false, true), {}, "wf", "k");
  EXPECT_THAT(Kinds(decision), ElementsAre("low_confidence:currency"));
  EXPECT_EQ(decision.reasons[0].message, "currency: always reviewed (threshold above 1)");
}

TEST(RouteTest, SwitchedOffReasonsDoNotFire) {
  ExceptionPolicy policy = Policy();
  policy.checks = false;
  policy.unusual = false;
  RoutingDecision decision = Route(policy, kSteps, Env(0.95, true, false), {}, "wf", "k");
  EXPECT_FALSE(decision.to_person);
}

TEST(RouteTest, SkippedStepsAreNotJudged) {
  Json env = Env(0.1, true, false);
  env["steps"]["fields"]["skipped"] = true;
  env["steps"]["kind"]["skipped"] = true;
  env["steps"]["checks"]["skipped"] = true;
  EXPECT_FALSE(Route(Policy(), kSteps, env, {}, "wf", "k").to_person);
}

TEST(RouteTest, ARuleThatCannotBeEvaluatedSendsTheCaseToAPersonAndFourEyesFollowsRules) {
  ExceptionPolicy policy = Policy();
  policy.rules.push_back({"large_amount", "${{ x }}", true});
  RoutingDecision decision =
      Route(policy, kSteps, Env(0.95, false, true),
            {{"large_amount", false, nullptr, "attempt to index nil"}}, "wf", "k");
  EXPECT_TRUE(decision.to_person);
  EXPECT_TRUE(decision.four_eyes);
  EXPECT_THAT(decision.reasons[0].message, HasSubstr("could not be evaluated"));
}

TEST(PolicyTest, FailedAiStepAlwaysRoutes) {
  ExceptionPolicy policy;  // no thresholds
  policy.unusual = false;
  policy.checks = false;
  const std::vector<StepView> steps = {{"claim", "llm", "ai"}};
  const Json env = {
      {"steps",
       {{"claim",
         {{"status", "completed"},
          {"output",
           {{"fields", {{"amount", {{"value", nullptr}, {"confidence", 0}}}}},
            {"answer", nullptr},
            {"failed",
             {{"kind", "invalid_answer"},
              {"message", "/amount: expected number (1 of 1 samples after one retry)"}}}}},
          {"skipped", false}}}}}};
  RoutingDecision decision = Route(policy, steps, env, {}, "claims", "C-1");
  EXPECT_TRUE(decision.to_person);
  ASSERT_EQ(decision.reasons.size(), 1u);
  EXPECT_EQ(decision.reasons[0].ToJson(),
            (Json{{"kind", "ai_failed"},
                  {"step", "claim"},
                  {"message", "/amount: expected number (1 of 1 samples after one retry)"},
                  {"values", {{"kind", "invalid_answer"}}}}));
  // An answer without `failed` gives no such reason.
  Json answered = env;
  answered["steps"]["claim"]["output"].erase("failed");
  EXPECT_FALSE(Route(policy, steps, answered, {}, "claims", "C-1").to_person);
}

TEST(PolicyTest, FreeTextFieldIsNotJudged) {
  const std::vector<StepView> steps = {{"claim", "llm", "ai"}};
  const Json env = {
      {"steps",
       {{"claim",
         {{"status", "completed"},
          {"output",
           {{"fields",
             {{"summary",
               {{"value", "Rear-end collision"}, {"confidence", nullptr}, {"free_text", true}}},
              {"amount", {{"value", 10}, {"confidence", 0.95}}}}}}},
          {"skipped", false}}}}}};
  RoutingDecision decision = Route(Policy(), steps, env, {}, "claims", "C-1");
  EXPECT_FALSE(decision.to_person) << decision.ToJson().dump();
  // The same field without the mark has no confidence: it fires.
  Json unmarked = env;
  unmarked["steps"]["claim"]["output"]["fields"]["summary"].erase("free_text");
  EXPECT_THAT(Kinds(Route(Policy(), steps, unmarked, {}, "claims", "C-1")),
              ElementsAre("low_confidence:summary"));
}

TEST(AuditDrawTest, IsDeterministicAndDependsOnWorkflowAndKey) {
  EXPECT_EQ(AuditDraw("wf", "k1"), AuditDraw("wf", "k1"));
  EXPECT_NE(AuditDraw("wf", "k1"), AuditDraw("wf", "k2"));
  EXPECT_NE(AuditDraw("wf", "k1"), AuditDraw("other", "k1"));
  EXPECT_GE(AuditDraw("wf", ""), 0.0);
  EXPECT_LT(AuditDraw("wf", ""), 1.0);
}

TEST(AuditDrawTest, SamplesTheConfiguredRateOver10000Keys) {
  for (double rate : {0.02, 0.1, 0.5}) {
    ExceptionPolicy policy = Policy();
    policy.audit_rate = rate;
    int sampled = 0;
    for (int i = 0; i < 10000; ++i) {
      RoutingDecision decision =
          Route(policy, kSteps, Env(0.95, false, true), {}, "invoice", absl::StrCat("INV-", i));
      if (decision.to_person) {
        ++sampled;
        EXPECT_TRUE(decision.audit_sample);
        EXPECT_EQ(decision.reasons[0].kind, "audit_sample");
      }
    }
    // Binomial: 4 standard deviations of 10,000 draws.
    const double sd = std::sqrt(10000 * rate * (1 - rate));
    EXPECT_NEAR(sampled, 10000 * rate, 4 * sd) << "rate " << rate;
  }
}

TEST(AuditDrawTest, OnlyStraightThroughCasesAreSampled) {
  ExceptionPolicy policy = Policy();
  policy.audit_rate = 1.0;
  RoutingDecision decision = Route(policy, kSteps, Env(0.5, false, true), {}, "wf", "k");
  EXPECT_FALSE(decision.audit_sample);
  EXPECT_THAT(Kinds(decision), ElementsAre("low_confidence:total"));
}

}  // namespace
}  // namespace flowline::review
