#include "steps/sql_text.h"

#include <algorithm>
#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace flowline::steps {
namespace {

bool IsIdentStart(char c) { return absl::ascii_isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The end of the quoted text starting at `i` (on the opening quote), or npos. Doubled quotes are
// the quote itself; in E'…' strings a backslash escapes the next character.
size_t QuotedEnd(std::string_view sql, size_t i, char quote, bool backslash_escapes) {
  for (size_t j = i + 1; j < sql.size(); ++j) {
    if (backslash_escapes && sql[j] == '\\') {
      ++j;
    } else if (sql[j] == quote) {
      if (j + 1 < sql.size() && sql[j + 1] == quote) {
        ++j;
      } else {
        return j + 1;
      }
    }
  }
  return std::string_view::npos;
}

}  // namespace

absl::StatusOr<NamedStatement> ParseNamedStatement(std::string_view sql) {
  NamedStatement out;
  std::vector<std::string> words;  // upper-case keywords/identifiers outside strings, in order
  bool ended = false;
  auto unterminated = [](std::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat("the statement has an unterminated ", Sv(what)));
  };
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    const char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    std::string_view piece;
    size_t end = i + 1;
    if (c == '-' && next == '-') {
      end = std::min(sql.find('\n', i), sql.size());
      out.sql.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (c == '/' && next == '*') {
      const size_t close = sql.find("*/", i + 2);
      if (close == std::string_view::npos) return unterminated("/* comment");
      end = close + 2;
      out.sql.append(sql.substr(i, end - i));
      i = end;
      continue;
    }
    if (ended && !absl::ascii_isspace(static_cast<unsigned char>(c)) && c != ';') {
      return absl::InvalidArgumentError(
          "the statement is more than one statement; a sql step runs exactly one (use one step "
          "per statement)");
    }
    if (c == '\'' ||
        ((c == 'E' || c == 'e') && next == '\'' && (i == 0 || !IsIdentChar(sql[i - 1])))) {
      const size_t open = c == '\'' ? i : i + 1;
      end = QuotedEnd(sql, open, '\'', c != '\'');
      if (end == std::string_view::npos) return unterminated("string ('…')");
    } else if (c == '"') {
      end = QuotedEnd(sql, i, '"', false);
      if (end == std::string_view::npos) return unterminated("quoted identifier (\"…\")");
    } else if (c == '$' && (next == '$' || IsIdentStart(next))) {
      // $tag$…$tag$, or $1 (a positional parameter, which the step does not allow).
      size_t tag_end = i + 1;
      while (tag_end < sql.size() && IsIdentChar(sql[tag_end])) ++tag_end;
      if (tag_end < sql.size() && sql[tag_end] == '$') {
        const std::string_view tag = sql.substr(i, tag_end - i + 1);
        const size_t close = sql.find(tag, tag_end + 1);
        if (close == std::string_view::npos) return unterminated("$$ string");
        end = close + tag.size();
      } else {
        end = tag_end;
      }
    } else if (c == '$' && absl::ascii_isdigit(static_cast<unsigned char>(next))) {
      return absl::InvalidArgumentError(
          "the statement uses a positional parameter ($1); name it, e.g. :vendor, and give its "
          "value under params");
    } else if (c == '?') {
      return absl::InvalidArgumentError(
          "the statement uses a positional parameter (?); name it, e.g. :vendor, and give its "
          "value under params");
    } else if (c == ':' && next == ':') {
      end = i + 2;  // a cast
    } else if (c == ':' && IsIdentStart(next)) {
      size_t name_end = i + 1;
      while (name_end < sql.size() && IsIdentChar(sql[name_end])) ++name_end;
      const std::string name(sql.substr(i + 1, name_end - i - 1));
      out.names.push_back(name);
      absl::StrAppend(&out.sql, "$", out.names.size());
      i = name_end;
      continue;
    } else if (IsIdentStart(c)) {
      while (end < sql.size() && (IsIdentChar(sql[end]) || sql[end] == '$')) ++end;
      words.push_back(absl::AsciiStrToUpper(Sv(sql.substr(i, end - i))));
    } else if (c == ';') {
      ended = true;
      i = end;
      continue;  // the terminating ';' is not sent
    }
    piece = sql.substr(i, end - i);
    out.sql.append(piece);
    i = end;
  }
  if (words.empty()) {
    return absl::InvalidArgumentError("the statement is empty; write one SQL statement");
  }
  // Conservative: a word that may write anywhere (even SELECT … FOR UPDATE, SELECT … INTO) makes
  // it a write, which costs only the idempotency record. Reads run in a read-only transaction,
  // so a "read" that calls a writing function fails instead of writing twice.
  static constexpr const char* kReads[] = {"SELECT", "VALUES", "TABLE", "SHOW", "EXPLAIN", "WITH"};
  static constexpr const char* kWrites[] = {"INSERT", "UPDATE", "DELETE", "MERGE", "INTO"};
  const bool read_form =
      std::find(std::begin(kReads), std::end(kReads), words.front()) != std::end(kReads);
  out.writes = !read_form || std::any_of(words.begin(), words.end(), [](const std::string& word) {
    return std::find(std::begin(kWrites), std::end(kWrites), word) != std::end(kWrites);
  });
  return out;
}

}  // namespace flowline::steps
