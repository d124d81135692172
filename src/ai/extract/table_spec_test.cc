#include "ai/extract/table_spec.h"

#include "ai/extract/field_spec.h"
#include "gtest/gtest.h"

namespace flowline::ai {
namespace {

TEST(TableSpecTest, TableFieldsBesideRankedFields) {
  const std::string text = R"(
fields:
  total_amount: amount
  line_items: { type: table, columns: [description, amount] }
)";
  absl::StatusOr<std::vector<TableSpec>> tables = ParseTableSpecs(text, "fields.yaml");
  ASSERT_TRUE(tables.ok()) << tables.status();
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, "line_items");
  EXPECT_EQ((*tables)[0].columns, (std::vector<std::string>{"description", "amount"}));
  // The ranked fields do not see it.
  absl::StatusOr<std::vector<FieldSpec>> fields = ParseFieldSpecs(text, "fields.yaml");
  ASSERT_TRUE(fields.ok()) << fields.status();
  ASSERT_EQ(fields->size(), 1u);
  EXPECT_EQ((*fields)[0].name, "total_amount");
  // model.json's form reads back.
  absl::StatusOr<std::vector<TableSpec>> again =
      ParseTableSpecs(TableSpecsToJson(*tables).dump(), "model.json");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)[0].columns, (*tables)[0].columns);
}

TEST(TableSpecTest, DefaultsAndMistakes) {
  absl::StatusOr<std::vector<TableSpec>> plain = ParseTableSpecs("rows: table", "f");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)[0].columns, TableColumns());
  absl::StatusOr<std::vector<TableSpec>> amount_added =
      ParseTableSpecs("rows: {type: table, columns: [description]}", "f");
  ASSERT_TRUE(amount_added.ok());
  EXPECT_EQ((*amount_added)[0].columns, (std::vector<std::string>{"description", "amount"}));
  absl::StatusOr<std::vector<TableSpec>> bad =
      ParseTableSpecs("rows: {type: table, columns: [price]}", "f");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("unknown column \"price\""), std::string::npos);
  EXPECT_FALSE(ParseTableSpecs("values: table", "f").ok());  // the step's output uses it
  EXPECT_FALSE(ParseTableSpecs("rows: {type: table, cols: [amount]}", "f").ok());
}

}  // namespace
}  // namespace flowline::ai
