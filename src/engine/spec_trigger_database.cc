// The database trigger's block: `- database: { connection: crm_db, query: "SELECT id, email FROM
// signups WHERE id > :cursor ORDER BY id LIMIT 100", cursor: id, start: 0, interval: 10s }`
// (src/triggers/database_source.cc, which also checks the query against the database).
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {
namespace {

// The query's first word, past white space and SQL comments, upper-cased.
std::string FirstWord(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.substr(i, 2) == "--") {
      const size_t end = sql.find('\n', i);
      i = end == std::string_view::npos ? sql.size() : end + 1;
    } else if (sql.substr(i, 2) == "/*") {
      const size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  size_t end = i;
  while (end < sql.size() && std::isalpha(static_cast<unsigned char>(sql[end]))) ++end;
  return absl::AsciiStrToUpper(absl::string_view(sql.data() + i, end - i));
}

}  // namespace

void CheckDatabaseTrigger(const Field& block, TriggerSpec& /*trigger*/, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- database: { connection: crm_db, query: \"SELECT id, email FROM signups WHERE id "
      "> :cursor ORDER BY id LIMIT 100\", cursor: id }`";
  auto fields =
      TriggerFields(block, kHint, {"connection", "query", "cursor", "start", "interval"}, sink);
  if (!fields) return;
  TriggerString(*fields, block, "connection", kHint, /*required=*/true, sink);
  TriggerString(*fields, block, "cursor", kHint, /*required=*/true, sink);
  if (auto query = TriggerString(*fields, block, "query", kHint, /*required=*/true, sink)) {
    const Location at = fields->Find("query")->location;
    const std::string first = FirstWord(*query);
    // A poll reads; it never writes (the source also runs it read-only).
    if (first != "SELECT" && first != "WITH") {
      sink.Add(at,
               absl::StrCat("database query must be a SELECT, not ",
                            first.empty() ? std::string("this") : first),
               "the trigger only reads new rows: write `SELECT ... WHERE id > :cursor ORDER BY "
               "id LIMIT 100`");
    }
    if (!absl::StrContains(*query, ":cursor")) {
      sink.Add(at, "database query does not use :cursor",
               "select only the rows after the last one seen: `... WHERE id > :cursor ORDER BY "
               "id`");
    }
  }
  if (const Field* field = fields->Find("start")) {
    if (!field->value.IsScalar()) {
      sink.Add(field->location, "database start must be a number or a text",
               "write the cursor value before the first row, e.g. `start: 0` or `start: "
               "\"2024-01-01T00:00:00Z\"`");
    }
  }
  if (const Field* field = fields->Find("interval")) {
    auto interval = ReadDuration(*field, "database interval", sink);
    if (interval && *interval <= absl::ZeroDuration()) {
      sink.Add(field->location, "database interval must be more than 0",
               "write how often to run the query, e.g. `interval: 10s`");
    }
  }
}

}  // namespace flowline::engine::internal
