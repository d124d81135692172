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

TEST(JsonUtilTest, CanonicalJsonSortsKeys) {
  EXPECT_EQ(CanonicalJson(Json::parse(R"({"b":1,"a":2})")), R"({"a":2,"b":1})");
}

TEST(JsonUtilTest, CanonicalJsonReplacesInvalidUtf8InsteadOfThrowing) {
  Json value = std::string("caf\xe9");  // Latin-1, not UTF-8
  EXPECT_EQ(CanonicalJson(value), "\"caf\xef\xbf\xbd\"");
}

}  // namespace
}  // namespace flowline::common
