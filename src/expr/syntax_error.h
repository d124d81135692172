// Private to expr/: turning Lua's syntax-error messages into positioned statuses.
//
// Lua reports a syntax error as "<chunk>:<line>: <what> near '<token>'" with no column.
// LocateSyntaxError recovers the column by recompiling prefixes of the source (see syntax_error.cc)
// and SyntaxErrorStatus records the position as a status payload that SyntaxErrorPosition() reads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "expr/expr.h"

struct lua_State;

namespace flowline::expr::internal {

// Chunk name of every compiled program: Lua messages then start with "lua:<line>: ".
inline constexpr char kChunkName[] = "=lua";

// Compiles `prefix` followed by `source` in text mode, without copying them into one buffer.
// Returns the lua_load status; on success the function is on top of lua's stack, otherwise the
// error message is.
int LoadText(lua_State* lua, std::string_view prefix, std::string_view source);

// Splits a Lua message "lua:<line>: <detail>" into its line and detail. Returns false when the
// message has no such prefix.
bool SplitLuaMessage(std::string_view message, int* line, std::string_view* detail);

// Finds the 1-based line and column in `source` of the syntax error that compiling
// `prefix + source` reports as (`line`, `detail`). `prefix` must not contain a newline. Never
// fails: falls back to the first non-blank column of the line.
SourcePosition LocateSyntaxError(lua_State* lua, std::string_view prefix, std::string_view source,
                                 int line, std::string_view detail);

// The 1-based line and column (in UTF-8 characters) of byte `offset` in `text`.
SourcePosition PositionAt(std::string_view text, size_t offset);

// InvalidArgument "<subject>: syntax error at line L, column C: <detail>" carrying `position` and
// `detail` as a payload.
absl::Status SyntaxErrorStatus(std::string_view subject, SourcePosition position,
                               std::string_view detail);

// The detail recorded by SyntaxErrorStatus, empty if `status` has none.
std::string SyntaxErrorDetail(const absl::Status& status);

}  // namespace flowline::expr::internal
