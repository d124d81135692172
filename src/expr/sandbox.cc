#include "expr/sandbox.h"

#include <cstdint>
#include <limits>

#include "expr/limiter.h"
#include "expr/lua_patterns.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace flowline::expr::internal {

namespace {

// Base functions a program may call. Left out: load, loadstring, dofile, loadfile, require,
// collectgarbage, print, warn and _G (which would expose the mutable globals table).
constexpr const char* kSafeBaseFunctions[] = {
    "assert",   "error",    "getmetatable", "ipairs", "next",     "pairs",
    "pcall",    "rawequal", "rawget",       "rawlen", "rawset",   "select",
    "tonumber", "tostring", "type",         "xpcall", "_VERSION",
};

struct Library {
  const char* name;
  lua_CFunction open;
};
constexpr Library kLibraries[] = {
    {LUA_GNAME, luaopen_base},       {LUA_STRLIBNAME, luaopen_string},
    {LUA_TABLIBNAME, luaopen_table}, {LUA_MATHLIBNAME, luaopen_math},
    {LUA_UTF8LIBNAME, luaopen_utf8},
};
// Libraries exposed to programs (through read-only proxies).
constexpr const char* kExposedLibraries[] = {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME,
                                             LUA_UTF8LIBNAME};

// setmetatable as in lbaselib.c, but refusing __gc (see sandbox.h).
int SafeSetmetatable(lua_State* lua) {
  int type = lua_type(lua, 2);
  luaL_checktype(lua, 1, LUA_TTABLE);
  luaL_argexpected(lua, type == LUA_TNIL || type == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(lua, 1, "__metatable") != LUA_TNIL) {
    return luaL_error(lua, "cannot change a protected metatable");
  }
  if (type == LUA_TTABLE) {
    lua_pushliteral(lua, "__gc");
    if (lua_rawget(lua, 2) != LUA_TNIL) {
      return luaL_error(lua, "__gc metamethods are not allowed in expressions and scripts");
    }
    lua_pop(lua, 1);
  }
  lua_settop(lua, 2);
  lua_setmetatable(lua, 1);
  return 1;
}

// __newindex of environments: upvalue-free, the key is argument 2.
int RefuseGlobalAssignment(lua_State* lua) {
  if (lua_type(lua, 2) == LUA_TSTRING) {
    return luaL_error(lua, "assignment to undeclared global '%s' (declare it with 'local')",
                      lua_tostring(lua, 2));
  }
  return luaL_error(lua, "assignment to undeclared global (declare it with 'local')");
}

// __newindex of library proxies: upvalue 1 is the library's name.
int RefuseLibraryChange(lua_State* lua) {
  return luaL_error(lua, "the %s library is read-only", lua_tostring(lua, lua_upvalueindex(1)));
}

// --- Library functions that loop in C over a length the program chooses -------------------
//
// The instruction hook never fires inside C code, so `table.move({}, 1, 1e15, 1)` or
// `string.rep('', 1e15)` would run for hours within one "instruction". These versions charge the
// loop to the budget first (or skip it when it produces nothing).

// high - low, or 0 if high <= low; computed without overflow.
int64_t Distance(lua_Integer low, lua_Integer high) {
  if (high <= low) return 0;
  lua_Unsigned distance = static_cast<lua_Unsigned>(high) - static_cast<lua_Unsigned>(low);
  return distance > static_cast<lua_Unsigned>(std::numeric_limits<int64_t>::max())
             ? std::numeric_limits<int64_t>::max()
             : static_cast<int64_t>(distance);
}

// Calls upvalue 1 (the original function) with this call's arguments.
int CallOriginal(lua_State* lua) {
  lua_pushvalue(lua, lua_upvalueindex(1));
  lua_insert(lua, 1);
  lua_call(lua, lua_gettop(lua) - 1, LUA_MULTRET);
  return lua_gettop(lua);
}

// string.rep: a repeated empty string costs no memory, so the memory cap does not bound it.
int StringRep(lua_State* lua) {
  size_t length = 0;
  size_t separator = 0;
  luaL_checklstring(lua, 1, &length);
  lua_Integer count = luaL_checkinteger(lua, 2);
  luaL_optlstring(lua, 3, "", &separator);
  if (count <= 0 || length + separator == 0) {
    lua_pushliteral(lua, "");
    return 1;
  }
  return CallOriginal(lua);
}

// table.move(a1, f, e, t [, a2]): moving nils allocates nothing.
int TableMove(lua_State* lua) {
  Limiter::Charge(lua, Distance(luaL_checkinteger(lua, 2), luaL_checkinteger(lua, 3)));
  return CallOriginal(lua);
}

// table.insert and table.remove as in ltablib.c (tables only), charging the elements they shift:
// a __len metamethod can claim any length.
int TableInsert(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_Integer end = luaL_len(lua, 1);
  end = static_cast<lua_Integer>(static_cast<lua_Unsigned>(end) + 1u);  // first empty slot
  lua_Integer position = end;
  switch (lua_gettop(lua)) {
    case 2:
      break;
    case 3: {
      position = luaL_checkinteger(lua, 2);
      luaL_argcheck(lua, static_cast<lua_Unsigned>(position) - 1u < static_cast<lua_Unsigned>(end),
                    2, "position out of bounds");
      Limiter::Charge(lua, Distance(position, end));
      for (lua_Integer i = end; i > position; --i) {
        lua_geti(lua, 1, i - 1);
        lua_seti(lua, 1, i);
      }
      break;
    }
    default:
      return luaL_error(lua, "wrong number of arguments to 'insert'");
  }
  lua_seti(lua, 1, position);
  return 0;
}

int TableRemove(lua_State* lua) {
  luaL_checktype(lua, 1, LUA_TTABLE);
  lua_Integer size = luaL_len(lua, 1);
  lua_Integer position = luaL_optinteger(lua, 2, size);
  if (position != size) {
    luaL_argcheck(lua, static_cast<lua_Unsigned>(position) - 1u <= static_cast<lua_Unsigned>(size),
                  2, "position out of bounds");
  }
  Limiter::Charge(lua, Distance(position, size));
  lua_geti(lua, 1, position);
  for (; position < size; ++position) {
    lua_geti(lua, 1, position + 1);
    lua_seti(lua, 1, position);
  }
  lua_pushnil(lua);
  lua_seti(lua, 1, position);
  return 1;
}

void Replace(lua_State* lua, const char* table, const char* field, lua_CFunction function,
             bool wraps_original) {
  lua_getglobal(lua, table);
  if (wraps_original) {
    lua_getfield(lua, -1, field);
    lua_pushcclosure(lua, function, 1);
  } else {
    lua_pushcfunction(lua, function);
  }
  lua_setfield(lua, -2, field);
  lua_pop(lua, 1);
}

void RemoveField(lua_State* lua, const char* table, const char* field) {
  lua_getglobal(lua, table);
  lua_pushnil(lua);
  lua_setfield(lua, -2, field);
  lua_pop(lua, 1);
}

// Pushes a zero-size userdata whose metatable reads from the global library `name`.
void PushLibraryProxy(lua_State* lua, const char* name) {
  lua_newuserdatauv(lua, 0, 0);
  lua_createtable(lua, 0, 3);
  lua_getglobal(lua, name);
  lua_setfield(lua, -2, "__index");
  lua_pushstring(lua, name);
  lua_pushcclosure(lua, RefuseLibraryChange, 1);
  lua_setfield(lua, -2, "__newindex");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_setmetatable(lua, -2);
}

}  // namespace

