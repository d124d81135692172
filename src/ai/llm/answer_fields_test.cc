#include "ai/llm/answer_fields.h"

#include <cmath>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

const Json kSchema = Json::parse(R"({
  "type": "object",
  "properties": {
    "policy_number": {"type": "string"},
    "amount": {"type": "number", "x-flowline-type": "amount"},
    "incident_date": {"type": "string", "format": "date"},
    "category": {"type": "string", "enum": ["motor", "property"]},
    "summary": {"type": "string"}
  }
})");

Json Prop(const char* name) { return kSchema["properties"][name]; }

TEST(AnswerFieldsTest, NormalizesByTypeAndFormat) {
  EXPECT_EQ(NormalizeValue(Json("  PN-448812 \n"), Prop("policy_number")), "PN-448812");
  EXPECT_EQ(NormalizeValue(Json("Rear  end\tcollision"), Prop("summary")), "Rear end collision");
  EXPECT_EQ(NormalizeValue(Json(1250.5), Prop("amount")), "1250.50");
  EXPECT_EQ(NormalizeValue(Json(3), Json::object()), "3");
  EXPECT_EQ(NormalizeValue(Json(0.1 + 0.2), Json::object()), "0.3");
  EXPECT_EQ(NormalizeValue(Json(true), Json::object()), "true");
  EXPECT_EQ(NormalizeValue(Json(nullptr), Prop("amount")), Json(nullptr));
  EXPECT_EQ(NormalizeValue(Json{{"b", 1}, {"a", 2}}, Json::object()), R"({"a":2,"b":1})");
  for (const char* date :
       {"2026-03-02", "2026/3/2", "02.03.2026", "2 March 2026", "March 2, 2026", "Mar. 2 2026"}) {
    EXPECT_EQ(NormalizeValue(Json(date), Prop("incident_date")), "2026-03-02") << date;
  }
  EXPECT_EQ(NormalizeValue(Json("23/03/2026"), Prop("incident_date")), "2026-03-23");
  // Ambiguous or impossible dates stay as written.
  EXPECT_EQ(NormalizeValue(Json("03/02/2026"), Prop("incident_date")), "03/02/2026");
  EXPECT_EQ(NormalizeValue(Json("2026-02-30"), Prop("incident_date")), "2026-02-30");
  // Only `format: date` strings are read as dates.
  EXPECT_EQ(NormalizeValue(Json("2 March 2026"), Prop("summary")), "2 March 2026");
}

TEST(AnswerFieldsTest, VoteKeyFoldsCaseAndNullMeetsAbsent) {
  EXPECT_EQ(VoteKey(Json("Motor")), VoteKey(Json("motor")));
  EXPECT_NE(VoteKey(Json("")), VoteKey(Json(nullptr)));
}

TEST(AnswerFieldsTest, VotesPerFieldWithTiesToTheLowestSample) {
  const std::vector<std::optional<Json>> samples = {
      Json{{"policy_number", "PN-1"}, {"amount", 1250.5}, {"category", "motor"}, {"summary", "a"}},
      Json{{"policy_number", "PN-1"}, {"amount", 1205}, {"category", "Motor"}, {"summary", "b"}},
      Json{{"policy_number", "pn-2"}, {"amount", 1250.50}, {"category", "property"}},
  };
  Vote vote = VoteOnSamples(kSchema, samples, {"summary"});
  ASSERT_EQ(vote.fields.size(), 5u);
  EXPECT_EQ(vote.chosen, 0);
  std::map<std::string, FieldVote> by_name;
  for (const FieldVote& f : vote.fields) by_name[f.name] = f;
  EXPECT_EQ(by_name["amount"].normalized, "1250.50");
  EXPECT_EQ(by_name["amount"].agree, 2);
  EXPECT_EQ(by_name["amount"].of, 3);
  EXPECT_NEAR(*by_name["amount"].confidence, 2.0 / 3, 1e-12);
  EXPECT_EQ(by_name["category"].value, "motor");  // "Motor" agrees with it
  EXPECT_EQ(by_name["category"].agree, 2);
  // Absent in all three: they agree on nothing, unanimously.
  EXPECT_EQ(by_name["incident_date"].value, Json(nullptr));
  EXPECT_EQ(by_name["incident_date"].confidence, 1.0);
  EXPECT_TRUE(by_name["summary"].free_text);
  EXPECT_EQ(by_name["summary"].value, "a");
  EXPECT_FALSE(by_name["summary"].confidence.has_value());
  EXPECT_EQ(by_name["summary"].normalized, Json(nullptr));

  // A three-way tie takes the lowest sample's value; an invalid sample disagrees with all.
  vote = VoteOnSamples(
      kSchema, {Json{{"amount", 1}}, std::nullopt, Json{{"amount", 2}}, Json{{"amount", 3}}}, {});
  EXPECT_EQ(vote.fields[0].name, "amount");
  EXPECT_EQ(vote.fields[0].value, 1);
  EXPECT_EQ(vote.fields[0].confidence, 0.25);
}

