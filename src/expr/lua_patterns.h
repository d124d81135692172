// Private to expr/: Lua 5.4's pattern-matching string functions, with a step budget.
//
// PatternFind, PatternMatch, PatternGmatch and PatternGsub are string.find, string.match,
// string.gmatch and string.gsub as the Lua 5.4 manual (§6.4.1) defines them: the same classes,
// sets, repetitions, anchors, captures, back-references, %b and %f, the same results and the same
// errors for malformed patterns, raised as lazily as Lua raises them (only once the matcher
// reaches the bad part). Lua's own versions backtrack in C, where the instruction hook never
// fires, so ('a'):rep(3000):find('.-.-.-b') runs for minutes. These charge their work to the
// evaluation's instruction budget (Limiter::Charge), so a runaway pattern ends the evaluation with
// the budget error, which a pcall inside the program cannot swallow (limiter.h).
//
// The unit of work is a step: one call of the matcher (they nest at most 200 deep, beyond which
// the error is "pattern too complex", as in Lua), one single-character test, or 16 bytes of a bulk
// scan (a set, a back-reference, %b, a plain search, a replacement string).
//
// Character classes (%a, %d, …) are ASCII: Lua's in the C locale, which the engine never changes.
// Unlike Lua's they do not depend on the host's locale, so a workflow replays identically anywhere.
//
// Each function is a lua_CFunction for a state with a Limiter attached (Limiter::Attach); outside
// an armed evaluation nothing is charged. Thread-safety: that of the state.
#pragma once

struct lua_State;

namespace flowline::expr::internal {

// string.find(s, pattern [, init [, plain]])
int PatternFind(lua_State* lua);
// string.match(s, pattern [, init])
int PatternMatch(lua_State* lua);
// string.gmatch(s, pattern [, init]); as in Lua 5.4, a leading '^' is an ordinary character here.
int PatternGmatch(lua_State* lua);
// string.gsub(s, pattern, replacement [, n])
int PatternGsub(lua_State* lua);

}  // namespace flowline::expr::internal
