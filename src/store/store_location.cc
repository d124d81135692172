#include "store/store_location.h"

#include <array>
#include <cctype>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::store {
namespace {

constexpr char kMask[] = "***";

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

bool IsPostgresUrl(std::string_view text) {
  return absl::StartsWith(Sv(text), "postgresql://") || absl::StartsWith(Sv(text), "postgres://");
}

// The first keyword of a key=value conninfo ("host" of "host=db1 dbname=x"), or "" if `text`
// does not start like one.
std::string_view FirstKeyword(std::string_view text) {
  size_t start = 0;
  while (start < text.size() && IsSpace(text[start])) ++start;
  size_t end = start;
  while (end < text.size() &&
         (std::isalnum(static_cast<unsigned char>(text[end])) != 0 || text[end] == '_')) {
    ++end;
  }
  size_t eq = end;
  while (eq < text.size() && IsSpace(text[eq])) ++eq;
  if (end == start || eq >= text.size() || text[eq] != '=') return "";
  return text.substr(start, end - start);
}

bool IsConninfo(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kFirst = {"host", "hostaddr", "dbname",
                                                             "service"};
  const std::string_view keyword = FirstKeyword(text);
  for (std::string_view first : kFirst) {
    if (keyword == first) return true;
  }
  return false;
}

// A URL: the password of the user info and a `password` query parameter.
std::string RedactUrl(std::string_view url) {
  std::string out(url);
  const size_t authority = out.find("://") + 3;
  size_t authority_end = out.find_first_of("/?", authority);
  if (authority_end == std::string::npos) authority_end = out.size();
  const size_t at = out.rfind('@', authority_end);
  if (at != std::string::npos && at >= authority) {
    const size_t colon = out.find(':', authority);
    if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, kMask);
  }
  const size_t query = out.find('?', authority);
  if (query == std::string::npos) return out;
  size_t param = query + 1;
  while (param < out.size()) {
    size_t end = out.find('&', param);
    if (end == std::string::npos) end = out.size();
    if (absl::StartsWith(Sv(std::string_view(out).substr(param, end - param)), "password=")) {
      const size_t value = param + 9;
      out.replace(value, end - value, kMask);
      end = value + 3;
    }
    param = end + 1;
  }
  return out;
}

// A key=value conninfo (libpq's grammar: values bare or in single quotes, backslash escapes):
// the value of every `password` keyword.
std::string RedactKeyValues(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    size_t key_start = i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    size_t key_begin = i;
    while (i < text.size() && text[i] != '=' && !IsSpace(text[i])) ++i;
    const std::string_view key = text.substr(key_begin, i - key_begin);
    while (i < text.size() && IsSpace(text[i])) ++i;
    if (i >= text.size() || text[i] != '=') {
      // Not key=value: keep the rest as it is (libpq will reject it with its own message).
      out.append(text.substr(key_start));
      return out;
    }
    ++i;
    while (i < text.size() && IsSpace(text[i])) ++i;
    out.append(text.substr(key_start, i - key_start));
    const size_t value_begin = i;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      while (i < text.size() && text[i] != '\'') i += text[i] == '\\' ? 2 : 1;
      i = std::min(i + 1, text.size());
    } else {
      while (i < text.size() && !IsSpace(text[i])) i += text[i] == '\\' ? 2 : 1;
      i = std::min(i, text.size());
    }
    if (key == "password") {
      out.append(kMask);
    } else {
      out.append(text.substr(value_begin, i - value_begin));
    }
  }
  return out;
}

}  // namespace

std::string RedactConninfo(std::string_view conninfo) {
  if (absl::StrContains(Sv(conninfo), "://")) return RedactUrl(conninfo);
  if (!FirstKeyword(conninfo).empty()) return RedactKeyValues(conninfo);
  return std::string(conninfo);
}

absl::StatusOr<StoreLocation> ParseStoreLocation(std::string_view text) {
  StoreLocation location;
  if (text.empty()) {
    return absl::InvalidArgumentError(
        "--store is empty: give a SQLite file (e.g. flowline.db) or a PostgreSQL URL (e.g. "
        "postgresql://flowline@db1/flowline)");
  }
  location.target = std::string(text);
  location.display = RedactConninfo(text);
  if (IsPostgresUrl(text) || IsConninfo(text)) {
    location.kind = StoreKind::kPostgres;
    return location;
  }
  if (absl::StrContains(Sv(text), "://")) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--store ", location.display,
        ": unknown kind of store; give a SQLite file path, a postgresql:// (or postgres://) "
        "URL, or a libpq conninfo starting with host= or dbname="));
  }
  location.kind = StoreKind::kSqlite;
  return location;
}

}  // namespace flowline::store
