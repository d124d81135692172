// Template: placeholders, typed and rendered results, error positions.

#include <string>

#include "expr/expr.h"
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

class TemplateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(evaluator_
                    .SetEnvironment(Json::parse(R"({
                      "input": {"name": "Ada", "total": 1500, "ratio": 0.1, "price": 2.50,
                                "ok": true, "tags": ["a", "b"], "customer": {"id": 7},
                                "nothing": null}
                    })"))
                    .ok());
  }

  Json Render(std::string_view text) {
    auto compiled = Template::Compile(text, "steps.x.with.body");
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    if (!compiled.ok()) return nullptr;
    auto value = compiled->Evaluate(evaluator_);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.ok() ? *value : Json();
  }

  Evaluator evaluator_;
};

TEST_F(TemplateTest, DetectsPlaceholders) {
  EXPECT_TRUE(HasPlaceholder("a ${{ b }}"));
  EXPECT_FALSE(HasPlaceholder("a ${ b } {{ c }}"));
}

TEST_F(TemplateTest, LiteralsStayAsWritten) {
  auto literal = Template::Compile("just text", "t");
  ASSERT_TRUE(literal.ok());
  EXPECT_TRUE(literal->is_literal());
  EXPECT_EQ(Ok(literal->Evaluate(evaluator_)), "just text");
  auto empty = Template::Compile("", "t");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->is_literal());
  EXPECT_EQ(Ok(empty->Evaluate(evaluator_)), "");
}

TEST_F(TemplateTest, SinglePlaceholderKeepsItsType) {
  auto compiled = Template::Compile("${{ input.total }}", "t");
  ASSERT_TRUE(compiled.ok());
  EXPECT_FALSE(compiled->is_literal());
  EXPECT_EQ(Render("${{ input.total }}"), 1500);
  EXPECT_EQ(Render("${{input.ok}}"), true);
  EXPECT_EQ(Render("${{ input.tags }}"), Json({"a", "b"}));
  EXPECT_EQ(Render("${{ input.customer }}"), Json({{"id", 7}}));
  EXPECT_TRUE(Render("${{ input.nothing }}").is_null());
}

TEST_F(TemplateTest, MixedTextRendersEachValue) {
  EXPECT_EQ(Render("Dear ${{ input.name }}, you owe ${{ input.total }}."),
            "Dear Ada, you owe 1500.");
  EXPECT_EQ(Render("${{ input.price }} ${{ input.ratio + 0.2 }} ${{ 2^53 }} ${{ 1e300 }}"),
            "2.5 0.3 9.00719925474099e+15 1e+300");
  EXPECT_EQ(Render("[${{ input.nothing }}] ${{ input.ok }} ${{ 3 == 4 }}"), "[] true false");
  EXPECT_EQ(Render("tags=${{ input.tags }} c=${{ input.customer }}"),
            R"(tags=["a","b"] c={"id":7})");
  EXPECT_EQ(Render("${{ 1 }}${{ 2 }}"), "12");
  EXPECT_EQ(Render(" ${{ 4.0 }}"), " 4");
}

TEST_F(TemplateTest, BracesInsideStringLiteralsDoNotEndThePlaceholder) {
  EXPECT_EQ(Render("${{ 'a}}b' }}"), "a}}b");
  EXPECT_EQ(Render("x ${{ \"}}\" .. [[}}]] .. [==[]]}}]==] }} y"), "x }}}}]]}} y");
  EXPECT_EQ(Render("${{ 'it\\'s }}' }}"), "it's }}");
}

TEST_F(TemplateTest, SyntaxErrorPositionIsWithinTheWholeTemplate) {
  auto compiled = Template::Compile("Total: ${{ input.total + + 1 }}", "steps.x.with.body");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(compiled.status().message(),
              HasSubstr("template steps.x.with.body: syntax error at line 1, column 26"));
  SourcePosition position = SyntaxErrorPosition(compiled.status());
  EXPECT_EQ(position.line, 1);
  EXPECT_EQ(position.column, 26);
}

TEST_F(TemplateTest, SyntaxErrorPositionInAMultiLineTemplate) {
  // Error on the placeholder's first line, which starts mid-line in the template.
  auto compiled = Template::Compile("line one\n  two ${{ a !! b }}\n", "t");
  ASSERT_FALSE(compiled.ok());
  SourcePosition position = SyntaxErrorPosition(compiled.status());
  EXPECT_EQ(position.line, 2);
  EXPECT_EQ(position.column, 13);

  // Error on a later line of a placeholder that spans lines.
  compiled = Template::Compile("first\nsecond ${{ a and\n   or b }} tail", "t");
  ASSERT_FALSE(compiled.ok());
  position = SyntaxErrorPosition(compiled.status());
  EXPECT_EQ(position.line, 3);
  EXPECT_EQ(position.column, 4);
}

TEST_F(TemplateTest, UnterminatedPlaceholderIsReportedWhereItOpens) {
  auto compiled = Template::Compile("ok ${{ 1 }}\nthen ${{ input.total ", "t");
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(compiled.status().message(), HasSubstr("unterminated '${{'"));
  SourcePosition position = SyntaxErrorPosition(compiled.status());
  EXPECT_EQ(position.line, 2);
  EXPECT_EQ(position.column, 6);
}

TEST_F(TemplateTest, StatementsAndEmptyPlaceholdersAreRejected) {
  auto statement = Template::Compile("${{ x = 1 }}", "t");
  ASSERT_FALSE(statement.ok());
  EXPECT_THAT(statement.status().message(), HasSubstr("found a statement"));
  auto empty = Template::Compile("a ${{ }}", "t");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("empty"));
  EXPECT_EQ(SyntaxErrorPosition(empty.status()).column, 6);
}

TEST_F(TemplateTest, RuntimeErrorsPropagate) {
  auto compiled = Template::Compile("id: ${{ input.missing.id }}", "steps.x.with.id");
  ASSERT_TRUE(compiled.ok());
  auto value = compiled->Evaluate(evaluator_);
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(value.status().message(), HasSubstr("expression steps.x.with.id failed: line 1"));
}

}  // namespace
}  // namespace flowline::expr
