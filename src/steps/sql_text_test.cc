#include "steps/sql_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::steps {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SqlTextTest, NumbersNamesOutsideStringsCommentsAndCasts) {
  absl::StatusOr<NamedStatement> s = ParseNamedStatement(
      "INSERT INTO t (a, b, c) VALUES (:a, ':not', :b::int) -- :nor\n"
      "ON CONFLICT DO UPDATE SET c = :a /* :never */ || $$ :dollar $$ || E'it\\'s :x' "
      "|| \"col:y\";");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->sql,
            "INSERT INTO t (a, b, c) VALUES ($1, ':not', $2::int) -- :nor\n"
            "ON CONFLICT DO UPDATE SET c = $3 /* :never */ || $$ :dollar $$ || E'it\\'s :x' "
            "|| \"col:y\"");
  EXPECT_THAT(s->names, ElementsAre("a", "b", "a"));
  EXPECT_TRUE(s->writes);
}

TEST(SqlTextTest, TellsReadsFromWrites) {
  EXPECT_FALSE(ParseNamedStatement("SELECT * FROM t WHERE id = :id")->writes);
  EXPECT_FALSE(ParseNamedStatement("with x as (select 1) select * from x")->writes);
  EXPECT_FALSE(ParseNamedStatement("SELECT 'INSERT INTO x'")->writes);
  EXPECT_TRUE(ParseNamedStatement("WITH d AS (DELETE FROM t RETURNING *) SELECT * FROM d")->writes);
  EXPECT_TRUE(ParseNamedStatement("SELECT * INTO copy FROM t")->writes);
  EXPECT_TRUE(ParseNamedStatement("UPDATE t SET a = 1")->writes);
  EXPECT_TRUE(ParseNamedStatement("CALL do_it()")->writes);
}

TEST(SqlTextTest, RejectsWhatTheStepCannotRun) {
  EXPECT_THAT(ParseNamedStatement("SELECT 1; DELETE FROM t").status().message(),
              HasSubstr("more than one statement"));
  EXPECT_TRUE(ParseNamedStatement("SELECT 1;  -- done\n").ok());
  EXPECT_THAT(ParseNamedStatement("SELECT * FROM t WHERE a = $1").status().message(),
              HasSubstr("positional parameter ($1)"));
  EXPECT_THAT(ParseNamedStatement("SELECT * FROM t WHERE a = ?").status().message(),
              HasSubstr("positional parameter (?)"));
  EXPECT_THAT(ParseNamedStatement("SELECT 'open").status().message(), HasSubstr("unterminated"));
  EXPECT_THAT(ParseNamedStatement(" -- nothing\n").status().message(), HasSubstr("empty"));
}

}  // namespace
}  // namespace flowline::steps
