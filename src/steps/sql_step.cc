#include "steps/sql_step.h"

#include <sqlite3.h>

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/connection_param.h"
#include "steps/params.h"
#include "steps/sql_postgres.h"
#include "steps/sql_text.h"
#include "steps/sql_values.h"

namespace flowline::steps {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr int kDefaultMaxRows = 1000;

// One connection for one attempt; closed on every path.
class Database {
 public:
  ~Database() {
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  sqlite3* db() const { return db_; }
  // SQLITE_OK, or the error (the message is in error()).
  int Open(const std::string& path) {
    int rc =
        sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) return rc;
    sqlite3_busy_timeout(db_, 5000);
    return SQLITE_OK;
  }
  std::string error() const { return db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory"; }
  int Exec(const char* sql) { return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr); }

 private:
  sqlite3* db_ = nullptr;
};

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

bool IsTransient(int rc) {
  int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED || primary == SQLITE_IOERR ||
         primary == SQLITE_FULL;
}

StepOutcome SqlFailure(std::string_view what, int rc, const std::string& message) {
  return StepOutcome::Failed(absl::StrCat(Sv(what), ": ", message),
                             IsTransient(rc) ? ErrorClass::kTransient : ErrorClass::kPermanent);
}

// What follows the first statement, without separators and blanks ("" if nothing).
std::string_view AfterStatement(const char* tail) {
  std::string_view rest = tail != nullptr ? std::string_view(tail) : std::string_view();
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\n' || rest.front() == ';' ||
                           rest.front() == '\t' || rest.front() == '\r')) {
    rest.remove_prefix(1);
  }
  return rest;
}

// Where a prepared sql step runs its statement: a SQLite file, or a PostgreSQL connection with the
// statement's :names already numbered.
struct SqlTarget {
  std::string sqlite_path;
  std::shared_ptr<const Connections> connections;  // keeps `postgres` alive
  const Connection* postgres = nullptr;
  NamedStatement named;
};

class PreparedSql final : public PreparedStep {
 public:
  PreparedSql(const StepKindInfo& info, SqlTarget target, std::string statement)
      : info_(info),
        target_(std::move(target)),
        path_(target_.sqlite_path),
        statement_(std::move(statement)) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    const Json* params = r.Get("params");
    int max_rows = kDefaultMaxRows;
    if (const Json* m = r.Get("max_rows")) max_rows = m->get<int>();

