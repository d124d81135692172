#include "ai/llm/strict_schema.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::ai::llm {
namespace {

using ::testing::HasSubstr;

const Json kIn = Json::parse(R"(
{"type":"object","required":["a"],"properties":{"a":{"type":"string"},"b":{"type":"number","minimum":0},
 "c":{"type":"string","enum":["x","y"]},"d":{"type":"object","properties":{"e":{"type":"string"}}}}})");

TEST(StrictSchemaTest, TransformVector) {
  EXPECT_EQ(StrictSchema(kIn), Json::parse(R"(
{"type":"object","additionalProperties":false,"required":["a","b","c","d"],"properties":{
 "a":{"type":"string"},"b":{"type":["number","null"],"minimum":0},
 "c":{"type":["string","null"],"enum":["x","y",null]},
 "d":{"type":["object","null"],"additionalProperties":false,"required":["e"],
      "properties":{"e":{"type":["string","null"]}}}}})"));
}

TEST(StrictSchemaTest, ItemsAnyOfDefsAndUnsupportedKeywords) {
  const Json in = Json::parse(R"(
{"type":"object","required":["tags","ref","either"],"properties":{
  "tags":{"type":"array","items":{"type":"object","properties":{"t":{"type":"string","minLength":1}}},"uniqueItems":true},
  "ref":{"$ref":"#/$defs/money"},
  "either":{"anyOf":[{"type":"string"},{"type":"object","properties":{"v":{"type":"number"}},"required":["v"]}]},
  "note":{"$ref":"#/$defs/money","default":"x"}},
 "$defs":{"money":{"type":"object","properties":{"amount":{"type":"number"}},"required":["amount"],"examples":[{}]}}})");
  EXPECT_EQ(StrictSchema(in), Json::parse(R"(
{"type":"object","additionalProperties":false,"required":["tags","ref","either","note"],"properties":{
  "tags":{"type":"array","items":{"type":"object","additionalProperties":false,"required":["t"],
          "properties":{"t":{"type":["string","null"]}}}},
  "ref":{"$ref":"#/$defs/money"},
  "either":{"anyOf":[{"type":"string"},{"type":"object","additionalProperties":false,"required":["v"],
            "properties":{"v":{"type":"number"}}}]},
  "note":{"anyOf":[{"$ref":"#/$defs/money"},{"type":"null"}]}},
 "$defs":{"money":{"type":"object","additionalProperties":false,"required":["amount"],
          "properties":{"amount":{"type":"number"}}}}})"));
}

TEST(StrictSchemaTest, WireSchemaStripsOurAnnotationsButNotPropertyNames) {
  const Json in = Json::parse(R"({"type":"object","x-flowline-note":"n","properties":{
      "x-ref":{"type":"number","x-flowline-type":"amount"},
      "list":{"type":"array","items":{"type":"string","x-flowline-type":"date"}}}})");
  EXPECT_EQ(WireSchema(in), Json::parse(R"({"type":"object","properties":{
      "x-ref":{"type":"number"},"list":{"type":"array","items":{"type":"string"}}}})"));
}

TEST(StrictSchemaTest, StripAddedNulls) {
  EXPECT_EQ(StripAddedNulls(kIn, Json::parse(R"({"a":"1","b":null,"c":null,"d":{"e":null}})")),
            Json::parse(R"({"a":"1","d":{}})"));
  // A required property's null is the model's answer, kept (validation judges it).
  EXPECT_EQ(StripAddedNulls(kIn, Json::parse(R"({"a":null})")), Json::parse(R"({"a":null})"));
  const Json list = Json::parse(
      R"({"type":"object","properties":{"items":{"type":"array","items":{"type":"object",
          "properties":{"q":{"type":"number"}}}}}})");
  EXPECT_EQ(StripAddedNulls(list, Json::parse(R"({"items":[{"q":null},{"q":2}]})")),
            Json::parse(R"({"items":[{},{"q":2}]})"));
}

TEST(StrictSchemaTest, RootMustBeObject) {
  EXPECT_TRUE(CheckObjectRoot(kIn).ok());
  for (const char* schema : {R"({"type":"array","items":{"type":"string"}})",
                             R"({"type":"string"})", R"({"properties":{}})", "true"}) {
    const absl::Status status = CheckObjectRoot(Json::parse(schema));
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << schema;
    EXPECT_THAT(status.message(), HasSubstr("the output schema's root must be type: object"));
  }
}

}  // namespace
}  // namespace flowline::ai::llm
