// The sql step against a real PostgreSQL (the ctest `pg` fixture's throw-away cluster), each test
// in a schema of its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <pqxx/pqxx>
#include <thread>
#include <vector>

#include "steps/sql_step.h"
#include "steps/step_test_util.h"
#include "store/postgres/testing/pg_test_db.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::HasSubstr;
using testing::MustPrepare;
using ::testing::Not;
using testing::PrepareStep;

class SqlPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = store::postgres::testing::TestConninfo();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    const std::string schema = store::postgres::testing::NewTestSchema();
    url_ = *conninfo + " options='-c search_path=" + schema + "'";
    pqxx::connection connection(*conninfo);
    pqxx::work work(connection);
    work.exec("CREATE SCHEMA " + schema);
    work.exec("CREATE TABLE " + schema +
              ".accounts (id serial PRIMARY KEY, email text UNIQUE NOT NULL, name text, "
              "active boolean NOT NULL DEFAULT false, score numeric, meta jsonb)");
    work.commit();
    setenv("FLOWLINE_TEST_ACCOUNTS_URL", url_.c_str(), 1);
    absl::StatusOr<Connections> connections = Connections::Parse(
        "connections:\n"
        "  accounts: { type: postgres, url_env: FLOWLINE_TEST_ACCOUNTS_URL }\n"
        "  down: { type: postgres, url: \"host=127.0.0.1 port=1 user=x "
        "password=pg-secret-4711 dbname=x connect_timeout=2\" }\n",
        "connections.yaml");
    ASSERT_TRUE(connections.ok()) << connections.status();
    kind_ = std::make_unique<SqlStep>(std::make_shared<const Connections>(*std::move(connections)));
  }

  StepOutcome Execute(const Json& with, const std::string& key, bool suppress = false) {
    auto prepared = MustPrepare(*kind_, with);
    if (prepared == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.idempotency_key = key;
    ctx.params = &with;
    ctx.suppress_side_effects = suppress;
    return prepared->Execute(ctx);
  }

  static Json Insert(const std::string& email, const Json& score = 1.5) {
    return Json{{"connection", "accounts"},
                {"statement",
                 "INSERT INTO accounts (email, name, score, meta) "
                 "VALUES (:email, :name, :score, :meta::jsonb) RETURNING id, email"},
                {"params",
                 {{"email", email},
                  {"name", "Robert'); DROP TABLE accounts; --"},
                  {"score", score},
                  {"meta", {{"source", "signup"}}}}}};
  }

  int64_t Count(const std::string& where = "true") {
    StepOutcome outcome =
        Execute(Json{{"connection", "accounts"},
                     {"statement", "SELECT count(*) AS n FROM accounts WHERE " + where}},
                "count");
    EXPECT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
    return outcome.output["rows"][0]["n"].get<int64_t>();
  }

  std::string url_;
  std::unique_ptr<SqlStep> kind_;
};

TEST_F(SqlPostgresTest, InsertsAndReadsTypedValues) {
  StepOutcome insert = Execute(Insert("ann@example.com"), "run_1:insert");
  ASSERT_EQ(insert.kind, StepOutcome::Kind::kCompleted) << insert.error;
  EXPECT_EQ(insert.output["changes"], 1);
  EXPECT_EQ(insert.output["replayed"], false);
  EXPECT_EQ(insert.output["rows"][0]["email"], "ann@example.com");

  StepOutcome read = Execute(
      Json{{"connection", "accounts"},
           {"statement",
            "SELECT id, email, name, active, score, meta FROM accounts WHERE email = :email"},
           {"params", {{"email", "ann@example.com"}}}},
      "run_1:read");
  ASSERT_EQ(read.kind, StepOutcome::Kind::kCompleted) << read.error;
  EXPECT_EQ(read.output["row_count"], 1);
  EXPECT_EQ(read.output["changes"], 0);
  const Json& row = read.output["rows"][0];
  EXPECT_TRUE(row["id"].is_number_integer());
  EXPECT_EQ(row["name"], "Robert'); DROP TABLE accounts; --");
  EXPECT_EQ(row["active"], false);
  EXPECT_EQ(row["score"], 1.5);
  EXPECT_EQ(row["meta"], (Json{{"source", "signup"}}));
}