    // An evaluation run reads nothing either: the database need not even exist where it runs.
    if (ctx.suppress_side_effects && ctx.suppress_reads) return Suppressed(params);
    if (target_.postgres != nullptr) {
      // A suppressed run (shadow, replay) reads like any other but writes nothing.
      if (target_.named.writes && ctx.suppress_side_effects) return Suppressed(params);
      const common::Clock& clock = ctx.clock != nullptr ? *ctx.clock : common::SystemClock::Get();
      PostgresSqlCall call;
      call.connection = target_.postgres;
      call.statement = &target_.named;
      call.params = params;
      call.max_rows = max_rows;
      call.idempotency_key = ctx.idempotency_key;
      if (ctx.deadline != absl::InfiniteFuture()) call.timeout = ctx.deadline - clock.Now();
      if (call.timeout <= absl::ZeroDuration()) {
        return StepOutcome::Failed("the step's deadline passed before the statement ran",
                                   ErrorClass::kTimeout);
      }
      return RunPostgresSql(call);
    }
    Database database;
    if (int rc = database.Open(path_); rc != SQLITE_OK) {
      return StepOutcome::Failed(
          absl::StrCat("cannot open the database ", path_, ": ", database.error(),
                       " (the file must exist; check `database:` and the working directory)"),
          IsTransient(rc) ? ErrorClass::kTransient : ErrorClass::kPermanent);
    }
    Statement stmt;
    const char* tail = nullptr;
    if (int rc = sqlite3_prepare_v2(database.db(), statement_.c_str(), -1, &stmt.stmt, &tail);
        rc != SQLITE_OK) {
      return SqlFailure("the statement does not compile against " + path_, rc, database.error());
    }
    if (!AfterStatement(tail).empty()) {
      return StepOutcome::Failed("the statement is more than one statement; a sql step runs one");
    }
    // Bind every :name (also @name, $name) from `params`.
    for (int i = 1; i <= sqlite3_bind_parameter_count(stmt.stmt); ++i) {
      const char* raw = sqlite3_bind_parameter_name(stmt.stmt, i);
      if (raw == nullptr) {
        return StepOutcome::Failed(
            "the statement uses a positional parameter (?); name it, e.g. "
            ":vendor, and give its value under params");
      }
      std::string name = raw + 1;
      if (params == nullptr || !params->contains(name)) {
        return StepOutcome::Failed(
            absl::StrCat("the statement uses :", name, " but params has no \"", name, "\""));
      }
      if (int rc = SqliteBindJson(stmt.stmt, i, (*params)[name]); rc != SQLITE_OK) {
        return SqlFailure(absl::StrCat("binding :", name), rc, database.error());
      }
    }
    const bool writes = sqlite3_stmt_readonly(stmt.stmt) == 0;
    if (!writes) return Run(database, stmt.stmt, max_rows);
    // A suppressed run (shadow, replay) reads like any other but writes nothing: the statement
    // it would have run is its output.
    if (ctx.suppress_side_effects) return Suppressed(params);
    return RunOnce(database, stmt.stmt, max_rows, ctx.idempotency_key);
  }

 private:
  StepOutcome Suppressed(const Json* params) const {
    return StepOutcome::Completed(
        Json{{"suppressed", true},
             {"request",
              {{"database", target_.postgres != nullptr ? target_.postgres->name : path_},
               {"statement", statement_},
               {"params", params != nullptr ? *params : Json::object()}}}});
  }

  static StepOutcome Run(Database& database, sqlite3_stmt* stmt, int max_rows) {
    Json rows = Json::array();
    int row_count = 0;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqlFailure("the statement failed", rc, database.error());
      ++row_count;
      if (static_cast<int>(rows.size()) >= max_rows) continue;
      Json row = Json::object();
      for (int c = 0; c < sqlite3_column_count(stmt); ++c) {
        row[sqlite3_column_name(stmt, c)] = SqliteColumnJson(stmt, c);
      }
      rows.push_back(std::move(row));
    }
    return StepOutcome::Completed(Json{{"rows", std::move(rows)},
                                       {"row_count", row_count},
                                       {"changes", sqlite3_changes(database.db())},
                                       {"replayed", false}});
  }

  // The write and the record of its idempotency key commit together, or neither does.
  static StepOutcome RunOnce(Database& database, sqlite3_stmt* stmt, int max_rows,
                             const std::string& key) {
    if (int rc = database.Exec("CREATE TABLE IF NOT EXISTS flowline_step_writes ("
                               "idempotency_key TEXT PRIMARY KEY, output TEXT NOT NULL, "
                               "written_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)");
        rc != SQLITE_OK) {
      return SqlFailure("cannot create flowline_step_writes", rc, database.error());
    }
    if (int rc = database.Exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) {
      return SqlFailure("cannot begin a write transaction", rc, database.error());
    }
    auto rollback = [&database](StepOutcome outcome) {
      database.Exec("ROLLBACK");
      return outcome;
    };
    Statement seen;
    sqlite3_prepare_v2(database.db(),
                       "SELECT output FROM flowline_step_writes WHERE idempotency_key = ?1", -1,
                       &seen.stmt, nullptr);
    sqlite3_bind_text(seen.stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    if (sqlite3_step(seen.stmt) == SQLITE_ROW) {
      absl::StatusOr<Json> output =
          common::ParseJson(reinterpret_cast<const char*>(sqlite3_column_text(seen.stmt, 0)),
                            "flowline_step_writes.output");
      database.Exec("ROLLBACK");
      if (!output.ok()) return StepOutcome::Failed("flowline_step_writes holds a bad output");
      (*output)["replayed"] = true;
      return StepOutcome::Completed(*std::move(output));
    }
    StepOutcome outcome = Run(database, stmt, max_rows);
    if (outcome.kind != StepOutcome::Kind::kCompleted) return rollback(std::move(outcome));
    Statement record;
    std::string output = common::CanonicalJson(outcome.output);
    sqlite3_prepare_v2(database.db(),
                       "INSERT INTO flowline_step_writes (idempotency_key, output) VALUES (?1, ?2)",
                       -1, &record.stmt, nullptr);
    sqlite3_bind_text(record.stmt, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_text(record.stmt, 2, output.data(), static_cast<int>(output.size()),
                      SQLITE_STATIC);
    if (int rc = sqlite3_step(record.stmt); rc != SQLITE_DONE) {
      return rollback(SqlFailure("cannot record the write", rc, database.error()));
    }
    if (int rc = database.Exec("COMMIT"); rc != SQLITE_OK) {
      return rollback(SqlFailure("cannot commit the write", rc, database.error()));
    }
    return outcome;
  }

  const StepKindInfo& info_;
  SqlTarget target_;
  std::string path_;
  std::string statement_;
};

}  // namespace

