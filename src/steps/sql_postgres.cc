#include "steps/sql_postgres.h"

#include <optional>
#include <pqxx/pqxx>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/params.h"
#include "steps/sql_values.h"

namespace flowline::steps {
namespace {

ErrorClass ClassOf(const std::string& sqlstate) {
  if (sqlstate == "57014") return ErrorClass::kTimeout;  // statement_timeout
  if (absl::StartsWith(sqlstate, "08") || absl::StartsWith(sqlstate, "40") ||
      absl::StartsWith(sqlstate, "53") || absl::StartsWith(sqlstate, "57P") ||
      sqlstate == "55P03") {
    return ErrorClass::kTransient;
  }
  return ErrorClass::kPermanent;
}

// A library message for a step's error: redacted, cut, without its trailing line break.
std::string Clean(const char* what, const std::vector<std::string>& secrets) {
  std::string message = Redact(Truncate(what, 400), secrets);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

constexpr char kCreateWrites[] =
    "CREATE TABLE IF NOT EXISTS flowline_step_writes (idempotency_key text PRIMARY KEY, "
    "output text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())";

}  // namespace

StepOutcome RunPostgresSql(const PostgresSqlCall& call) {
  absl::StatusOr<std::string> url = call.connection->Secret("url");
  if (!url.ok()) return StepOutcome::Failed(std::string(url.status().message()));
  const std::vector<std::string> secrets = PostgresUrlSecrets(*url);
  const NamedStatement& statement = *call.statement;

  std::vector<std::optional<std::string>> values;
  for (const std::string& name : statement.names) {
    if (call.params == nullptr || !call.params->contains(name)) {
      return StepOutcome::Failed(
          absl::StrCat("the statement uses :", name, " but params has no \"", name, "\""));
    }
    values.push_back(PostgresParamText((*call.params)[name]));
  }
  std::vector<const char*> pointers;
  for (const std::optional<std::string>& value : values) {
    pointers.push_back(value ? value->c_str() : nullptr);
  }

  const std::string where = call.connection->Describe();
  const char* doing = "cannot connect to";
  try {
    pqxx::connection connection(*url);
    if (statement.writes) {
      doing = "cannot create flowline_step_writes in";
      try {
        pqxx::work create(connection);
        create.exec(kCreateWrites);
        create.commit();
      } catch (const pqxx::unique_violation&) {
        // Another attempt created it at the same moment.
      }
    }
    doing = "the statement failed on";
    pqxx::work tx(connection);
    if (!statement.writes) tx.exec("SET TRANSACTION READ ONLY");
    if (call.timeout != absl::InfiniteDuration()) {
      tx.exec(absl::StrCat("SET LOCAL statement_timeout = ",
                           std::max<int64_t>(1, absl::ToInt64Milliseconds(call.timeout))));
    }
    if (statement.writes) {
      // The key first: it locks the key, so a concurrent attempt of the same step waits here
      // and then finds it committed (or free again, if this one rolls back).
      pqxx::result claimed = tx.exec_params(
          "INSERT INTO flowline_step_writes (idempotency_key, output) VALUES ($1, '') "
          "ON CONFLICT (idempotency_key) DO NOTHING",
          call.idempotency_key);
      if (claimed.affected_rows() == 0) {
        pqxx::result seen =
            tx.exec_params("SELECT output FROM flowline_step_writes WHERE idempotency_key = $1",
                           call.idempotency_key);
        tx.abort();
        absl::StatusOr<Json> output =
            seen.empty() ? absl::NotFoundError("gone")
                         : common::ParseJson(seen[0][0].c_str(), "flowline_step_writes.output");
        if (!output.ok()) {
          return StepOutcome::Failed(
              absl::StrCat("flowline_step_writes in ", where, " holds a bad output for this step"));
        }
        (*output)["replayed"] = true;
        return StepOutcome::Completed(*std::move(output));
      }
    }
    pqxx::result result =
        tx.exec_params(statement.sql, pqxx::prepare::make_dynamic_params(pointers));
    Json output = {{"rows", PostgresRows(result, call.max_rows)},
                   {"row_count", static_cast<int64_t>(result.size())},
                   {"changes", statement.writes ? static_cast<int64_t>(result.affected_rows()) : 0},
                   {"replayed", false}};
    if (statement.writes) {
      tx.exec_params("UPDATE flowline_step_writes SET output = $2 WHERE idempotency_key = $1",
                     call.idempotency_key, common::CanonicalJson(output));
    }
    doing = "cannot commit the write to";
    tx.commit();
    return StepOutcome::Completed(std::move(output));
  } catch (const pqxx::broken_connection& error) {
    return StepOutcome::Failed(absl::StrCat(doing, " ", where, ": ", Clean(error.what(), secrets)),
                               ErrorClass::kTransient);
  } catch (const pqxx::in_doubt_error& error) {
    // The commit's outcome is unknown: a retry finds the key if it committed.
    return StepOutcome::Failed(
        absl::StrCat("the commit to ", where, " is in doubt: ", Clean(error.what(), secrets)),
        ErrorClass::kTransient);
  } catch (const pqxx::sql_error& error) {
    return StepOutcome::Failed(absl::StrCat(doing, " ", where, ": ", Clean(error.what(), secrets),
                                            " (SQLSTATE ", error.sqlstate(), ")"),
                               ClassOf(error.sqlstate()));
  } catch (const std::exception& error) {
    return StepOutcome::Failed(absl::StrCat(doing, " ", where, ": ", Clean(error.what(), secrets)));
  }
}

}  // namespace flowline::steps
