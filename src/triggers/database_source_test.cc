// The database trigger on a SQLite connection, against a real SQLite store and engine, with a fake
// clock. (PostgreSQL: database_source_postgres_test.cc.)
#include "triggers/database_source.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/connections.h"
#include "triggers/database_rows.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

class DatabaseSourceTest : public testing::TriggerFixture {
 protected:
  void SetUp() override {
    TriggerFixture::SetUp();
    crm_ = dir_.File("crm.db");
    Sql("CREATE TABLE signups (id INTEGER PRIMARY KEY, email TEXT, score REAL, note TEXT)");
    auto connections = steps::Connections::Parse(
        "connections:\n  crm_db: { type: sqlite, path: crm.db }\n", dir_.File("connections.yaml"));
    ASSERT_TRUE(connections.ok()) << connections.status();
    connections_ = *std::move(connections);
  }

  void DeployQuery(const std::string& query, const std::string& extra = "") {
    Deploy(absl::StrCat(R"(
workflow: signups
input:
  schema: { type: object, required: [id, email], properties: { email: { type: string } } }
triggers:
  - database: { connection: crm_db, cursor: id, interval: 10s, query: ")",
                        query, "\"", extra, R"( }
steps:
  - id: echo
    uses: script
    with: { code: "return { id = input.id }" }
)"));
  }

  void Sql(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(crm_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    const std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(db);
    ASSERT_EQ(rc, SQLITE_OK) << message;
  }

  std::string crm_;
  steps::Connections connections_;
};

TEST_F(DatabaseSourceTest, NewRowsStartOneRunEachAndTheCursorSurvivesARestart) {
  DeployQuery("SELECT id, email, score, note FROM signups WHERE id > :cursor ORDER BY id LIMIT 2");
  Sql("INSERT INTO signups VALUES (1, 'ada@example.com', 0.5, NULL), "
      "(2, 'bob@example.com', 1, 'vip'), (3, 'eve@example.com', NULL, NULL)");
  auto host = NewHost(WithConnections(connections_));
  ASSERT_TRUE(host->PollAllOnce().ok());  // a batch of 2 (LIMIT 2)
  EXPECT_THAT(Keys("signups"), ElementsAre("database:1", "database:2"));
  ASSERT_TRUE(host->PollAllOnce().ok());  // a full batch: the next pass goes on at once
  EXPECT_THAT(Keys("signups"), ElementsAre("database:1", "database:2", "database:3"));

  for (const store::Run& run : Runs("signups")) {
    if (run.business_key != "database:2") continue;
    EXPECT_EQ(Json::parse(run.input_json),
              (Json{{"id", 2}, {"email", "bob@example.com"}, {"score", 1.0}, {"note", "vip"}}));
  }

  // Another process (a restart) continues after the saved cursor.
  host = NewHost(WithConnections(connections_));
  Sql("INSERT INTO signups VALUES (4, 'dan@example.com', NULL, NULL)");
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Keys("signups"), ElementsAre("database:1", "database:2", "database:3", "database:4"));
  clock_.Advance(absl::Seconds(10));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Runs("signups"), SizeIs(4));
}

TEST_F(DatabaseSourceTest, StartsAfterTheGivenStartValue) {
  DeployQuery("SELECT id, email FROM signups WHERE id > :cursor ORDER BY id", ", start: 2");
  Sql("INSERT INTO signups (id, email) VALUES (1, 'a@x'), (2, 'b@x'), (3, 'c@x')");
  auto host = NewHost(WithConnections(connections_));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Keys("signups"), ElementsAre("database:3"));
}

TEST_F(DatabaseSourceTest, ARowBreakingTheInputSchemaIsSkipped) {
  DeployQuery("SELECT id, email FROM signups WHERE id > :cursor ORDER BY id");
  Sql("INSERT INTO signups (id, email) VALUES (1, NULL), (2, 'b@x')");
  auto host = NewHost(WithConnections(connections_));
  ASSERT_TRUE(host->PollAllOnce().ok());
  EXPECT_THAT(Keys("signups"), ElementsAre("database:2"));
}

TEST_F(DatabaseSourceTest, RowsOutOfCursorOrderFailThePassBeforeTheirRun) {
  DeployQuery("SELECT id, email FROM signups WHERE id > :cursor ORDER BY id DESC");
  Sql("INSERT INTO signups (id, email) VALUES (1, 'a@x'), (2, 'b@x')");
  auto host = NewHost(WithConnections(connections_));
  absl::Status polled = host->PollAllOnce();
  EXPECT_EQ(polled.code(), absl::StatusCode::kFailedPrecondition) << polled;
  EXPECT_THAT(polled.message(), HasSubstr("ORDER BY id"));
  EXPECT_THAT(Keys("signups"), ElementsAre("database:2"));  // the first row was fine
}

TEST_F(DatabaseSourceTest, RowsWithoutTheCursorColumnFailThePass) {
  DeployQuery("SELECT email FROM signups WHERE id > :cursor ORDER BY id");
  Sql("INSERT INTO signups (id, email) VALUES (1, 'a@x')");
  auto host = NewHost(WithConnections(connections_));
  absl::Status polled = host->PollAllOnce();
  EXPECT_EQ(polled.code(), absl::StatusCode::kFailedPrecondition) << polled;
  EXPECT_THAT(polled.message(), HasSubstr("no column id"));
  EXPECT_THAT(Runs("signups"), IsEmpty());
}

TEST_F(DatabaseSourceTest, TheQueryOnlyReads) {
  const steps::Connection* crm = *connections_.Get("crm_db", "sqlite");
  EXPECT_EQ(CheckCursorQuery("DELETE FROM signups WHERE id > :cursor").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckCursorQuery("SELECT id FROM signups WHERE id > :cursor AND email = :email").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CheckCursorQuery("SELECT id FROM signups").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(CheckCursorQuery("SELECT id FROM signups WHERE id > :cursor ORDER BY id").ok());
  // Past the text check, SQLite itself refuses a statement that writes.
  auto written = ReadRows(*crm, "INSERT INTO signups (id, email) VALUES (:cursor, 'x')", 7);
  EXPECT_EQ(written.status().code(), absl::StatusCode::kInvalidArgument) << written.status();
  auto rows = ReadRows(*crm, "SELECT count(*) AS n FROM signups WHERE id > :cursor", 0);
  ASSERT_TRUE(rows.ok()) << rows.status();
  EXPECT_THAT(*rows, ElementsAre(Json{{"n", 0}}));
}

TEST_F(DatabaseSourceTest, AMissingDatabaseFileIsAnErrorNotAnEmptyTable) {
  auto connections =
      steps::Connections::Parse("connections:\n  crm_db: { type: sqlite, path: missing.db }\n",
                                dir_.File("connections.yaml"));
  ASSERT_TRUE(connections.ok()) << connections.status();
  auto rows = ReadRows(**connections->Get("crm_db", "sqlite"),
                       "SELECT id FROM signups WHERE id > :cursor", 0);
  EXPECT_EQ(rows.status().code(), absl::StatusCode::kUnavailable) << rows.status();
}

}  // namespace
}  // namespace flowline::triggers
