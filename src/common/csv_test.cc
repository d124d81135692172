#include "common/csv.h"

#include <gtest/gtest.h>

namespace flowline::common {
namespace {

TEST(CsvTest, QuotesCommasAndLineBreaks) {
  auto table = ParseCsv(
      "\xEF\xBB\xBFid,name,amount\r\n1,\"Acme, Inc\",\"$5,625.00\"\r\n\n2,\"say "
      "\"\"hi\"\"\nthere\",3\n",
      "vendors.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->header, (CsvRow{"id", "name", "amount"}));
  ASSERT_EQ(table->rows.size(), 2u);
  EXPECT_EQ(table->rows[0], (CsvRow{"1", "Acme, Inc", "$5,625.00"}));
  EXPECT_EQ(table->rows[1], (CsvRow{"2", "say \"hi\"\nthere", "3"}));
  EXPECT_EQ(table->row_lines, (std::vector<int>{2, 4}));
  EXPECT_EQ(table->Column("amount"), 2);
  EXPECT_EQ(table->Column("missing"), -1);
}

TEST(CsvTest, EmptyTrailingFieldAndNoFinalNewline) {
  auto table = ParseCsv("a,b\n1,", "t.csv");
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->rows[0], (CsvRow{"1", ""}));
}

TEST(CsvTest, ErrorsNameTheFileAndLine) {
  auto ragged = ParseCsv("a,b\n1,2\n3\n", "t.csv");
  ASSERT_FALSE(ragged.ok());
  EXPECT_EQ(ragged.status().message(), "t.csv:3: 1 fields, but the header has 2");
  auto open = ParseCsv("a,b\n1,\"2\n", "t.csv");
  ASSERT_FALSE(open.ok());
  EXPECT_NE(open.status().message().find("not closed"), std::string::npos);
  auto stray = ParseCsv("a,b\n1,x\"y\n", "t.csv");
  ASSERT_FALSE(stray.ok());
  EXPECT_NE(stray.status().message().find("t.csv:2: a quote inside"), std::string::npos);
  EXPECT_FALSE(ParseCsv("", "t.csv").ok());
}

}  // namespace
}  // namespace flowline::common
