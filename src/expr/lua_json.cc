#include "expr/lua_json.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr::internal {

namespace {

// Everything here may be unwound by longjmp (a Lua error), so it holds only references, raw
// pointers and trivially destructible iterators: no std::string or other owning objects.
void PushValue(lua_State* lua, const Json& value, int depth) {
  switch (value.type()) {
    case Json::value_t::null:
      lua_pushnil(lua);
      return;
    case Json::value_t::boolean:
      lua_pushboolean(lua, value.get<bool>());
      return;
    case Json::value_t::number_integer:
      lua_pushinteger(lua, value.get<int64_t>());
      return;
    case Json::value_t::number_unsigned: {
      uint64_t number = value.get<uint64_t>();
      if (number <= static_cast<uint64_t>(std::numeric_limits<lua_Integer>::max())) {
        lua_pushinteger(lua, static_cast<lua_Integer>(number));
      } else {
        lua_pushnumber(lua, static_cast<lua_Number>(number));
      }
      return;
    }
    case Json::value_t::number_float:
      lua_pushnumber(lua, value.get<double>());
      return;
    case Json::value_t::string: {
      const std::string& text = value.get_ref<const std::string&>();
      lua_pushlstring(lua, text.data(), text.size());
      return;
    }
    case Json::value_t::array: {
      if (depth > kMaxJsonDepth) luaL_error(lua, "nested deeper than %d levels", kMaxJsonDepth);
      luaL_checkstack(lua, 2, "JSON value too deep");
      const Json::array_t& array = value.get_ref<const Json::array_t&>();
      lua_createtable(lua, static_cast<int>(std::min<size_t>(array.size(), INT32_MAX)), 0);
      lua_Integer index = 0;
      for (const Json& element : array) {
        PushValue(lua, element, depth + 1);
        lua_rawseti(lua, -2, ++index);
      }
      return;
    }
    case Json::value_t::object: {
      if (depth > kMaxJsonDepth) luaL_error(lua, "nested deeper than %d levels", kMaxJsonDepth);
      luaL_checkstack(lua, 3, "JSON value too deep");
      const Json::object_t& object = value.get_ref<const Json::object_t&>();
      lua_createtable(lua, 0, static_cast<int>(std::min<size_t>(object.size(), INT32_MAX)));
      for (const auto& [key, member] : object) {
        lua_pushlstring(lua, key.data(), key.size());
        PushValue(lua, member, depth + 1);
        lua_rawset(lua, -3);
      }
      return;
    }
    case Json::value_t::binary:
    case Json::value_t::discarded:
      break;
  }
  luaL_error(lua, "unsupported JSON value");
}

// Formats a non-integral float key the way Lua's tostring does ("%.14g").
std::string FloatKey(lua_Number number) {
  char buffer[64];
  int size = std::snprintf(buffer, sizeof buffer, "%.14g", number);
  return std::string(buffer, static_cast<size_t>(std::max(size, 0)));
}

absl::Status TableToJson(lua_State* lua, int index, int depth, std::vector<const void*>& path,
                         Json& out);

absl::Status ValueToJson(lua_State* lua, int index, int depth, std::vector<const void*>& path,
                         Json& out) {
  switch (int type = lua_type(lua, index); type) {
    case LUA_TNIL:
      out = nullptr;
      return absl::OkStatus();
    case LUA_TBOOLEAN:
      out = lua_toboolean(lua, index) != 0;
      return absl::OkStatus();
    case LUA_TNUMBER: {
      if (lua_isinteger(lua, index)) {
        out = static_cast<int64_t>(lua_tointeger(lua, index));
        return absl::OkStatus();
      }
      lua_Number number = lua_tonumber(lua, index);
      if (!std::isfinite(number)) {
        return absl::InvalidArgumentError(
            absl::StrCat("it contains the number ", FloatKey(number)));
      }
      out = static_cast<double>(number);
      return absl::OkStatus();
    }
    case LUA_TSTRING: {
      size_t size = 0;
      const char* text = lua_tolstring(lua, index, &size);  // a string: converts nothing
      std::string_view view(text, size);
      if (!IsValidUtf8(view)) {
        return absl::InvalidArgumentError("it contains a string that is not valid UTF-8");
      }
      out = std::string(view);
      return absl::OkStatus();
    }
    case LUA_TTABLE:
      return TableToJson(lua, index, depth, path, out);
    default:
      return absl::InvalidArgumentError(absl::StrCat("it contains a ", lua_typename(lua, type)));
  }
}

absl::Status TableToJson(lua_State* lua, int index, int depth, std::vector<const void*>& path,
                         Json& out) {
  if (depth > kMaxJsonDepth) {
    return absl::InvalidArgumentError(
        absl::StrCat("it nests tables deeper than ", kMaxJsonDepth, " levels"));
  }
  const void* identity = lua_topointer(lua, index);
  if (std::find(path.begin(), path.end(), identity) != path.end()) {
    return absl::InvalidArgumentError("it contains a table that contains itself");
  }
  if (!lua_checkstack(lua, 4)) return absl::ResourceExhaustedError("Lua stack exhausted");
  path.push_back(identity);

  // First pass: is it a sequence 1..n? Keys are counted raw (no metamethods).
  lua_Integer count = 0;
  lua_Integer max_key = 0;
  bool sequence = true;
  lua_pushnil(lua);
  while (lua_next(lua, index) != 0) {
    ++count;
    if (sequence) {
      if (lua_type(lua, -2) == LUA_TNUMBER && lua_isinteger(lua, -2) &&
          lua_tointeger(lua, -2) >= 1) {
        max_key = std::max(max_key, lua_tointeger(lua, -2));
      } else {
        sequence = false;
      }
    }
    lua_pop(lua, 1);
  }

  if (count > 0 && sequence && max_key == count) {
    out = Json::array();
    Json::array_t& array = out.get_ref<Json::array_t&>();
    array.resize(static_cast<size_t>(count));
    for (lua_Integer i = 1; i <= count; ++i) {
      lua_rawgeti(lua, index, i);
      absl::Status status =
          ValueToJson(lua, lua_gettop(lua), depth + 1, path, array[static_cast<size_t>(i - 1)]);
      if (!status.ok()) return status;
      lua_pop(lua, 1);
    }
  } else {
    out = Json::object();
    Json::object_t& object = out.get_ref<Json::object_t&>();
    lua_pushnil(lua);
    while (lua_next(lua, index) != 0) {
      // Never lua_tolstring a number key: it would convert the key in place and break lua_next.
      std::string key;
      switch (int key_type = lua_type(lua, -2); key_type) {
        case LUA_TSTRING: {
          size_t size = 0;
          const char* text = lua_tolstring(lua, -2, &size);
          key.assign(text, size);
          if (!IsValidUtf8(key)) {
            return absl::InvalidArgumentError("it contains a table key that is not valid UTF-8");
          }
          break;
        }
        case LUA_TNUMBER:
          key = lua_isinteger(lua, -2) ? std::to_string(lua_tointeger(lua, -2))
                                       : FloatKey(lua_tonumber(lua, -2));
          break;
        default:
          return absl::InvalidArgumentError(
              absl::StrCat("it contains a table key of type ", lua_typename(lua, key_type),
                           " (only strings and numbers can be keys)"));
      }
      auto [slot, inserted] = object.try_emplace(std::move(key));
      if (!inserted) {
        return absl::InvalidArgumentError(absl::StrCat(
            "it contains a table with two keys that both become \"", slot->first, "\""));
      }
      absl::Status status = ValueToJson(lua, lua_gettop(lua), depth + 1, path, slot->second);
      if (!status.ok()) return status;
      lua_pop(lua, 1);
    }
  }
  path.pop_back();
  return absl::OkStatus();
}

}  // namespace

void PushJson(lua_State* lua, const Json& value) { PushValue(lua, value, 1); }

absl::Status LuaToJson(lua_State* lua, int index, std::vector<const void*>& path, Json& out) {
  path.clear();
  return ValueToJson(lua, lua_absindex(lua, index), 1, path, out);
}

bool IsValidUtf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    unsigned char lead = bytes[i];
    if (lead < 0x80) {
      ++i;
      continue;
    }
    size_t length;
    unsigned char low = 0x80;  // bounds of the second byte, tightened to exclude bad forms
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // overlong
      if (lead == 0xED) high = 0x9F;  // surrogates
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // overlong
      if (lead == 0xF4) high = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (size - i < length) return false;
    if (bytes[i + 1] < low || bytes[i + 1] > high) return false;
    for (size_t k = 2; k < length; ++k) {
      if ((bytes[i + k] & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

}  // namespace flowline::expr::internal
