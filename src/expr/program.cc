// Program: compiling Lua source to bytecode once, with positioned syntax errors.

#include <atomic>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "expr/syntax_error.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr {

namespace {

std::atomic<uint64_t> next_program_id{1};

struct LuaCloser {
  void operator()(lua_State* lua) const { lua_close(lua); }
};
using LuaPtr = std::unique_ptr<lua_State, LuaCloser>;

// An expression is compiled as the chunk "return <source>": Lua then accepts exactly an
// expression list, because `return` must be the last statement of its block.
constexpr std::string_view kExpressionPrefix = "return ";

int AppendToString(lua_State*, const void* data, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(data), size);
  return 0;
}

bool IsBlankText(std::string_view text) {
  return text.find_first_not_of(" \t\r\n\f\v") == std::string_view::npos;
}

// The message on top of lua's stack after a failed load, as a syntax-error status for `source`.
absl::Status SyntaxError(lua_State* lua, std::string_view subject, std::string_view prefix,
                         std::string_view source) {
  size_t size = 0;
  const char* text = lua_tolstring(lua, -1, &size);
  std::string message = text ? std::string(text, size) : std::string("unknown error");
  lua_pop(lua, 1);
  int line = 0;
  std::string_view detail;
  if (!internal::SplitLuaMessage(message, &line, &detail)) {
    // Not positioned: only "not enough memory" in practice.
    return absl::ResourceExhaustedError(
        absl::StrCat(Sv(subject), ": could not be compiled: ", message));
  }
  SourcePosition position = internal::LocateSyntaxError(lua, prefix, source, line, detail);
  return internal::SyntaxErrorStatus(subject, position, detail);
}

absl::StatusOr<std::string> CompileChunk(std::string_view source, std::string_view subject,
                                         bool expression) {
  LuaPtr state(luaL_newstate());
  lua_State* lua = state.get();
  if (lua == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat(Sv(subject), ": out of memory"));
  }
  if (expression && IsBlankText(source)) {
    return internal::SyntaxErrorStatus(subject, {1, 1}, "the expression is empty");
  }
  std::string_view prefix = expression ? kExpressionPrefix : std::string_view();
  if (internal::LoadText(lua, prefix, source) != LUA_OK) {
    absl::Status error = SyntaxError(lua, subject, prefix, source);
    if (expression && internal::LoadText(lua, "", source) == LUA_OK) {
      // Valid as statements, e.g. `x = 1`: say so rather than "'<eof>' expected near '='".
      return internal::SyntaxErrorStatus(
          subject, SyntaxErrorPosition(error),
          "expected an expression but found a statement (to compare values use '==', not '=')");
    }
    return error;
  }
  std::string bytecode;
  // Keep debug information (strip = 0): runtime errors then report line numbers.
  lua_dump(lua, AppendToString, &bytecode, /*strip=*/0);
  return bytecode;
}

std::string Subject(std::string_view name, bool is_script) {
  return absl::StrCat(is_script ? "script " : "expression ", Sv(name));
}

}  // namespace

Program::Program(std::string name, std::string source, std::string bytecode, bool is_script)
    : name_(std::move(name)),
      source_(std::move(source)),
      bytecode_(std::move(bytecode)),
      id_(next_program_id.fetch_add(1, std::memory_order_relaxed)),
      is_script_(is_script) {}

absl::StatusOr<std::shared_ptr<const Program>> Program::CompileExpression(std::string_view source,
                                                                          std::string_view name) {
  ASSIGN_OR_RETURN(std::string bytecode,
                   CompileChunk(source, Subject(name, /*is_script=*/false), /*expression=*/true));
  return std::shared_ptr<const Program>(new Program(std::string(name), std::string(source),
                                                    std::move(bytecode), /*is_script=*/false));
}

absl::StatusOr<std::shared_ptr<const Program>> Program::CompileScript(std::string_view source,
                                                                      std::string_view name) {
  ASSIGN_OR_RETURN(std::string bytecode,
                   CompileChunk(source, Subject(name, /*is_script=*/true), /*expression=*/false));
  return std::shared_ptr<const Program>(
      new Program(std::string(name), std::string(source), std::move(bytecode), /*is_script=*/true));
}

}  // namespace flowline::expr