TEST(AnswerFieldsTest, ModalValueIsReportedEvenWhenTheChosenAnswerDiffers) {
  // Each sample agrees with the majority on two of the three fields: sample 0 is chosen (the
  // lowest), but its category is in the minority.
  const std::vector<std::optional<Json>> samples = {
      Json{{"policy_number", "PN-1"}, {"amount", 1}, {"category", "property"}},
      Json{{"policy_number", "PN-1"}, {"amount", 7}, {"category", "motor"}},
      Json{{"policy_number", "PN-9"}, {"amount", 1}, {"category", "motor"}},
  };
  Vote vote = VoteOnSamples(kSchema, samples, {});
  EXPECT_EQ(vote.chosen, 0);
  for (const FieldVote& f : vote.fields) {
    if (f.name == "category") {
      EXPECT_EQ(f.value, "motor");
    }
  }
}

TEST(AnswerFieldsTest, NoValidSampleGivesZeroConfidence) {
  Vote vote = VoteOnSamples(kSchema, {std::nullopt, std::nullopt}, {});
  EXPECT_EQ(vote.chosen, -1);
  for (const FieldVote& f : vote.fields) EXPECT_EQ(f.confidence, 0.0) << f.name;
}

TEST(AnswerFieldsTest, MemberValueSpans) {
  const std::string text = R"({ "a": "x\"y", "b" : [1, {"c": 2}], "d":-1.5e3 ,"e":null})";
  auto spans = MemberValueSpans(text);
  ASSERT_TRUE(spans.has_value());
  auto at = [&](const std::string& name) {
    auto [begin, end] = spans->at(name);
    return text.substr(begin, end - begin);
  };
  EXPECT_EQ(at("a"), R"("x\"y")");
  EXPECT_EQ(at("b"), R"([1, {"c": 2}])");
  EXPECT_EQ(at("d"), "-1.5e3");
  EXPECT_EQ(at("e"), "null");
  EXPECT_FALSE(MemberValueSpans(R"({"a": 1)").has_value());
  EXPECT_FALSE(MemberValueSpans(R"([1])").has_value());
  EXPECT_FALSE(MemberValueSpans(R"({"a": 1} x)").has_value());
  EXPECT_TRUE(MemberValueSpans("{}")->empty());
}

TEST(AnswerFieldsTest, LogprobConfidenceIsTheProbabilityOfTheValue) {
  const std::string text = R"({"policy_number":"PN-1","amount":1250.5})";
  std::vector<TokenLogprob> tokens = {
      {"{\"", -0.001}, {"policy_number", 0}, {"\":\"", 0}, {"PN", std::log(0.9)},  {"-1", 0},
      {"\",\"", 0},    {"amount", -0.2},     {"\":", 0},   {"125", std::log(0.5)}, {"0.5", 0},
      {"}", -0.3}};
  auto confidence = LogprobConfidence(text, tokens);
  ASSERT_TRUE(confidence.has_value());
  // The token "\":\"" overlaps the string's opening quote: it counts (logprob 0 here).
  EXPECT_NEAR(confidence->at("policy_number"), 0.9, 1e-9);
  EXPECT_NEAR(confidence->at("amount"), 0.5, 1e-9);
  // Tokens that do not spell the text: no confidence rather than a guess.
  tokens.pop_back();
  EXPECT_FALSE(LogprobConfidence(text, tokens).has_value());
  EXPECT_FALSE(LogprobConfidence(text, {}).has_value());
}

}  // namespace
}  // namespace flowline::ai::llm
