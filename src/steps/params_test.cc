#include "steps/params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

StepKindInfo Info() {
  StepKindInfo info;
  info.name = "demo";
  info.params = {
      {"code", ParamType::kString, true, true, "code"},
      {"count", ParamType::kInteger, false, false, "a count"},
      {"wait", ParamType::kDuration, false, false, "a wait"},
      {"on", ParamType::kBoolean, false, false, "a flag"},
      {"items", ParamType::kArray, false, false, "a list"},
  };
  return info;
}

TEST(ParamReaderTest, AcceptsValidParamsAndExpressionsWhereNotLiteral) {
  const StepKindInfo info = Info();
  const Json with = {{"code", "return 1"},
                     {"count", "${{ input.n }}"},
                     {"wait", "1h30m"},
                     {"on", true},
                     {"items", Json::array({1, 2})}};
  ParamReader r(info, with, ParamReader::Stage::kPrepare);
  EXPECT_THAT(r.errors(), IsEmpty());
  EXPECT_EQ(r.String("code"), "return 1");
  EXPECT_EQ(r.Get("count"), nullptr);  // deferred
  EXPECT_TRUE(r.Has("count"));
  EXPECT_EQ(r.Duration("wait"), absl::Minutes(90));
}

TEST(ParamReaderTest, ReportsUnknownMissingIllTypedAndPlaceholderInLiteral) {
  const StepKindInfo info = Info();
  const Json with = {{"cuont", 3}, {"count", "three"}, {"wait", "10 minutes"}, {"on", "yes"}};
  ParamReader r(info, with, ParamReader::Stage::kPrepare);
  EXPECT_THAT(r.errors(), UnorderedElementsAre(ConfigErrorOn("cuont", "unknown parameter"),
                                               ConfigErrorOn("count", "must be an integer"),
                                               ConfigErrorOn("wait", "invalid duration"),
                                               ConfigErrorOn("on", "must be true or false"),
                                               ConfigErrorOn("code", "missing required")));
  EXPECT_EQ(r.Get("count"), nullptr);

  const Json placeholder = {{"code", "return ${{ input.x }}"}};
  ParamReader literal(info, placeholder, ParamReader::Stage::kPrepare);
  EXPECT_THAT(literal.errors(), ElementsAre(ConfigErrorOn("code", "used as written")));
}

TEST(ParamReaderTest, AtExecutePlaceholdersAreNotDeferredAndIntegralFloatsAreIntegers) {
  const StepKindInfo info = Info();
  const Json evaluated = {{"code", "x"}, {"count", 3.0}, {"wait", "${{ x }}"}};
  ParamReader r(info, evaluated, ParamReader::Stage::kExecute);
  // An evaluated string is just a string: here not a duration.
  EXPECT_THAT(r.errors(), ElementsAre(ConfigErrorOn("wait", "invalid duration")));
  ASSERT_NE(r.Get("count"), nullptr);
  EXPECT_EQ(r.Get("count")->get<int>(), 3);
  EXPECT_EQ(r.Summary(), "invalid parameters: wait: " + r.errors()[0].message);
}

TEST(ParamReaderTest, NullCountsAsAbsentAndWithMustBeAMapping) {
  const StepKindInfo info = Info();
  const Json with = {{"code", "x"}, {"count", nullptr}};
  ParamReader r(info, with, ParamReader::Stage::kPrepare);
  EXPECT_THAT(r.errors(), IsEmpty());
  EXPECT_FALSE(r.Has("count"));

  const Json not_a_mapping = Json::array({1});
  ParamReader list(info, not_a_mapping, ParamReader::Stage::kPrepare);
  EXPECT_THAT(list.errors(), ::testing::Contains(ConfigErrorOn("", "must be a mapping")));
}

TEST(TruncateTest, CutsAtACharacterBoundary) {
  EXPECT_EQ(Truncate("abc", 5), "abc");
  EXPECT_EQ(Truncate("abcdef", 3), "abc…");
  // "é" is two bytes: cutting after its first byte backs off to before it.
  EXPECT_EQ(Truncate("aé", 2), "a…");
}

}  // namespace
}  // namespace flowline::steps
