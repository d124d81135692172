#include "common/json_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

const Json kClaim = Json::parse(R"({
  "type": "object",
  "required": ["policy_number", "amount"],
  "properties": {
    "policy_number": {"type": "string", "pattern": "^PN-[0-9]{6}$"},
    "amount": {"type": "number", "minimum": 0},
    "lines": {"type": "array", "items": {"type": "object", "required": ["qty"]}}
  }
})");

TEST(JsonSchemaTest, MatchingValueHasNoViolations) {
  auto schema = JsonSchema::Compile(kClaim);
  ASSERT_TRUE(schema.ok()) << schema.status();
  const Json claim = {{"policy_number", "PN-448812"}, {"amount", 1250.5}};
  EXPECT_TRUE((*schema)->Violations(claim).empty());
  EXPECT_TRUE((*schema)->Validate(claim, "the answer", "the output schema").ok());
}

TEST(JsonSchemaTest, ViolationsAreJsonPointersWithWhatIsWrong) {
  auto schema = JsonSchema::Compile(kClaim);
  ASSERT_TRUE(schema.ok()) << schema.status();
  const std::vector<std::string> problems =
      (*schema)->Violations(Json{{"policy_number", "PN-448812"}, {"amount", "twelve hundred"}});
  // valijson reports the member and, above it, the object that holds it.
  EXPECT_THAT(problems, ::testing::Contains(StartsWith("/amount: ")));
  EXPECT_THAT(problems, ::testing::Not(::testing::Contains(StartsWith("/policy_number"))));
  EXPECT_THAT(
      (*schema)->Violations(Json{
          {"policy_number", "PN-448812"}, {"amount", 1}, {"lines", Json::array({Json::object()})}}),
      ::testing::Contains(StartsWith("/lines/0: ")));
  // The root itself is "/".
  EXPECT_THAT((*schema)->Violations(Json::array()), ::testing::Contains(StartsWith("/: ")));
}

TEST(JsonSchemaTest, ValidateNamesWhatAndListsOneViolationPerLine) {
  auto schema = JsonSchema::Compile(kClaim);
  ASSERT_TRUE(schema.ok()) << schema.status();
  absl::Status status =
      (*schema)->Validate(Json{{"policy_number", "448812"}}, "the answer", "the output schema");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              StartsWith("the answer does not match the output schema:\n  /"));
  EXPECT_THAT(std::string(status.message()), HasSubstr("\n  /policy_number: "));
}

TEST(JsonSchemaTest, UnusableSchemaIsInvalidArgument) {
  auto schema = JsonSchema::Compile(Json{{"type", 7}});
  EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(schema.status().message()), StartsWith("not a valid JSON Schema: "));
}

TEST(JsonSchemaTest, EmptySchemaAcceptsAnything) {
  auto schema = JsonSchema::Compile(Json::object());
  ASSERT_TRUE(schema.ok()) << schema.status();
  EXPECT_THAT((*schema)->Violations(Json{{"x", 1}}), ElementsAre());
  EXPECT_THAT((*schema)->Violations(Json("text")), ElementsAre());
}

}  // namespace
}  // namespace flowline::common
