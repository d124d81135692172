#include "monitor/json_members.h"

#include <gtest/gtest.h>

#include <string>

namespace flowline::monitor {
namespace {

TEST(FindMembersTest, ReturnsTheRawTextOfTheWantedTopLevelMembers) {
  const std::string text =
      R"({"attempt":1,"output":{"duration_us":5,"text":"a \"quoted\" } brace","list":[1,[2,{"x":"]"}]]},)"
      R"( "duration_us" : 1234 ,"usage":{"model":"m","input_tokens":10},"flag":true,"none":null})";
  auto found = FindMembers(text, {"duration_us", "usage", "none", "missing"});
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->size(), 3u);
  EXPECT_EQ(found->at("duration_us"), "1234");  // the top-level one, not the output's
  EXPECT_EQ(found->at("usage"), R"({"model":"m","input_tokens":10})");
  EXPECT_EQ(found->at("none"), "null");
  EXPECT_FALSE(found->contains("missing"));
}

TEST(FindMembersTest, EmptyObjectsAndStringsWork) {
  auto empty = FindMembers(" { } ", {"a"});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto text = FindMembers(R"({"a":"x\\","b":"y"})", {"a", "b"});
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(text->at("a"), R"("x\\")");
  EXPECT_EQ(text->at("b"), R"("y")");
}

TEST(FindMembersTest, MalformedInputIsAnError) {
  for (const char* bad : {"", "[1,2]", "{\"a\":1", "{\"a\" 1}", "{\"a\":\"open}",
                          "{\"a\":{\"b\":1}", "{\"a\":1,}", "{a:1}"}) {
    EXPECT_FALSE(FindMembers(bad, {"a"}).ok()) << bad;
  }
}

}  // namespace
}  // namespace flowline::monitor
