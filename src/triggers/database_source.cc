#include "triggers/database_source.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"
#include "steps/connections.h"
#include "steps/duration.h"
#include "triggers/database_rows.h"

namespace flowline::triggers {
namespace {

// -1, 0 or 1 as `a` sorts before, with or after `b`; nullopt when they cannot be compared (a
// number and a text, a null).
std::optional<int> CompareCursors(const Json& a, const Json& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    const int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_string() && b.is_string()) {
    const int c = a.get<std::string>().compare(b.get<std::string>());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  return std::nullopt;
}

std::string CursorText(const Json& value) {
  return value.is_string() ? value.get<std::string>() : value.dump();
}

absl::StatusOr<const steps::Connection*> SqlConnection(const steps::Connections& connections,
                                                       const std::string& name) {
  return connections.GetAny(name, {"postgres", "sqlite"});
}

}  // namespace

absl::StatusOr<DatabaseTriggerSettings> DatabaseTriggerSettings::FromBlock(const Json& with) {
  DatabaseTriggerSettings settings;
  for (const char* key : {"connection", "query", "cursor"}) {
    if (!with.is_object() || !with.contains(key) || !with[key].is_string() ||
        with[key].get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a database trigger needs `", key, "` (connection, query and cursor are required)"));
    }
  }
  settings.connection = with["connection"].get<std::string>();
  settings.query = with["query"].get<std::string>();
  settings.cursor = with["cursor"].get<std::string>();
  if (with.contains("start")) {
    const Json& start = with["start"];
    if (!start.is_number() && !start.is_string()) {
      return absl::InvalidArgumentError("database trigger: `start` must be a number or a text");
    }
    settings.start = start;
  }
  if (with.contains("interval")) {
    if (!with["interval"].is_string()) {
      return absl::InvalidArgumentError("database trigger: `interval` must be a duration (10s)");
    }
    ASSIGN_OR_RETURN(settings.interval, steps::ParseDuration(with["interval"].get<std::string>()));
    if (settings.interval <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("database trigger: `interval` must be more than 0");
    }
  }
  return settings;
}

absl::StatusOr<std::unique_ptr<TriggerSource>> NewDatabaseSource(const engine::TriggerSpec& spec,
                                                                 const SourceEnv& env) {
  ASSIGN_OR_RETURN(DatabaseTriggerSettings settings, DatabaseTriggerSettings::FromBlock(spec.with));
  ASSIGN_OR_RETURN(const steps::Connection* connection,
                   SqlConnection(env.connections, settings.connection));
  (void)connection;
  RETURN_IF_ERROR(CheckCursorQuery(settings.query));
  return std::make_unique<DatabaseSource>(std::move(settings));
}

DatabaseSource::DatabaseSource(DatabaseTriggerSettings settings) : settings_(std::move(settings)) {}

absl::Duration DatabaseSource::NextPollIn(absl::Time now) const {
  return std::max(absl::ZeroDuration(), next_pass_ - now);
}

absl::Status DatabaseSource::Poll(TriggerContext& context, absl::Duration budget) {
  const common::Clock& clock = context.clock();
  const absl::Time started = clock.Now();
  // Unless a full batch says there is more, the next pass waits the interval (also after a
  // failure: the host adds its own backoff).
  next_pass_ = started + settings_.interval;
  ASSIGN_OR_RETURN(const steps::Connection* connection,
                   SqlConnection(context.connections(), settings_.connection));
  ASSIGN_OR_RETURN(std::optional<Json> state, context.LoadState());
  Json cursor = settings_.start;
  if (state.has_value() && state->is_object() && state->contains("cursor")) {
    cursor = (*state)["cursor"];
  }
  ASSIGN_OR_RETURN(std::vector<Json> rows, ReadRows(*connection, settings_.query, cursor));
  const std::string& trigger = context.spec().id;
  for (Json& row : rows) {
    if (!row.contains(settings_.cursor)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trigger ", trigger, ": the query's rows have no column ", settings_.cursor,
          " (the trigger's cursor): select it, e.g. SELECT ", settings_.cursor, ", ..."));
    }
    Json value = row[settings_.cursor];
    const std::optional<int> order = CompareCursors(value, cursor);
    if (!order.has_value() || *order <= 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          "trigger ", trigger, ": a row's cursor ", settings_.cursor, " = ", value.dump(),
          " does not come after the last one (", cursor.dump(),
          "): the query must return only rows after :cursor, ordered by a column with unique "
          "values (WHERE ",
          settings_.cursor, " > :cursor ORDER BY ", settings_.cursor, ")"));
    }
    absl::StatusOr<engine::StartRunResult> run =
        context.StartRun(std::move(row), absl::StrCat(trigger, ":", CursorText(value)));
    if (!run.ok() && run.status().code() != absl::StatusCode::kInvalidArgument) {
      return run.status();  // the cursor stays: the row is read again on the next pass
    }
    if (!run.ok()) {
      // The workflow will never take this row: skip it rather than stop the table.
      spdlog::warn("trigger {}: skipped the row with {} = {}: {}", trigger, settings_.cursor,
                   CursorText(value), std::string(run.status().message()));
    }
    // Only now: the run is durable, so the cursor may pass the row.
    RETURN_IF_ERROR(context.SaveState(Json{{"cursor", value}}));
    cursor = std::move(value);
    if (clock.Now() - started >= budget) break;
  }
  if (!rows.empty()) next_pass_ = clock.Now();  // maybe more after this batch: go on at once
  return absl::OkStatus();
}

}  // namespace flowline::triggers