SqlStep::SqlStep(std::shared_ptr<const Connections> connections)
    : connections_(std::move(connections)) {
  info_.name = "sql";
  info_.description =
      "Runs one parameterised SQL statement against a database; writes are applied once.";
  info_.actors = {Actor::kSystem};
  info_.side_effects = true;
  info_.suppressible = true;
  info_.params = {
      {"connection", ParamType::kString, false, true,
       "the name of a sqlite connection (connections.yaml)"},
      {"database", ParamType::kString, false, true,
       "instead of a connection: sqlite:<path to the file>"},
      {"statement", ParamType::kString, true, true,
       "one SQL statement; values as :name placeholders, never spliced in"},
      {"params", ParamType::kObject, false, false, "the values of the statement's :names"},
      {"max_rows", ParamType::kInteger, false, true, "most rows returned (default 1000)"},
  };
}

std::unique_ptr<PreparedStep> SqlStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                               std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  SqlTarget target;
  std::string& path = target.sqlite_path;
  if (r.Has("connection") == r.Has("database")) {
    r.Error(r.Has("connection") ? "database" : "connection",
            "write exactly one of connection and database",
            "name a connection from connections.yaml (connection: ledger), or a file "
            "(database: sqlite:ledger.db)");
  } else if (r.Has("connection")) {
    if (const Connection* connection = ReadConnection(r, *connections_, {"postgres", "sqlite"})) {
      if (connection->type == "sqlite") {
        path = connection->Path("path");
      } else {
        target.postgres = connection;
        target.connections = connections_;
      }
    }
  } else if (auto database = r.String("database")) {
    if (!absl::StartsWith(*database, Sv(kSqlitePrefix)) ||
        database->size() == kSqlitePrefix.size()) {
      r.Error("database", absl::StrCat("unsupported database \"", *database, "\""),
              "write sqlite:<path>, e.g. sqlite:accounting.db");
    } else {
      path = database->substr(kSqlitePrefix.size());
    }
  }
  std::string statement;
  if (auto written = r.String("statement"); written && target.postgres != nullptr) {
    absl::StatusOr<NamedStatement> named = ParseNamedStatement(*written);
    if (!named.ok()) {
      r.Error("statement", std::string(named.status().message()));
    } else {
      target.named = *std::move(named);
      statement = *written;
    }
  } else if (written) {
    // Compile against an empty in-memory database to find syntax errors and extra statements
    // now; unknown tables are fine here (they exist in the real database).
    sqlite3* scratch = nullptr;
    sqlite3_open_v2(":memory:", &scratch, SQLITE_OPEN_READWRITE, nullptr);
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(scratch, written->c_str(), -1, &stmt, &tail);
    std::string message = sqlite3_errmsg(scratch);
    sqlite3_finalize(stmt);
    sqlite3_close(scratch);
    std::string_view rest = rc == SQLITE_OK ? AfterStatement(tail) : std::string_view();
    if (rc != SQLITE_OK && absl::StrContains(message, "syntax error")) {
      r.Error("statement", absl::StrCat("SQL ", message), "fix the statement's syntax");
    } else if (rc == SQLITE_OK && stmt == nullptr) {
      r.Error("statement", "the statement is empty", "write one SQL statement");
    } else if (!rest.empty()) {
      r.Error("statement", "more than one statement",
              "a sql step runs exactly one statement; use one step per statement");
    } else {
      statement = *written;
    }
  }
  if (const Json* m = r.Get("max_rows"); m != nullptr && m->get<int>() < 1) {
    r.Error("max_rows", "max_rows must be at least 1");
  }
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedSql>(info_, std::move(target), std::move(statement));
}

}  // namespace flowline::steps
