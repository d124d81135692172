// JSON ↔ Lua conversion, observed through Evaluator (the only way values cross).

#include <string>

#include "expr/expr.h"
#include "expr/lua_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::expr {
namespace {

using ::testing::HasSubstr;

// The value in `result`, recording a test failure (instead of crashing) when there is none.
template <typename T>
T Ok(absl::StatusOr<T> result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : T();
}

absl::StatusOr<Json> Eval(Evaluator& evaluator, std::string_view source) {
  auto program = Program::CompileScript(source, "conversion");
  if (!program.ok()) return program.status();
  return evaluator.Evaluate(**program);
}

TEST(LuaJsonTest, RoundTripsNestedValues) {
  Evaluator evaluator;
  Json value = Json::parse(R"({
    "name": "Ada", "age": 36, "ratio": 0.25, "ok": true,
    "tags": ["a", "b"], "address": {"city": "Paris", "lines": [{"n": 1}, {"n": 2}]},
    "empty_object": {}, "unicode": "h\u00e9llo"
  })");
  ASSERT_TRUE(evaluator.SetEnvironment({{"value", value}}).ok());
  auto result = Eval(evaluator, "return value");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, value);
}

TEST(LuaJsonTest, IntegersStayIntegersAndFloatsStayFloats) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"i", 3}, {"f", 3.0}, {"big", 9007199254740993}}).ok());
  EXPECT_EQ(Ok(Eval(evaluator, "return math.type(i)")), "integer");
  EXPECT_EQ(Ok(Eval(evaluator, "return math.type(f)")), "float");
  EXPECT_EQ(Ok(Eval(evaluator, "return big + 0")), 9007199254740993);  // no precision lost

  auto integer = Eval(evaluator, "return 7 // 2");
  ASSERT_TRUE(integer.ok());
  EXPECT_TRUE(integer->is_number_integer());
  EXPECT_EQ(*integer, 3);
  auto real = Eval(evaluator, "return 7 / 2");
  ASSERT_TRUE(real.ok());
  EXPECT_TRUE(real->is_number_float());
  EXPECT_EQ(*real, 3.5);
  auto whole_float = Eval(evaluator, "return 2.0");
  ASSERT_TRUE(whole_float.ok());
  EXPECT_TRUE(whole_float->is_number_float());
}

TEST(LuaJsonTest, HugeUnsignedBecomesAFloat) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"u", uint64_t{18446744073709551615u}}}).ok());
  EXPECT_EQ(Ok(Eval(evaluator, "return math.type(u)")), "float");
}

TEST(LuaJsonTest, NullBecomesNil) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"n", nullptr}, {"o", {{"a", nullptr}}}}).ok());
  EXPECT_EQ(Ok(Eval(evaluator, "return n == nil and o.a == nil")), true);
  EXPECT_EQ(Ok(Eval(evaluator, "return o")), Json::object());
}

TEST(LuaJsonTest, TablesBecomeArraysOnlyWithKeysOneToN) {
  Evaluator evaluator;
  EXPECT_EQ(Ok(Eval(evaluator, "return {10, 20, 30}")), Json({10, 20, 30}));
  EXPECT_EQ(Ok(Eval(evaluator, "return {}")), Json::object());
  EXPECT_EQ(Ok(Eval(evaluator, "return {[1] = 'a', [3] = 'c'}")), Json({{"1", "a"}, {"3", "c"}}));
  EXPECT_EQ(Ok(Eval(evaluator, "return {[0] = 'z', 'a'}")), Json({{"0", "z"}, {"1", "a"}}));
  EXPECT_EQ(Ok(Eval(evaluator, "return {'a', x = 1}")), Json({{"1", "a"}, {"x", 1}}));
  EXPECT_EQ(Ok(Eval(evaluator, "return {[1.5] = true}")), Json({{"1.5", true}}));
  EXPECT_EQ(Ok(Eval(evaluator, "return {{}, {1}}")), Json::parse(R"([{}, [1]])"));
}

TEST(LuaJsonTest, RefusesValuesJsonCannotHold) {
  Evaluator evaluator;
  struct Case {
    const char* code;
    const char* message;
  } cases[] = {
      {"return function() end", "it contains a function"},
      {"return {f = print or function() end}", "it contains a function"},
      {"return string", "it contains a userdata"},
      {"return 0/0", "it contains the number"},
      {"return {x = math.huge}", "it contains the number inf"},
      {"return {[true] = 1}", "table key of type boolean"},
      {"return {[{}] = 1}", "table key of type table"},
      {"local t = {} t.self = t return t", "contains itself"},
      {"return {[1] = 'a', ['1'] = 'b'}", "two keys that both become \"1\""},
      {"return '\\xff'", "not valid UTF-8"},
      {"local t = {} for i = 1, 101 do t = {t} end return t", "deeper than 100 levels"},
  };
  for (const Case& c : cases) {
    auto result = Eval(evaluator, c.code);
    ASSERT_FALSE(result.ok()) << c.code;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << c.code;
    EXPECT_THAT(result.status().message(), HasSubstr(c.message)) << c.code;
  }
  // Shared (not cyclic) tables and 100 levels are fine.
  EXPECT_TRUE(Eval(evaluator, "local s = {1} return {a = s, b = s}").ok());
  EXPECT_TRUE(Eval(evaluator, "local t = {} for i = 1, 99 do t = {t} end return t").ok());
}

TEST(LuaJsonTest, RefusesOverDeepEnvironment) {
  Evaluator evaluator;
  Json deep = Json::array();
  for (int i = 0; i < 150; ++i) deep = Json::array({deep});
  absl::Status status = evaluator.SetEnvironment({{"deep", deep}});
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("deeper than 100 levels"));
  // The previous environment is still in place and the evaluator works.
  EXPECT_EQ(Ok(Eval(evaluator, "return deep == nil")), true);
}

TEST(LuaJsonTest, ValidatesUtf8) {
  using internal::IsValidUtf8;
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
}

}  // namespace
}  // namespace flowline::expr
