// Evaluator: one sandboxed lua_State per thread, running cached programs under limits.
//
// The state's stack holds three fixed slots for its whole life (see kCacheIndex…), so the hot
// path reaches the program cache, the environment and its metatable without registry lookups.
// Evaluate() then costs one integer-keyed table lookup, an upvalue store (pointing the program's
// _ENV at the current environment), the call itself and the conversion of the result.

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "expr/limiter.h"
#include "expr/lua_json.h"
#include "expr/sandbox.h"
#include "expr/syntax_error.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr {

namespace {

constexpr int kCacheIndex = 1;         // table: Program::id → loaded function
constexpr int kEnvMetatableIndex = 2;  // metatable of every environment (sandbox.h)
constexpr int kEnvIndex = 3;           // the current environment table
constexpr int kBaseTop = 3;
// Cached functions are dropped all at once past this many, so that an Evaluator serving many
// workflow versions over months does not keep every program it ever ran.
constexpr int kMaxCachedPrograms = 4096;

std::string Subject(const Program& program) {
  return absl::StrCat(program.is_script() ? "script " : "expression ", program.name());
}

std::string FormatBytes(size_t bytes) {
  if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) return absl::StrCat(bytes >> 20, " MiB");
  if (bytes >= (1u << 10) && bytes % (1u << 10) == 0) return absl::StrCat(bytes >> 10, " KiB");
  return absl::StrCat(bytes, " bytes");
}

std::string_view StackString(lua_State* lua, int index) {
  size_t size = 0;
  const char* text =
      lua_type(lua, index) == LUA_TSTRING ? lua_tolstring(lua, index, &size) : nullptr;
  return text ? std::string_view(text, size) : std::string_view();
}

// Protected: builds the fixed stack slots of a new state.
int SetUpState(lua_State* lua) {
  lua_createtable(lua, 0, 64);  // kCacheIndex
  lua_pushcfunction(lua, internal::OpenSandbox);
  lua_call(lua, 0, 1);         // kEnvMetatableIndex
  lua_createtable(lua, 0, 0);  // kEnvIndex: an empty environment until SetEnvironment
  lua_pushvalue(lua, -2);
  lua_setmetatable(lua, -2);
  return 3;
}

// Protected: arguments (cache table, Program*, reset flag); loads the program's bytecode and
// returns (function, cache table) — a new, empty cache table when the flag says so.
int LoadIntoCache(lua_State* lua) {
  const auto* program = static_cast<const Program*>(lua_touserdata(lua, 2));
  if (lua_toboolean(lua, 3)) {
    lua_createtable(lua, 0, 64);
    lua_replace(lua, 1);
  }
  const std::string& code = program->bytecode();
  // Mode "b": only the bytecode Program produced itself is ever loaded here.
  if (luaL_loadbufferx(lua, code.data(), code.size(), internal::kChunkName, "b") != LUA_OK) {
    return lua_error(lua);
  }
  lua_pushvalue(lua, -1);
  lua_rawseti(lua, 1, static_cast<lua_Integer>(program->id()));
  lua_pushvalue(lua, 1);
  return 2;
}

// Protected: arguments (environment metatable, const Json* object); returns the environment.
int PushEnvironment(lua_State* lua) {
  const auto* env = static_cast<const Json*>(lua_touserdata(lua, 2));
  const Json::object_t& members = env->get_ref<const Json::object_t&>();
  lua_createtable(lua, 0, static_cast<int>(std::min<size_t>(members.size(), INT32_MAX)));
  for (const auto& [name, value] : members) {
    lua_pushlstring(lua, name.data(), name.size());
    internal::PushJson(lua, value);
    lua_rawset(lua, -3);
  }
  lua_pushvalue(lua, 1);
  lua_setmetatable(lua, -2);
  return 1;
}

}  // namespace

struct Evaluator::State {
  explicit State(Limits limits) : limiter(limits) {}

  internal::Limiter limiter;  // declared first: it must outlive lua
  lua_State* lua = nullptr;
  std::string setup_error;  // why lua is null
  int cached_programs = 0;
  std::vector<const void*> json_path;  // scratch for LuaToJson
};

Evaluator::Evaluator(Limits limits) : state_(std::make_unique<State>(limits)) {
  State& state = *state_;
  lua_State* lua = lua_newstate(internal::Limiter::Allocate, &state.limiter);
  if (lua == nullptr) {
    state.setup_error = "could not create a Lua state: out of memory";
    return;
  }
  state.limiter.Attach(lua);
  lua_pushcfunction(lua, SetUpState);
  if (lua_pcall(lua, 0, 3, 0) != LUA_OK || !lua_checkstack(lua, LUA_MINSTACK)) {
    state.setup_error =
        absl::StrCat("could not set up the Lua sandbox: ", Sv(StackString(lua, -1)));
    lua_close(lua);
    return;
  }
  state.lua = lua;
}

Evaluator::~Evaluator() {
  if (state_->lua != nullptr) lua_close(state_->lua);
}

