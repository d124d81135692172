#include "expr/syntax_error.h"

#include <algorithm>
#include <charconv>
#include <optional>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr {

namespace {

// The payload is "<line>:<column>:<detail>"; the type URL keeps it apart from other payloads.
constexpr char kPayloadUrl[] = "type.flowline.dev/expr.SyntaxError";

struct ParsedPayload {
  SourcePosition position;
  std::string_view detail;
};

std::optional<ParsedPayload> ParsePayload(std::string_view text) {
  ParsedPayload parsed;
  const char* end = text.data() + text.size();
  auto [after_line, ec1] = std::from_chars(text.data(), end, parsed.position.line);
  if (ec1 != std::errc() || after_line == end || *after_line != ':') return std::nullopt;
  auto [after_column, ec2] = std::from_chars(after_line + 1, end, parsed.position.column);
  if (ec2 != std::errc() || after_column == end || *after_column != ':') return std::nullopt;
  parsed.detail = std::string_view(after_column + 1, end - after_column - 1);
  return parsed;
}

std::optional<ParsedPayload> ReadPayload(const absl::Status& status, std::string* storage) {
  if (status.code() != absl::StatusCode::kInvalidArgument) return std::nullopt;
  auto payload = status.GetPayload(kPayloadUrl);  // absl::optional: not std:: on Debian
  if (!payload) return std::nullopt;
  *storage = std::string(*payload);
  return ParsePayload(*storage);
}

}  // namespace

SourcePosition SyntaxErrorPosition(const absl::Status& status) {
  std::string storage;
  std::optional<ParsedPayload> parsed = ReadPayload(status, &storage);
  return parsed ? parsed->position : SourcePosition{};
}

