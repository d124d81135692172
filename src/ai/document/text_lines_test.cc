#include "ai/document/text_lines.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace flowline::ai {
namespace {

using ::testing::ElementsAre;

// A word of 10-point text whose box starts at x and has its top at y.
PlacedWord At(std::string text, double x, double y, bool space_after = true) {
  const double width = 6.0 * text.size();
  return PlacedWord{std::move(text), Box{x, y, x + width, y + 10}, space_after};
}

std::vector<std::string> Texts(const std::vector<Line>& lines) {
  std::vector<std::string> texts;
  for (const Line& line : lines) texts.push_back(line.Text());
  return texts;
}

TEST(GroupIntoLinesTest, OrdersRowsTopToBottomAndWordsLeftToRight) {
  const std::vector<Line> lines = GroupIntoLines(
      {At("Total", 10, 300), At("no.", 62, 100), At("Invoice", 10, 100), At("123", 82, 101)}, 600,
      800);
  EXPECT_THAT(Texts(lines), ElementsAre("Invoice no. 123", "Total"));
}

TEST(GroupIntoLinesTest, WordsOverlappingByHalfAreOneRowAndLessAreTwo) {
  // 6 of 10 points overlap: one row. 4 of 10: two rows.
  EXPECT_THAT(Texts(GroupIntoLines({At("a", 10, 100), At("b", 20, 104)}, 600, 800)),
              ElementsAre("a b"));
  EXPECT_THAT(Texts(GroupIntoLines({At("a", 10, 100), At("b", 20, 106)}, 600, 800)),
              ElementsAre("a", "b"));
}

TEST(GroupIntoLinesTest, WideGapsSplitARowIntoLines) {
  // A gap of 2 text heights (20 pt) still joins; more splits, as for a table's columns.
  const std::vector<Line> lines =
      GroupIntoLines({At("Qty", 10, 50), At("2", 48, 50), At("100.00", 300, 50)}, 600, 800);
  EXPECT_THAT(Texts(lines), ElementsAre("Qty 2", "100.00"));
  EXPECT_DOUBLE_EQ(lines[1].box.x0, 300.0 / 600);
}

TEST(GroupIntoLinesTest, JoinsPiecesOfOneWordDrawnSeparately) {
  const std::vector<Line> lines = GroupIntoLines(
      {At("INV-", 10, 50, /*space_after=*/false), At("001", 34, 50), At("due", 60, 50)}, 600, 800);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0].words.size(), 2u);
  EXPECT_EQ(lines[0].words[0].text, "INV-001");
  EXPECT_DOUBLE_EQ(lines[0].words[0].box.x1, 52.0 / 600);
  // Without the PDF saying there is no space, neighbours stay separate words.
  EXPECT_THAT(Texts(GroupIntoLines({At("INV-", 10, 50), At("001", 34, 50)}, 600, 800)),
              ElementsAre("INV- 001"));
}

TEST(GroupIntoLinesTest, BoxesAreFractionsOfThePageClampedToIt) {
  const std::vector<Line> lines =
      GroupIntoLines({PlacedWord{"edge", Box{-5, 790, 20, 805}, true}}, 100, 800);
  ASSERT_EQ(lines.size(), 1u);
  const Box& box = lines[0].words[0].box;
  EXPECT_DOUBLE_EQ(box.x0, 0.0);
  EXPECT_DOUBLE_EQ(box.x1, 0.2);
  EXPECT_DOUBLE_EQ(box.y0, 790.0 / 800);
  EXPECT_DOUBLE_EQ(box.y1, 1.0);
  EXPECT_DOUBLE_EQ(lines[0].box.x1, 0.2);
}

TEST(GroupIntoLinesTest, DropsBlankWordsAndHandlesEmptyPages) {
  EXPECT_TRUE(GroupIntoLines({}, 600, 800).empty());
  EXPECT_THAT(Texts(GroupIntoLines({At(" ", 10, 10), At("x", 20, 10)}, 600, 800)),
              ElementsAre("x"));
  EXPECT_TRUE(GroupIntoLines({At("x", 10, 10)}, 0, 800).empty());
}

}  // namespace
}  // namespace flowline::ai
