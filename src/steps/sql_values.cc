#include "steps/sql_values.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

// PostgreSQL type OIDs (pg_type.dat) the output converts.
constexpr pqxx::oid kBool = 16, kBytea = 17, kInt8 = 20, kInt2 = 21, kInt4 = 23, kOid = 26,
                    kJson = 114, kFloat4 = 700, kFloat8 = 701, kNumeric = 1700, kJsonb = 3802;

Json FieldValue(const pqxx::field& field, pqxx::oid type) {
  if (field.is_null()) return nullptr;
  const std::string_view text(field.c_str(), field.size());
  switch (type) {
    case kBool:
      return text == "t";
    case kInt2:
    case kInt4:
    case kInt8:
    case kOid: {
      int64_t value = 0;
      if (absl::SimpleAtoi(Sv(text), &value)) return value;
      break;
    }
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      double value = 0;
      if (absl::SimpleAtod(Sv(text), &value)) return value;
      break;
    }
    case kJson:
    case kJsonb:
      if (absl::StatusOr<Json> parsed = common::ParseJson(text, "a json column"); parsed.ok()) {
        return *std::move(parsed);
      }
      break;
    case kBytea:
      return absl::StrCat("<", text.size() > 2 ? (text.size() - 2) / 2 : 0, " bytes>");
    default:
      break;
  }
  return std::string(text);
}

}  // namespace

int SqliteBindJson(sqlite3_stmt* stmt, int index, const Json& value) {
  if (value.is_null()) return sqlite3_bind_null(stmt, index);
  if (value.is_boolean()) return sqlite3_bind_int(stmt, index, value.get<bool>() ? 1 : 0);
  if (value.is_number_integer()) return sqlite3_bind_int64(stmt, index, value.get<int64_t>());
  if (value.is_number()) return sqlite3_bind_double(stmt, index, value.get<double>());
  std::string text = value.is_string() ? value.get<std::string>() : common::CanonicalJson(value);
  return sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()),
                           SQLITE_TRANSIENT);
}

Json SqliteColumnJson(sqlite3_stmt* stmt, int column) {
  switch (sqlite3_column_type(stmt, column)) {
    case SQLITE_INTEGER:
      return sqlite3_column_int64(stmt, column);
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, column);
    case SQLITE_TEXT:
      return std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt, column)),
                         static_cast<size_t>(sqlite3_column_bytes(stmt, column)));
    case SQLITE_BLOB:
      return absl::StrCat("<", sqlite3_column_bytes(stmt, column), " bytes>");
    default:
      return nullptr;
  }
}

// Every string that would reveal the connection's secret: the URL as a whole and its password
// (postgresql://user:PASSWORD@host/db, or password=PASSWORD / password='PASS WORD' in a conninfo).
std::vector<std::string> PostgresUrlSecrets(const std::string& url) {
  std::vector<std::string> secrets = {url};
  if (const size_t scheme = url.find("://"); scheme != std::string::npos) {
    const size_t at = url.find('@', scheme + 3);
    const size_t colon = url.find(':', scheme + 3);
    if (at != std::string::npos && colon < at) {
      secrets.push_back(url.substr(colon + 1, at - colon - 1));
    }
  }
  for (size_t pos = url.find("password"); pos != std::string::npos;
       pos = url.find("password", pos + 1)) {
    size_t i = pos + 8;
    while (i < url.size() && url[i] == ' ') ++i;
    if (i >= url.size() || url[i] != '=') continue;
    ++i;
    while (i < url.size() && url[i] == ' ') ++i;
    if (i < url.size() && url[i] == '\'') {
      const size_t close = url.find('\'', i + 1);
      secrets.push_back(url.substr(i + 1, close == std::string::npos ? close : close - i - 1));
    } else {
      const size_t end = url.find_first_of(" &", i);
      secrets.push_back(url.substr(i, end == std::string::npos ? end : end - i));
    }
  }
  return secrets;
}

// The value bound for a JSON parameter: text PostgreSQL casts to the column's type.
std::optional<std::string> PostgresParamText(const Json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return value.dump();
  return common::CanonicalJson(value);
}

Json PostgresRows(const pqxx::result& result, int max_rows) {
  Json rows = Json::array();
  for (const pqxx::row& row : result) {
    if (static_cast<int>(rows.size()) >= max_rows) break;
    Json object = Json::object();
    for (pqxx::row::size_type c = 0; c < row.size(); ++c) {
      object[result.column_name(c)] = FieldValue(row[c], result.column_type(c));
    }
    rows.push_back(std::move(object));
  }
  return rows;
}

}  // namespace flowline::steps
