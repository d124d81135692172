#include "ai/llm/llm_output.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "policy_number": {"type": "string"},
    "amount": {"type": "number", "x-flowline-type": "amount"},
    "summary": {"type": "string"}
  }
})");

TEST(LlmOutputTest, AnswerOutputHasExtractsShape) {
  const std::vector<std::optional<Json>> samples = {
      Json{{"policy_number", "PN-1"}, {"amount", 1250.5}, {"summary", "first"}},
      Json{{"policy_number", "PN-1"}, {"amount", 99}, {"summary", "second"}},
      Json{{"policy_number", "PN-1"}, {"amount", 1250.5}, {"summary", "third"}}};
  const Vote vote = VoteOnSamples(kSchema, samples, {"summary"});
  Json out = AnswerOutput(vote, samples, ConfidenceMethod::kSamples, std::nullopt,
                          Json{{"provider", "openai"}});
  EXPECT_EQ(
      out["fields"]["policy_number"],
      (Json{
          {"value", "PN-1"}, {"normalized", "PN-1"}, {"confidence", 1.0}, {"agreement", {3, 3}}}));
  EXPECT_NEAR(out["fields"]["amount"]["confidence"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(out["fields"]["summary"], (Json{{"value", "first"},
                                            {"normalized", nullptr},
                                            {"confidence", nullptr},
                                            {"free_text", true}}));
  EXPECT_EQ(out["values"], (Json{{"policy_number", "PN-1"}, {"amount", "1250.50"}}));
  EXPECT_EQ(out["answer"],
            (Json{{"policy_number", "PN-1"}, {"amount", 1250.5}, {"summary", "first"}}));
  EXPECT_NEAR(out["confidence"].get<double>(), 2.0 / 3, 1e-12);
  EXPECT_EQ(out["llm"]["provider"], "openai");
  EXPECT_FALSE(out.contains("failed"));
}

TEST(LlmOutputTest, LogprobsAndNoneMethods) {
  const std::vector<std::optional<Json>> samples = {
      Json{{"policy_number", "PN-1"}, {"amount", 10}}};
  const Vote vote = VoteOnSamples(kSchema, samples, {});
  Json out = AnswerOutput(vote, samples, ConfidenceMethod::kLogprobs,
                          std::map<std::string, double>{{"policy_number", 0.8}, {"amount", 0.5}},
                          Json::object());
  EXPECT_EQ(out["fields"]["amount"]["confidence"], 0.5);
  EXPECT_FALSE(out["fields"]["amount"].contains("agreement"));
  EXPECT_EQ(out["fields"]["summary"]["confidence"], nullptr);  // not in the answer
  EXPECT_EQ(out["confidence"], 0.5);
  out = AnswerOutput(vote, samples, ConfidenceMethod::kNone, std::nullopt, Json::object());
  EXPECT_EQ(out["fields"]["amount"]["confidence"], nullptr);
  EXPECT_EQ(out["confidence"], nullptr);
}

TEST(LlmOutputTest, FailedOutputHasEveryFieldAtZero) {
  Json out = FailedOutput(kSchema, "invalid_answer", "/amount: wrong type", Json::object());
  EXPECT_EQ(out["fields"]["amount"],
            (Json{{"value", nullptr}, {"normalized", nullptr}, {"confidence", 0.0}}));
  EXPECT_EQ(out["values"]["policy_number"], nullptr);
  EXPECT_EQ(out["answer"], nullptr);
  EXPECT_EQ(out["confidence"], 0.0);
  EXPECT_EQ(out["failed"], (Json{{"kind", "invalid_answer"}, {"message", "/amount: wrong type"}}));
}

const Json kPrior = Json::parse(R"({
  "fields": {"total": {"value": "$5", "normalized": "5.00", "confidence": 0.97},
             "due_date": {"value": "x", "normalized": "x", "confidence": 0.4}},
  "values": {"total": "5.00", "due_date": "x"},
  "confidence": 0.4,
  "line_items": [{"description": "a"}]
})");

TEST(LlmOutputTest, PriorIsConfidentOnlyWhenEveryFieldIs) {
  EXPECT_FALSE(PriorIsConfident(kPrior, 0.9));
  EXPECT_TRUE(PriorIsConfident(kPrior, 0.4));
  Json failed = kPrior;
  failed["failed"] = {{"kind", "invalid_answer"}};
  EXPECT_FALSE(PriorIsConfident(failed, 0.4));
  EXPECT_FALSE(PriorIsConfident(Json(nullptr), 0.1));
  EXPECT_FALSE(PriorIsConfident(Json{{"fields", Json::object()}}, 0.1));
}

TEST(LlmOutputTest, FallbackTakesOnlyTheUnsureFieldsFromTheModel) {
  const Json llm = {
      {"fields",
       {{"total", {{"value", "7"}, {"normalized", "7.00"}, {"confidence", 1.0}}},
        {"due_date", {{"value", "2026-03-02"}, {"normalized", "2026-03-02"}, {"confidence", 0.8}}},
        {"iban", {{"value", "DE1"}, {"normalized", "DE1"}, {"confidence", 0.95}}}}},
      {"llm", {{"provider", "openai"}}}};
  Json merged = MergeFallback(kPrior, llm, 0.9);
  EXPECT_EQ(merged["fields"]["total"]["normalized"], "5.00");
  EXPECT_EQ(merged["fields"]["total"]["source"], "model");
  EXPECT_EQ(merged["fields"]["due_date"]["normalized"], "2026-03-02");
  EXPECT_EQ(merged["fields"]["due_date"]["source"], "llm");
  EXPECT_EQ(merged["fields"]["iban"]["source"], "llm");
  EXPECT_EQ(merged["values"],
            (Json{{"total", "5.00"}, {"due_date", "2026-03-02"}, {"iban", "DE1"}}));
  EXPECT_EQ(merged["confidence"], 0.8);
  EXPECT_EQ(merged["line_items"], kPrior["line_items"]);
  EXPECT_EQ(merged["llm"]["provider"], "openai");

  // A failed model answer keeps every prior field and says it failed.
  merged = MergeFallback(kPrior, FailedOutput(kSchema, "refused", "no", Json::object()), 0.9);
  EXPECT_EQ(merged["fields"]["due_date"]["normalized"], "x");
  EXPECT_EQ(merged["failed"]["kind"], "refused");
}

}  // namespace
}  // namespace flowline::ai::llm
