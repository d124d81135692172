#include "steps/sql_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "common/temp_dir.h"
#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::ElementsAre;
using testing::MustPrepare;
using testing::PrepareStep;

class SqlStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.path() + "/accounting.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE invoices (vendor TEXT, number TEXT, total REAL, "
                           "UNIQUE (vendor, number))",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
  }

  StepOutcome Execute(const Json& with, const std::string& key = "run_1:post") {
    auto prepared = MustPrepare(kind_, with);
    StepContext ctx;
    ctx.idempotency_key = key;
    ctx.params = &with;
    return prepared->Execute(ctx);
  }

  Json Insert(const std::string& vendor, const std::string& number, double total) {
    return Json{{"database", "sqlite:" + path_},
                {"statement",
                 "INSERT INTO invoices (vendor, number, total) "
                 "VALUES (:vendor, :number, :total)"},
                {"params", {{"vendor", vendor}, {"number", number}, {"total", total}}}};
  }

  Json Select(const std::string& vendor) {
    return Json{{"database", "sqlite:" + path_},
                {"statement",
                 "SELECT number, total FROM invoices WHERE vendor = :vendor "
                 "ORDER BY number"},
                {"params", {{"vendor", vendor}}}};
  }

  common::TempDir dir_;
  std::string path_;
  SqlStep kind_{std::make_shared<const Connections>()};
};

TEST_F(SqlStepTest, InsertsAndSelectsWithBoundValues) {
  StepOutcome insert = Execute(Insert("Acme'; DROP TABLE invoices; --", "INV-1", 119.5));
  ASSERT_EQ(insert.kind, StepOutcome::Kind::kCompleted) << insert.error;
  EXPECT_EQ(insert.output["changes"], 1);
  EXPECT_EQ(insert.output["replayed"], false);
  StepOutcome rows = Execute(Select("Acme'; DROP TABLE invoices; --"), "run_1:read");
  ASSERT_EQ(rows.kind, StepOutcome::Kind::kCompleted) << rows.error;
  EXPECT_EQ(rows.output["row_count"], 1);
  EXPECT_EQ(rows.output["rows"][0], (Json{{"number", "INV-1"}, {"total", 119.5}}));
}

TEST_F(SqlStepTest, ARetriedWriteIsAppliedOnce) {
  ASSERT_EQ(Execute(Insert("Acme", "INV-1", 10), "run_7:post").kind, StepOutcome::Kind::kCompleted);
  // The same attempt again (the process died after the write, before flowline recorded it).
  StepOutcome again = Execute(Insert("Acme", "INV-1", 10), "run_7:post");
  ASSERT_EQ(again.kind, StepOutcome::Kind::kCompleted) << again.error;
  EXPECT_EQ(again.output["replayed"], true);
  EXPECT_EQ(again.output["changes"], 1);
  StepOutcome rows = Execute(Select("Acme"), "run_7:read");
  EXPECT_EQ(rows.output["row_count"], 1);
}

TEST_F(SqlStepTest, ConstraintViolationIsPermanentAndWritesNothing) {
  ASSERT_EQ(Execute(Insert("Acme", "INV-1", 10), "a").kind, StepOutcome::Kind::kCompleted);
  StepOutcome duplicate = Execute(Insert("Acme", "INV-1", 99), "b");
  ASSERT_EQ(duplicate.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(duplicate.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(duplicate.error, ::testing::HasSubstr("UNIQUE constraint failed"));
  // The failed attempt left no idempotency record: a corrected retry may write.
  StepOutcome count = Execute(Json{{"database", "sqlite:" + path_},
                                   {"statement", "SELECT count(*) AS n FROM flowline_step_writes"}},
                              "c");
  EXPECT_EQ(count.output["rows"][0]["n"], 1);
}

TEST_F(SqlStepTest, RuntimeErrorsAreClear) {
  Json missing_param = Insert("Acme", "INV-1", 10);
  missing_param["params"].erase("total");
  StepOutcome outcome = Execute(missing_param);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error, "the statement uses :total but params has no \"total\"");

  Json no_file = Select("Acme");
  no_file["database"] = "sqlite:" + dir_.path() + "/nope.db";
  outcome = Execute(no_file);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, ::testing::HasSubstr("the file must exist"));

  Json no_table = Select("Acme");
  no_table["statement"] = "SELECT * FROM payments";
  outcome = Execute(no_table);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, ::testing::HasSubstr("no such table: payments"));
}

TEST_F(SqlStepTest, PrepareRejectsBadConfiguration) {
  auto prepared = PrepareStep(kind_, Json{{"database", "postgres://x"}, {"statement", "SELEC 1"}});
  EXPECT_EQ(prepared.step, nullptr);
  EXPECT_THAT(prepared.errors, ElementsAre(ConfigErrorOn("database", "unsupported database"),
                                           ConfigErrorOn("statement", "syntax error")));
  prepared = PrepareStep(
      kind_, Json{{"database", "sqlite:x.db"}, {"statement", "SELECT 1; DELETE FROM invoices"}});
  EXPECT_THAT(prepared.errors, ElementsAre(ConfigErrorOn("statement", "more than one")));
  prepared = PrepareStep(
      kind_, Json{{"database", "sqlite:x.db"}, {"statement", "SELECT ${{ input.sql }}"}});
  ASSERT_FALSE(prepared.errors.empty());
  EXPECT_EQ(prepared.errors[0].param, "statement");
  // Tables that exist only in the real database are fine at Prepare.
  MustPrepare(kind_, Json{{"database", "sqlite:x.db"}, {"statement", "SELECT * FROM anything"}});
}

TEST_F(SqlStepTest, NamedConnectionsResolveAgainstTheConnectionsFile) {
  absl::StatusOr<Connections> connections = Connections::Parse(
      "connections:\n  books: { type: sqlite, path: accounting.db }\n"
      "  crm: { type: http, base_url: \"http://127.0.0.1/api\" }\n",
      dir_.path() + "/connections.yaml");
  ASSERT_TRUE(connections.ok()) << connections.status();
  SqlStep kind(std::make_shared<const Connections>(*std::move(connections)));
  Json with = Insert("Acme", "INV-1", 10);
  with.erase("database");
  with["connection"] = "books";
  auto prepared = MustPrepare(kind, with);
  StepContext ctx;
  ctx.idempotency_key = "run_9:post";
  ctx.params = &with;
  ASSERT_EQ(prepared->Execute(ctx).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(Execute(Select("Acme"), "run_9:read").output["row_count"], 1);

  with["connection"] = "crm";
  EXPECT_THAT(PrepareStep(kind, with).errors,
              ElementsAre(ConfigErrorOn("connection", "is of type http, not postgres or sqlite")));
  with["connection"] = "ledger";
  EXPECT_THAT(PrepareStep(kind, with).errors,
              ElementsAre(ConfigErrorOn("connection", "no connection named ledger")));
  with["database"] = "sqlite:x.db";
  EXPECT_THAT(PrepareStep(kind, with).errors,
              ElementsAre(ConfigErrorOn("database", "exactly one of connection and database")));
}

}  // namespace
}  // namespace flowline::steps
