#include "common/json_util.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::common {
namespace {

using ::testing::HasSubstr;

TEST(JsonUtilTest, ParsesValidJson) {
  auto parsed = ParseJson(R"({"a": [1, 2]})", "input");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"][1], 2);
}

TEST(JsonUtilTest, ReportsLineAndColumnOfSyntaxError) {
  auto parsed = ParseJson("{\n  \"a\": 1,\n  \"b\" 2\n}", "request body");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(parsed.status().message(), HasSubstr("request body is not valid JSON at line 3"));
}

TEST(JsonUtilTest, ParsesWithoutATopLevelMember) {
  auto parsed = ParseJson(R"({"output": {"pages": [1, 2, {"output": 3}]}, "confidence": 0.9})",
                          "a record", "output");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->dump(), R"({"confidence":0.9})");
  // Only the top level: a nested member of that name stays.
  parsed = ParseJson(R"({"a": {"output": 1}})", "a record", "output");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ((*parsed)["a"]["output"], 1);
  // The skipped part must still be valid JSON.
  parsed = ParseJson(R"({"output": [1, }, "confidence": 1})", "a record", "output");
  ASSERT_FALSE(parsed.ok());
  EXPECT_THAT(parsed.status().message(), HasSubstr("a record is not valid JSON at line 1"));
}

TEST(JsonUtilTest, CanonicalJsonSortsKeys) {
  EXPECT_EQ(CanonicalJson(Json::parse(R"({"b":1,"a":2})")), R"({"a":2,"b":1})");
}

TEST(JsonUtilTest, CanonicalJsonReplacesInvalidUtf8InsteadOfThrowing) {
  Json value = std::string("caf\xe9");  // Latin-1, not UTF-8
  EXPECT_EQ(CanonicalJson(value), "\"caf\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace flowline::common
