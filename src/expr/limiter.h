// Private to expr/: enforcing an evaluation's Limits on a lua_State.
//
// Memory: the Limiter is the state's allocator (lua_newstate(Limiter::Allocate, &limiter)); it
// counts the bytes Lua holds and, while armed, refuses growth past the usage at Arm() plus
// Limits::memory_bytes. Lua then collects garbage, retries, and raises "not enough memory".
// Instructions: while armed, a count hook spends Limits::instruction_budget and raises an error
// when it runs out. Library functions that loop in C over a length the program controls (see
// sandbox.cc), and the pattern matcher (lua_patterns.h), charge their work with Charge(), since
// the hook only sees Lua instructions.
//
// One Limiter per lua_State; it must outlive the state. Not thread-safe (neither is the state).
#pragma once

#include <cstddef>
#include <cstdint>

#include "expr/expr.h"

struct lua_State;
struct lua_Debug;

namespace flowline::expr::internal {

class Limiter {
 public:
  explicit Limiter(Limits limits) : limits_(limits) {}
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  // The lua_Alloc function; `limiter` is the Limiter.
  static void* Allocate(void* limiter, void* block, size_t old_size, size_t new_size);

  // Makes `lua` find this limiter (in its extra space). Call once, right after lua_newstate.
  void Attach(lua_State* lua);

  // Starts an evaluation's accounting: a fresh budget and a memory cap above current usage.
  void Arm(lua_State* lua);
  // Ends it: no hook, no cap.
  void Disarm(lua_State* lua);

  // Charges `count` instructions of C-library work to the running evaluation. Raises the
  // budget error (a Lua error) if that exhausts the budget; does nothing while disarmed.
  static void Charge(lua_State* lua, int64_t count);

  // Whether the last armed evaluation ran out of instructions / hit the memory cap (an
  // allocation was refused and none has succeeded since).
  bool budget_exceeded() const { return budget_exceeded_; }
  bool memory_exceeded() const { return memory_exceeded_; }
  const Limits& limits() const { return limits_; }

 private:
  static Limiter& Of(lua_State* lua);
  static void CountHook(lua_State* lua, lua_Debug* debug);
  // Sets budget_exceeded_, makes the hook fire at every instruction and raises the error.
  void Exhaust(lua_State* lua);

  Limits limits_;
  bool armed_ = false;
  size_t used_ = 0;        // bytes Lua holds
  size_t cap_ = SIZE_MAX;  // the most it may hold
  bool memory_exceeded_ = false;
  int64_t budget_left_ = 0;  // instructions left, as of the last hook call
  int hook_count_ = 0;       // lua_sethook takes an int: big budgets are spent in rounds
  bool budget_exceeded_ = false;
};

}  // namespace flowline::expr::internal
