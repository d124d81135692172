// The database trigger on a PostgreSQL connection (ctest's `pg` fixture), against a real SQLite
// store and engine: rows and their types, the cursor across a restart, read-only execution.
#include <cstdlib>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/connections.h"
#include "store/postgres/testing/pg_test_db.h"
#include "triggers/database_rows.h"
#include "triggers/database_source.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kUrlVariable[] = "FLOWLINE_DATABASE_SOURCE_TEST_URL";

class DatabaseSourcePostgresTest : public testing::TriggerFixture {
 protected:
  void SetUp() override {
    TriggerFixture::SetUp();
    auto conninfo = store::postgres::testing::TestConninfo();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    schema_ = store::postgres::testing::NewTestSchema();
    Sql(absl::StrCat("CREATE SCHEMA ", schema_, "; CREATE TABLE ", schema_,
                     ".signups (id bigint PRIMARY KEY, email text, active boolean, score numeric,"
                     " profile jsonb, joined date); CREATE SEQUENCE ",
                     schema_, ".counter"));
    setenv(kUrlVariable, conninfo_.c_str(), 1);
    auto connections = steps::Connections::Parse(
        absl::StrCat("connections:\n  crm_db: { type: postgres, url_env: ", kUrlVariable, " }\n"),
        dir_.File("connections.yaml"));
    ASSERT_TRUE(connections.ok()) << connections.status();
    connections_ = *std::move(connections);
  }

  void Sql(const std::string& sql) {
    try {
      pqxx::connection db(conninfo_);
      pqxx::work tx(db);
      tx.exec(sql);
      tx.commit();
    } catch (const std::exception& error) {
      FAIL() << error.what();
    }
  }

  std::string conninfo_;
  std::string schema_;
  steps::Connections connections_;
};

TEST_F(DatabaseSourcePostgresTest, NewRowsStartOneRunEachWithTheirTypes) {
  Deploy(absl::StrCat(R"(
workflow: signups
input:
  schema: { type: object, required: [id, email] }
triggers:
  - database:
      connection: crm_db
      cursor: id
      query: SELECT id, email, active, score, profile, joined FROM )",
                      schema_, R"(.signups WHERE id > :cursor ORDER BY id LIMIT 10
steps:
  - id: echo
    uses: script
    with: { code: "return { id = input.id }" }
)"));
  Sql(absl::StrCat("INSERT INTO ", schema_,
                   ".signups VALUES (10, 'ada@example.com', true, 2.5, '{\"plan\": \"pro\"}', "
                   "'2026-01-02'), (11, 'bob@example.com', NULL, NULL, NULL, NULL)"));
  auto host = NewHost(WithConnections(connections_));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Keys("signups"), ElementsAre("database:10", "database:11"));
  for (const store::Run& run : Runs("signups")) {
    if (run.business_key != "database:10") continue;
    EXPECT_EQ(Json::parse(run.input_json), (Json{{"id", 10},
                                                 {"email", "ada@example.com"},
                                                 {"active", true},
                                                 {"score", 2.5},
                                                 {"profile", {{"plan", "pro"}}},
                                                 {"joined", "2026-01-02"}}));
  }
  // A restart continues after the cursor.
  host = NewHost(WithConnections(connections_));
  Sql(absl::StrCat("INSERT INTO ", schema_, ".signups (id, email) VALUES (12, 'eve@example.com')"));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Keys("signups"), ElementsAre("database:10", "database:11", "database:12"));
}

TEST_F(DatabaseSourcePostgresTest, TheQueryRunsReadOnly) {
  const steps::Connection* crm = *connections_.Get("crm_db", "postgres");
  // The text looks like a read; the READ ONLY transaction refuses what it does.
  auto rows = ReadRows(
      *crm, absl::StrCat("SELECT nextval('", schema_, ".counter') AS n WHERE 1 > :cursor"), 0);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kFailedPrecondition) << rows.status();
  EXPECT_THAT(rows.status().message(), HasSubstr("read-only transaction"));
}

TEST_F(DatabaseSourcePostgresTest, ErrorsNeverQuoteThePassword) {
  const std::string secret = "Db-Secret-Password-1234";
  setenv(kUrlVariable,
         absl::StrCat("postgresql://nobody:", secret, "@127.0.0.1:1/postgres?connect_timeout=2")
             .c_str(),
         1);
  const steps::Connection* crm = *connections_.Get("crm_db", "postgres");
  auto rows = ReadRows(*crm, "SELECT 1 AS id WHERE 1 > :cursor", 0);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable) << rows.status();
  EXPECT_THAT(rows.status().message(), Not(HasSubstr(secret)));
}

}  // namespace
}  // namespace flowline::triggers
