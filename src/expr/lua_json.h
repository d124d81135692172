// Private to expr/: converting between JSON values and Lua values.
//
// JSON → Lua: objects become tables, arrays 1-based tables, null nil, integers lua_Integer (an
// unsigned integer above INT64_MAX a float), floats floats, strings strings.
// Lua → JSON: a table whose keys are exactly 1..n becomes an array, any other table (including
// an empty one) an object with its keys converted to strings; integers stay integers. Functions,
// userdata, threads, NaN, infinities, non-UTF-8 strings, keys other than strings and numbers,
// cycles and nesting deeper than kMaxJsonDepth are InvalidArgument.
#pragma once

#include <vector>

#include "absl/status/status.h"
#include "common/json_util.h"

struct lua_State;

namespace flowline::expr::internal {

// Tables nested deeper than this are refused in both directions.
inline constexpr int kMaxJsonDepth = 100;

// Pushes `value` converted to Lua onto lua's stack. Raises a Lua error (longjmp) when the value is
// nested too deep or memory runs out, so it must run inside a protected call; it keeps no C++
// objects with destructors on the stack for that reason.
void PushJson(lua_State* lua, const Json& value);

// Converts the Lua value at stack `index` to JSON into `out`. Never raises a Lua error; may
// leave extra values on lua's stack when it fails (the caller resets the stack). `path` is scratch
// space for cycle detection, passed in so that repeated conversions reuse its allocation.
absl::Status LuaToJson(lua_State* lua, int index, std::vector<const void*>& path, Json& out);

// True if `text` is well-formed UTF-8 (RFC 3629: no overlong forms, surrogates or values past
// U+10FFFF), as JSON serialisation requires.
bool IsValidUtf8(std::string_view text);

}  // namespace flowline::expr::internal
