// Private to expr/: the library a sandboxed program sees.
//
// OpenSandbox loads Lua's base, string, table, math and utf8 libraries into a fresh state, strips
// what must not be reachable (string.dump, math.random/randomseed, and every base function but
// the safe ones listed in sandbox.cc) and returns the metatable that every environment table gets:
//
//   __index     a table of the allowed globals (never reachable itself)
//   __newindex  raises "assignment to undeclared global": programs use locals, so one evaluation
//               cannot leave state behind for the next
//   __metatable false: getmetatable(_ENV) reveals nothing and setmetatable(_ENV, …) fails
//
// Because an Evaluator's library is shared by every workflow run it serves, no program may
// change it: the libraries are exposed as read-only userdata proxies (`rawset(string, …)` fails,
// unlike on a proxy table), the string metatable is protected (getmetatable("") is false), and
// setmetatable refuses __gc, whose finalisers would run at arbitrary later times outside any
// evaluation's budget. string.rep, table.move, table.insert and table.remove are replaced by
// versions whose C loops cannot outrun the instruction budget (see sandbox.cc), and
// string.find/match/gmatch/gsub by a pattern matcher that charges its steps to the budget
// (lua_patterns.h).
#pragma once

struct lua_State;

namespace flowline::expr::internal {

// A lua_CFunction: call it with lua_pcall(lua, 0, 1, 0) on a new state. Leaves the environment
// metatable on the stack.
int OpenSandbox(lua_State* lua);

}  // namespace flowline::expr::internal
