#include "audit/personal_data.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::vector<std::string> kSteps = {"read", "extract", "review"};

TEST(PersonalPathTest, AcceptsPathsFromTheKnownRoots) {
  for (const char* path : {"input.customer.email", "input.lines.*.description", "input.*",
                           "steps.extract.output.fields.iban", "steps.extract.output",
                           "outputs.payee", "key", "input.contacts.0.phone"}) {
    EXPECT_FALSE(CheckPersonalPath(path, kSteps).has_value()) << path;
  }
}

TEST(PersonalPathTest, SaysWhatIsWrongAndHowToFixIt) {
  auto problem = CheckPersonalPath("customer.email", kSteps);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(problem->message, HasSubstr("does not start at input"));
  EXPECT_THAT(problem->hint, HasSubstr("input.customer.email"));

  problem = CheckPersonalPath("steps.extrakt.output.fields.iban", kSteps);
  ASSERT_TRUE(problem.has_value());
  EXPECT_THAT(problem->message, HasSubstr("names step 'extrakt'"));
  EXPECT_THAT(problem->hint, HasSubstr("read, extract, review"));

  EXPECT_TRUE(CheckPersonalPath("steps.extract.params.x", kSteps).has_value());
  EXPECT_TRUE(CheckPersonalPath("input", kSteps).has_value());
  EXPECT_TRUE(CheckPersonalPath("key.part", kSteps).has_value());
  EXPECT_TRUE(CheckPersonalPath("input..email", kSteps).has_value());
  EXPECT_TRUE(CheckPersonalPath("input.e mail", kSteps).has_value());
}

TEST(PersonalDigestTest, IsKeyedDeterministicAndPrefixed) {
  PersonalDigest digest("key-1");
  PersonalDigest other("key-2");
  const std::string a = digest(Json("DE89 3704 0044 0532 0130 00"));
  EXPECT_THAT(a, StartsWith("hmac-sha256:"));
  EXPECT_EQ(a.size(), 12u + 64u);
  EXPECT_EQ(a, digest(Json("DE89 3704 0044 0532 0130 00")));
  EXPECT_NE(a, other(Json("DE89 3704 0044 0532 0130 00")));
  EXPECT_NE(a, digest(Json("DE89 3704 0044 0532 0130 01")));
  // Digests are of canonical JSON: member order does not matter.
  EXPECT_EQ(digest(Json::parse(R"({"a":1,"b":2})")), digest(Json::parse(R"({"b":2,"a":1})")));
}

TEST(PersonalFieldsTest, RedactsWhatThePathsNameAndNothingElse) {
  PersonalFields personal(
      {"input.customer.email", "input.lines.*.note", "steps.extract.output.fields.iban", "key"});
  PersonalDigest digest("k");
  Json input = Json::parse(R"({
    "customer": {"email": "ann@example.com", "name": "Ann"},
    "lines": [{"note": "for Ann", "qty": 2}, {"note": null, "qty": 1}],
    "total": 10})");
  Json redacted = personal.Redact("input", input, digest);
  EXPECT_EQ(redacted["customer"]["email"], digest(Json("ann@example.com")));
  EXPECT_EQ(redacted["customer"]["name"], "Ann");
  EXPECT_EQ(redacted["lines"][0]["note"], digest(Json("for Ann")));
  EXPECT_TRUE(redacted["lines"][1]["note"].is_null());  // nothing to hide
  EXPECT_EQ(redacted["lines"][0]["qty"], 2);
  EXPECT_EQ(redacted["total"], 10);
  EXPECT_EQ(redacted.dump().find("ann@example.com"), std::string::npos);

  Json output = Json::parse(R"({"fields": {"iban": {"value": "DE89", "confidence": 0.9},
                                            "total": {"value": 10}}})");
  Json out = personal.Redact("steps.extract.output", output, digest);
  EXPECT_EQ(out["fields"]["iban"], digest(output["fields"]["iban"]));
  EXPECT_EQ(out["fields"]["total"]["value"], 10);
  // Another step's output is untouched.
  EXPECT_EQ(personal.Redact("steps.read.output", output, digest), output);

  EXPECT_TRUE(personal.Covers("key"));
  EXPECT_TRUE(personal.Covers("steps.extract.output"));
  EXPECT_FALSE(personal.Covers("outputs"));
  EXPECT_TRUE(personal.Touches("steps.extract.output", {"fields", "iban"}));
  EXPECT_TRUE(personal.Touches("steps.extract.output", {"fields"}));
  EXPECT_FALSE(personal.Touches("steps.extract.output", {"fields", "total"}));
}

TEST(PersonalFieldsTest, RedactsAPersonsDecisionOnTheStepsFields) {
  PersonalFields personal({"steps.extract.output.fields.iban.value"});
  PersonalDigest digest("k");
  Json data = Json::parse(R"({"fields": {"iban": "DE00", "total": 12}, "note": "x"})");
  Json redacted = personal.RedactDecision("extract", data, digest);
  EXPECT_EQ(redacted["fields"]["iban"], digest(Json("DE00")));
  EXPECT_EQ(redacted["fields"]["total"], 12);
  EXPECT_EQ(personal.RedactDecision("read", data, digest), data);
  EXPECT_EQ(personal.RedactDecision("", data, digest), data);
}

}  // namespace
}  // namespace flowline::audit