namespace internal {

namespace {

struct TextReader {
  std::string_view pieces[2];
  int next = 0;
};

const char* ReadPieces(lua_State*, void* data, size_t* size) {
  auto* reader = static_cast<TextReader*>(data);
  while (reader->next < 2) {
    std::string_view piece = reader->pieces[reader->next++];
    if (!piece.empty()) {
      *size = piece.size();
      return piece.data();
    }
  }
  *size = 0;
  return nullptr;
}

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Byte offsets [begin, end) of 1-based `line` in `text`, excluding its newline; nullopt if the
// text has fewer lines.
std::optional<std::pair<size_t, size_t>> LineBounds(std::string_view text, int line) {
  size_t begin = 0;
  for (int i = 1; i < line; ++i) {
    size_t newline = text.find('\n', begin);
    if (newline == std::string_view::npos) return std::nullopt;
    begin = newline + 1;
  }
  size_t end = text.find('\n', begin);
  return std::make_pair(begin, end == std::string_view::npos ? text.size() : end);
}

SourcePosition FirstNonBlank(std::string_view text, int line, size_t begin, size_t end) {
  size_t offset = begin;
  while (offset < end && IsBlank(text[offset])) ++offset;
  return {line, PositionAt(text, offset).column};
}

// Just after the last non-blank character: where Lua's "near <eof>" points.
SourcePosition AfterLastNonBlank(std::string_view text) {
  size_t end = text.size();
  while (end > 0 && (IsBlank(text[end - 1]) || text[end - 1] == '\n')) --end;
  return PositionAt(text, end);
}

bool SameError(lua_State* lua, std::string_view prefix, std::string_view source, int line,
               std::string_view detail) {
  int top = lua_gettop(lua);
  bool same = false;
  if (LoadText(lua, prefix, source) != LUA_OK && lua_type(lua, -1) == LUA_TSTRING) {
    size_t size = 0;
    const char* message = lua_tolstring(lua, -1, &size);
    int got_line = 0;
    std::string_view got_detail;
    same = SplitLuaMessage(std::string_view(message, size), &got_line, &got_detail) &&
           got_line == line && got_detail == detail;
  }
  lua_settop(lua, top);
  return same;
}

}  // namespace

int LoadText(lua_State* lua, std::string_view prefix, std::string_view source) {
  TextReader reader{{prefix, source}};
  return lua_load(lua, ReadPieces, &reader, kChunkName, "t");
}

bool SplitLuaMessage(std::string_view message, int* line, std::string_view* detail) {
  constexpr std::string_view kPrefix = "lua:";
  if (message.substr(0, kPrefix.size()) != kPrefix) return false;
  const char* begin = message.data() + kPrefix.size();
  const char* end = message.data() + message.size();
  auto [after, ec] = std::from_chars(begin, end, *line);
  if (ec != std::errc() || end - after < 2 || after[0] != ':' || after[1] != ' ') return false;
  *detail = std::string_view(after + 2, end - after - 2);
  return true;
}

// Lua names the token it stopped at ("unexpected symbol near '+'") but not its column, and the
// token may occur several times on the line. The parser reads left to right and stops at the
// first error, so compiling the source cut after byte k reproduces the same error exactly when k
// lies at or past the end of the offending token (plus the one character of lookahead the lexer
// may need). A binary search over the line finds the smallest such k, i.e. where the token ends.
// Syntax errors are rare and sources short, so the extra compilations cost nothing that matters.
SourcePosition LocateSyntaxError(lua_State* lua, std::string_view prefix, std::string_view source,
                                 int line, std::string_view detail) {
  constexpr std::string_view kNear = " near ";
  size_t near_at = detail.find(kNear);
  if (near_at != std::string_view::npos && detail.substr(near_at + kNear.size()) == "<eof>") {
    return AfterLastNonBlank(source);
  }
  std::optional<std::pair<size_t, size_t>> bounds = LineBounds(source, line);
  if (!bounds) return AfterLastNonBlank(source);
  auto [begin, end] = *bounds;
  if (near_at == std::string_view::npos) return FirstNonBlank(source, line, begin, end);

  std::string_view token = detail.substr(near_at + kNear.size());
  if (token.size() >= 2 && token.front() == '\'' && token.back() == '\'') {
    token = token.substr(1, token.size() - 2);
  }
  size_t high = std::min(end + 1, source.size());  // include the newline: lookahead
  if (!SameError(lua, prefix, source.substr(0, high), line, detail)) {
    size_t found =
        token.empty() ? std::string_view::npos : source.substr(begin, end - begin).find(token);
    if (found == std::string_view::npos) return FirstNonBlank(source, line, begin, end);
    return PositionAt(source, begin + found);
  }
  size_t low = begin;
  while (low < high) {
    size_t middle = low + (high - low) / 2;
    if (SameError(lua, prefix, source.substr(0, middle), line, detail)) {
      high = middle;
    } else {
      low = middle + 1;
    }
  }
  // The token ends at `high`, or one character earlier when the lexer needed a lookahead.
  for (size_t token_end : {high, high - 1}) {
    if (token_end >= begin + token.size() && token_end <= end &&
        source.substr(token_end - token.size(), token.size()) == token) {
      return PositionAt(source, token_end - token.size());
    }
  }
  return FirstNonBlank(source, line, begin, end);
}

SourcePosition PositionAt(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  SourcePosition position{1, 1};
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++position.column;  // count UTF-8 lead bytes only: columns are characters
    }
  }
  return position;
}

absl::Status SyntaxErrorStatus(std::string_view subject, SourcePosition position,
                               std::string_view detail) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(Sv(subject), ": syntax error at line ", position.line,
                                              ", column ", position.column, ": ", Sv(detail)));
  status.SetPayload(kPayloadUrl,
                    absl::Cord(absl::StrCat(position.line, ":", position.column, ":", Sv(detail))));
  return status;
}

std::string SyntaxErrorDetail(const absl::Status& status) {
  std::string storage;
  std::optional<ParsedPayload> parsed = ReadPayload(status, &storage);
  return parsed ? std::string(parsed->detail) : std::string();
}

}  // namespace internal
}  // namespace flowline::expr