TEST_F(SqlPostgresTest, ARetriedWriteIsAppliedOnce) {
  StepOutcome first = Execute(Insert("bob@example.com"), "run_2:insert");
  ASSERT_EQ(first.kind, StepOutcome::Kind::kCompleted) << first.error;
  // The same attempt again: the first committed, then the process died before flowline
  // recorded the step's result.
  StepOutcome again = Execute(Insert("bob@example.com"), "run_2:insert");
  ASSERT_EQ(again.kind, StepOutcome::Kind::kCompleted) << again.error;
  EXPECT_EQ(again.output["replayed"], true);
  EXPECT_EQ(again.output["rows"], first.output["rows"]);
  EXPECT_EQ(Count("email = 'bob@example.com'"), 1);
  // An update is applied once too (it would otherwise increment twice).
  Json bump = {{"connection", "accounts"},
               {"statement", "UPDATE accounts SET score = score + 1 WHERE email = :email"},
               {"params", {{"email", "bob@example.com"}}}};
  ASSERT_EQ(Execute(bump, "run_2:bump").kind, StepOutcome::Kind::kCompleted);
  ASSERT_EQ(Execute(bump, "run_2:bump").output["replayed"], true);
  EXPECT_EQ(Count("score = 2.5"), 1);
}

TEST_F(SqlPostgresTest, OverlappingAttemptsOfOneStepWriteOnce) {
  // A lease taken over from a stalled worker: two attempts of the same step at the same time.
  std::vector<StepOutcome> outcomes(6);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < outcomes.size(); ++i) {
    threads.emplace_back(
        [&, i] { outcomes[i] = Execute(Insert("fay@example.com"), "run_3:insert"); });
  }
  for (std::thread& thread : threads) thread.join();
  int written = 0;
  for (const StepOutcome& outcome : outcomes) {
    ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
    if (outcome.output["replayed"] == false) ++written;
  }
  EXPECT_EQ(written, 1);
  EXPECT_EQ(Count("email = 'fay@example.com'"), 1);
}

TEST_F(SqlPostgresTest, AFailedWriteLeavesNoRecordSoACorrectedRetryWrites) {
  ASSERT_EQ(Execute(Insert("cy@example.com"), "a").kind, StepOutcome::Kind::kCompleted);
  StepOutcome duplicate = Execute(Insert("cy@example.com"), "b");
  ASSERT_EQ(duplicate.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(duplicate.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(duplicate.error, HasSubstr("SQLSTATE 23505"));
  EXPECT_THAT(duplicate.error, HasSubstr("connection accounts (connections.yaml:2:3)"));
  StepOutcome retried = Execute(Insert("cy2@example.com"), "b");
  ASSERT_EQ(retried.kind, StepOutcome::Kind::kCompleted) << retried.error;
  EXPECT_EQ(retried.output["replayed"], false);
  EXPECT_EQ(Count(), 2);
}

TEST_F(SqlPostgresTest, ReadsCannotWriteAndSuppressedWritesDoNothing) {
  StepOutcome sneaky = Execute(
      Json{{"connection", "accounts"}, {"statement", "SELECT setval('accounts_id_seq', 100)"}},
      "sneaky");
  ASSERT_EQ(sneaky.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(sneaky.error, HasSubstr("read-only transaction"));
  StepOutcome shadow = Execute(Insert("dee@example.com"), "shadow", /*suppress=*/true);
  ASSERT_EQ(shadow.kind, StepOutcome::Kind::kCompleted) << shadow.error;
  EXPECT_EQ(shadow.output["suppressed"], true);
  EXPECT_EQ(shadow.output["request"]["database"], "accounts");
  EXPECT_EQ(Count(), 0);
}

TEST_F(SqlPostgresTest, ErrorsAreClearAndNeverShowTheSecret) {
  Json missing = Insert("eve@example.com");
  missing["params"].erase("score");
  EXPECT_EQ(Execute(missing, "m").error, "the statement uses :score but params has no \"score\"");

  StepOutcome syntax =
      Execute(Json{{"connection", "accounts"}, {"statement", "SELECT FROM WHERE accounts"}}, "s");
  ASSERT_EQ(syntax.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(syntax.error_class, ErrorClass::kPermanent);
  EXPECT_THAT(syntax.error, HasSubstr("SQLSTATE 42601"));

  StepOutcome down =
      Execute(Json{{"connection", "down"}, {"statement", "SELECT 1 AS one"}}, "down");
  ASSERT_EQ(down.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(down.error_class, ErrorClass::kTransient);
  EXPECT_THAT(down.error, HasSubstr("cannot connect to connection down"));
  EXPECT_THAT(down.error, Not(HasSubstr("pg-secret-4711")));

  EXPECT_THAT(
      PrepareStep(*kind_, Json{{"connection", "accounts"}, {"statement", "SELECT 1; SELECT 2"}})
          .errors,
      ::testing::ElementsAre(ConfigErrorOn("statement", "more than one statement")));
}

}  // namespace
}  // namespace flowline::steps
