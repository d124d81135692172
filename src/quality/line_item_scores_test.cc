#include "quality/line_item_scores.h"

#include <gtest/gtest.h>

#include "quality/evaluation.h"

namespace flowline::quality {
namespace {

Json Rows(std::initializer_list<std::array<const char*, 3>> rows) {
  Json out = Json::array();
  for (const auto& [description, quantity, amount] : rows) {
    out.push_back({{"description", description}, {"quantity", quantity}, {"amount", amount}});
  }
  return out;
}

std::vector<LineItemRow> Predicted(std::initializer_list<std::array<const char*, 3>> rows) {
  std::vector<LineItemRow> out;
  for (const auto& [description, quantity, amount] : rows) {
    out.push_back({description, std::string(quantity), std::nullopt, amount});
  }
  return out;
}

TEST(LineItemScoresTest, RowsSumsAndCounts) {
  Dataset dataset;
  LabelledDocument a;  // rows labelled; one predicted row wrong, one extra
  a.id = "a";
  a.line_items = Rows({{"Consulting services", "2", "200.00"}, {"Travel", "1", "45.50"}});
  a.fields["net_amount"] = "245.50";
  LabelledDocument b;  // rows labelled; all right (descriptions fuzzy, amounts numeric)
  b.id = "b";
  b.line_items = Rows({{"Widget, blue", "4", "10.00"}});
  b.fields["net_amount"] = "10.00";
  LabelledDocument c;  // only a row count and a line total (ZUGFeRD)
  c.id = "c";
  c.line_count = 2;
  c.line_total = "180.76";
  LabelledDocument d;  // nothing about lines: not scored
  d.id = "d";
  dataset.documents = {a, b, c, d};

  std::vector<DocumentResult> results(4);
  results[0].id = "a";
  results[0].line_items = Predicted({{"Consulting services", "2", "200"},
                                     {"Travel", "2", "45.50"},  // wrong quantity
                                     {"Subtotal", "1", "245.50"}});
  results[1].id = "b";
  results[1].line_items = Predicted({{"WIDGET blue", "4.00", "10"}});
  results[2].id = "c";
  results[2].line_items = Predicted({{"x", "1", "100.00"}, {"y", "1", "80.76"}});
  results[3].id = "d";
  results[3].line_items = Predicted({});

  std::optional<LineItemScores> s = ScoreLineItems(dataset, results);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->documents, 3);
  EXPECT_EQ(s->labelled_rows, 3);
  EXPECT_EQ(s->predicted_rows, 4);  // rows of documents with labelled rows only
  EXPECT_EQ(s->correct_rows, 2);
  EXPECT_DOUBLE_EQ(s->precision, 0.5);
  EXPECT_DOUBLE_EQ(s->recall, 2.0 / 3);
  EXPECT_EQ(s->sum_documents, 3);
  EXPECT_EQ(s->sum_correct, 2);  // b, and c by its line total; a has an extra row
  EXPECT_EQ(s->net_documents, 2);
  EXPECT_EQ(s->net_correct, 1);
  EXPECT_EQ(s->count_documents, 3);
  EXPECT_EQ(s->count_correct, 2);  // b and c
  EXPECT_EQ(s->exact_documents, 2);
  EXPECT_EQ(s->exact_correct, 1);
  ASSERT_EQ(s->errors.size(), 1u);
  EXPECT_EQ(s->errors[0]["document"], "a");
  EXPECT_EQ(s->errors[0]["missed"].size(), 1u);
  EXPECT_EQ(s->errors[0]["extra"].size(), 2u);
  EXPECT_NE(s->ToTable().find("precision 50.0%"), std::string::npos) << s->ToTable();

  // A model without a table field: nothing to score.
  for (DocumentResult& r : results) r.line_items.reset();
  EXPECT_FALSE(ScoreLineItems(dataset, results).has_value());
}

TEST(LineItemScoresTest, ReadsTheStepOutput) {
  const Json output = Json::parse(R"({
    "fields": {}, "values": {},
    "line_items": [{"description": "Widget", "quantity": "4", "unit_price": "2.50",
                    "amount": "10.00", "confidence": 0.97}],
    "tables": {"line_items": {"rows": 1, "sum": "10.00"}}})");
  std::optional<std::vector<LineItemRow>> rows = LineItemRowsOf(output);
  ASSERT_TRUE(rows.has_value());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].unit_price, "2.50");
  EXPECT_FALSE(LineItemRowsOf(Json::parse(R"({"fields": {}})")).has_value());
}

}  // namespace
}  // namespace flowline::quality
