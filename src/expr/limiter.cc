#include "expr/limiter.h"

#include <algorithm>
#include <climits>
#include <cstdlib>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr::internal {

void* Limiter::Allocate(void* limiter, void* block, size_t old_size, size_t new_size) {
  auto* self = static_cast<Limiter*>(limiter);
  if (block == nullptr) old_size = 0;  // Lua passes the object's type here, not a size
  if (new_size == 0) {
    std::free(block);
    self->used_ -= old_size;
    return nullptr;
  }
  if (new_size > old_size) {
    // Shrinking must never fail (Lua's rule); only growth is checked.
    if (self->used_ - old_size + new_size > self->cap_) {
      self->memory_exceeded_ = true;
      return nullptr;
    }
    self->memory_exceeded_ = false;
  }
  void* resized = std::realloc(block, new_size);
  if (resized == nullptr) return nullptr;
  self->used_ = self->used_ - old_size + new_size;
  return resized;
}

void Limiter::Attach(lua_State* lua) { *static_cast<Limiter**>(lua_getextraspace(lua)) = this; }

Limiter& Limiter::Of(lua_State* lua) { return **static_cast<Limiter**>(lua_getextraspace(lua)); }

void Limiter::Arm(lua_State* lua) {
  armed_ = true;
  budget_exceeded_ = false;
  memory_exceeded_ = false;
  budget_left_ = std::max<int64_t>(limits_.instruction_budget, 1);
  hook_count_ = static_cast<int>(std::min<int64_t>(budget_left_, INT_MAX));
  lua_sethook(lua, CountHook, LUA_MASKCOUNT, hook_count_);
  cap_ = SIZE_MAX - used_ > limits_.memory_bytes ? used_ + limits_.memory_bytes : SIZE_MAX;
}

void Limiter::Disarm(lua_State* lua) {
  armed_ = false;
  lua_sethook(lua, nullptr, 0, 0);
  cap_ = SIZE_MAX;
}

void Limiter::CountHook(lua_State* lua, lua_Debug*) {
  Limiter& self = Of(lua);
  self.budget_left_ -= self.hook_count_;
  if (self.budget_left_ <= 0) {
    self.Exhaust(lua);
    return;
  }
  self.hook_count_ = static_cast<int>(std::min<int64_t>(self.budget_left_, INT_MAX));
  lua_sethook(lua, CountHook, LUA_MASKCOUNT, self.hook_count_);
}

void Limiter::Charge(lua_State* lua, int64_t count) {
  Limiter& self = Of(lua);
  if (!self.armed_) return;
  self.budget_left_ -= count;
  if (self.budget_left_ <= 0) self.Exhaust(lua);
}

void Limiter::Exhaust(lua_State* lua) {
  // From now on fail at every instruction, so that a pcall inside the program cannot catch the
  // error and carry on: each enclosing Lua frame fails in turn until the evaluation ends.
  budget_exceeded_ = true;
  hook_count_ = 1;
  lua_sethook(lua, CountHook, LUA_MASKCOUNT, 1);
  luaL_error(lua, "instruction budget exceeded");
}

}  // namespace flowline::expr::internal
