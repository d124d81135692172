#include "lifecycle/json_diff.h"

#include "gtest/gtest.h"

namespace flowline::lifecycle {
namespace {

TEST(JsonDiffTest, ReportsEveryDifferingLeafByPath) {
  const Json before = Json::parse(R"({"a":1,"b":{"c":"x","d":[1,2]},"e":[1],"gone":true})");
  const Json after = Json::parse(R"({"a":1,"b":{"c":"y","d":[1,3]},"e":[1,2],"new":null})");
  std::vector<JsonDifference> diffs = JsonDifferences(before, after);
  ASSERT_EQ(diffs.size(), 4u);
  EXPECT_EQ(diffs[0].path, "b.c");
  EXPECT_EQ(diffs[0].before, "x");
  EXPECT_EQ(diffs[0].after, "y");
  EXPECT_EQ(diffs[1].path, "b.d[1]");
  EXPECT_EQ(diffs[2].path, "e");  // arrays of different lengths differ as a whole
  EXPECT_EQ(diffs[2].after, Json::parse("[1,2]"));
  EXPECT_EQ(diffs[3].path, "gone");
  EXPECT_TRUE(diffs[3].after.is_null());
  // "new" is null against missing (null): no difference.
  EXPECT_TRUE(JsonDifferences(before, before).empty());
  EXPECT_EQ(JsonDifferences(Json(1), Json(2)).at(0).path, "");
}

TEST(JsonDiffTest, LeavesWalkObjectsOnly) {
  std::map<std::string, Json> leaves;
  JsonLeaves(Json::parse(R"({"a":{"b":1,"c":[1,2]},"d":{}})"), "out", leaves);
  ASSERT_EQ(leaves.size(), 3u);
  EXPECT_EQ(leaves["out.a.b"], 1);
  EXPECT_EQ(leaves["out.a.c"], Json::parse("[1,2]"));
  EXPECT_EQ(leaves["out.d"], Json::object());
}

}  // namespace
}  // namespace flowline::lifecycle