absl::Status Evaluator::SetEnvironment(const Json& env) {
  State& state = *state_;
  if (state.lua == nullptr) return absl::InternalError(state.setup_error);
  if (!env.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the expression environment must be a JSON object, not ", env.type_name()));
  }
  lua_State* lua = state.lua;
  lua_pushcfunction(lua, PushEnvironment);
  lua_pushvalue(lua, kEnvMetatableIndex);
  lua_pushlightuserdata(lua, const_cast<Json*>(&env));
  int status = lua_pcall(lua, 2, 1, 0);
  if (status != LUA_OK) {
    std::string message = absl::StrCat("the expression environment cannot be converted to Lua: ",
                                       Sv(StackString(lua, -1)));
    lua_settop(lua, kBaseTop);
    return status == LUA_ERRMEM ? absl::ResourceExhaustedError(message)
                                : absl::InvalidArgumentError(message);
  }
  lua_replace(lua, kEnvIndex);
  return absl::OkStatus();
}

absl::StatusOr<Json> Evaluator::Evaluate(const Program& program) {
  RETURN_IF_ERROR(Run(program));
  lua_State* lua = state_->lua;
  Json result;
  absl::Status status = internal::LuaToJson(lua, -1, state_->json_path, result);
  lua_settop(lua, kBaseTop);
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat(Subject(program),
                                                    " returned a value that cannot be converted "
                                                    "to JSON: ",
                                                    status.message()));
  }
  return result;
}

absl::StatusOr<bool> Evaluator::EvaluateCondition(const Program& program) {
  RETURN_IF_ERROR(Run(program));
  lua_State* lua = state_->lua;
  int type = lua_type(lua, -1);
  bool value = lua_toboolean(lua, -1) != 0;
  lua_settop(lua, kBaseTop);
  if (type == LUA_TNIL) return false;
  if (type == LUA_TBOOLEAN) return value;
  return absl::FailedPreconditionError(
      absl::StrCat(Subject(program), " must be true or false, got a ", lua_typename(lua, type)));
}

absl::Status Evaluator::Run(const Program& program) {
  State& state = *state_;
  if (state.lua == nullptr) return absl::InternalError(state.setup_error);
  lua_State* lua = state.lua;

  if (lua_rawgeti(lua, kCacheIndex, static_cast<lua_Integer>(program.id())) != LUA_TFUNCTION) {
    lua_pop(lua, 1);
    bool reset = state.cached_programs >= kMaxCachedPrograms;
    lua_pushcfunction(lua, LoadIntoCache);
    lua_pushvalue(lua, kCacheIndex);
    lua_pushlightuserdata(lua, const_cast<Program*>(&program));
    lua_pushboolean(lua, reset);
    if (lua_pcall(lua, 3, 2, 0) != LUA_OK) {
      std::string message =
          absl::StrCat(Subject(program), " could not be loaded: ", Sv(StackString(lua, -1)));
      lua_settop(lua, kBaseTop);
      return absl::InternalError(message);
    }
    lua_replace(lua, kCacheIndex);
    state.cached_programs = reset ? 1 : state.cached_programs + 1;
  }
  // Every main chunk has exactly one upvalue, _ENV: point it at the current environment.
  lua_pushvalue(lua, kEnvIndex);
  lua_setupvalue(lua, -2, 1);

  state.limiter.Arm(lua);
  int status = lua_pcall(lua, 0, 1, 0);
  state.limiter.Disarm(lua);
  if (status == LUA_OK) return absl::OkStatus();

  absl::Status error;
  const Limits& limits = state.limiter.limits();
  if (state.limiter.budget_exceeded()) {
    error = absl::ResourceExhaustedError(absl::StrCat(Subject(program),
                                                      " exceeded its instruction budget of ",
                                                      limits.instruction_budget, " instructions"));
  } else if (status == LUA_ERRMEM || state.limiter.memory_exceeded()) {
    error = absl::ResourceExhaustedError(absl::StrCat(
        Subject(program), " exceeded its memory limit of ", FormatBytes(limits.memory_bytes)));
  } else {
    std::string text;
    if (lua_type(lua, -1) != LUA_TSTRING) {
      text = absl::StrCat("error object is a ", luaL_typename(lua, -1), " value");
    } else {
      // "lua:3: attempt to …" → "line 3: attempt to …"
      std::string_view message = StackString(lua, -1);
      int line = 0;
      std::string_view detail;
      text = internal::SplitLuaMessage(message, &line, &detail)
                 ? absl::StrCat("line ", line, ": ", Sv(detail))
                 : std::string(message);
    }
    error = absl::FailedPreconditionError(absl::StrCat(Subject(program), " failed: ", text));
  }
  lua_settop(lua, kBaseTop);
  // A program that hit a limit leaves much garbage behind: collect it before the next one.
  if (error.code() == absl::StatusCode::kResourceExhausted) lua_gc(lua, LUA_GCCOLLECT);
  return error;
}

}  // namespace flowline::expr