int OpenSandbox(lua_State* lua) {
  for (const Library& library : kLibraries) {
    luaL_requiref(lua, library.name, library.open, /*glb=*/1);
    lua_pop(lua, 1);
  }
  RemoveField(lua, LUA_STRLIBNAME, "dump");
  RemoveField(lua, LUA_MATHLIBNAME, "random");
  RemoveField(lua, LUA_MATHLIBNAME, "randomseed");
  Replace(lua, LUA_STRLIBNAME, "rep", StringRep, /*wraps_original=*/true);
  Replace(lua, LUA_TABLIBNAME, "move", TableMove, /*wraps_original=*/true);
  Replace(lua, LUA_TABLIBNAME, "insert", TableInsert, /*wraps_original=*/false);
  Replace(lua, LUA_TABLIBNAME, "remove", TableRemove, /*wraps_original=*/false);
  // Lua's pattern matching backtracks in C, out of the hook's sight: see lua_patterns.h.
  Replace(lua, LUA_STRLIBNAME, "find", PatternFind, /*wraps_original=*/false);
  Replace(lua, LUA_STRLIBNAME, "match", PatternMatch, /*wraps_original=*/false);
  Replace(lua, LUA_STRLIBNAME, "gmatch", PatternGmatch, /*wraps_original=*/false);
  Replace(lua, LUA_STRLIBNAME, "gsub", PatternGsub, /*wraps_original=*/false);

  // Strings index the real string table (now without dump) for `s:upper()`; protecting the
  // metatable keeps programs from reaching or replacing it.
  lua_pushliteral(lua, "");
  lua_getmetatable(lua, -1);
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  lua_pop(lua, 2);

  lua_createtable(lua, 0, 24);  // the allowed globals
  for (const char* name : kSafeBaseFunctions) {
    lua_getglobal(lua, name);
    lua_setfield(lua, -2, name);
  }
  lua_pushcfunction(lua, SafeSetmetatable);
  lua_setfield(lua, -2, "setmetatable");
  for (const char* name : kExposedLibraries) {
    PushLibraryProxy(lua, name);
    lua_setfield(lua, -2, name);
  }

  lua_createtable(lua, 0, 3);  // the environment metatable
  lua_insert(lua, -2);
  lua_setfield(lua, -2, "__index");
  lua_pushcfunction(lua, RefuseGlobalAssignment);
  lua_setfield(lua, -2, "__newindex");
  lua_pushboolean(lua, 0);
  lua_setfield(lua, -2, "__metatable");
  return 1;
}

}  // namespace flowline::expr::internal
