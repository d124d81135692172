// Lua 5.4 pattern matching with a step budget (see lua_patterns.h).
//
// The matcher is a backtracking one, like Lua's, and must stay one: which malformed patterns raise
// an error depends on how far matching gets, and "pattern too complex" on how deeply it nests, so
// only the same search order gives the same results and errors. What differs is that every step
// is counted and the count charged to the budget every kStepsPerCharge steps.
//
// Errors leave these functions by longjmp (Lua is built as C), unwinding the frames below without
// running destructors: everything here is trivially destructible, and results are built in
// luaL_Buffers, which the memory cap also covers.

#include "expr/lua_patterns.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string_view>
#include <type_traits>

#include "expr/limiter.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

namespace flowline::expr::internal {

namespace {

constexpr char kEscape = '%';
constexpr std::string_view kSpecials = "^$*+?.([%-";  // any of these: not a plain search
constexpr int kMaxCaptures = 32;                      // LUA_MAXCAPTURES
constexpr int kMaxDepth = 200;                        // MAXCCALLS of Lua's string library
constexpr ptrdiff_t kUnfinished = -1;                 // capture length: still open
constexpr ptrdiff_t kPosition = -2;                   // capture length: a position capture `()`
constexpr int64_t kStepsPerCharge = 1024;
constexpr int64_t kBytesPerStep = 16;

int64_t BulkSteps(size_t bytes) { return static_cast<int64_t>(bytes / kBytesPerStep); }

// --- Character classes (ASCII: the C locale's <ctype.h>) -------------------------------------

bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsLower(int c) { return c >= 'a' && c <= 'z'; }
bool IsUpper(int c) { return c >= 'A' && c <= 'Z'; }
bool IsAlpha(int c) { return IsLower(c) || IsUpper(c); }
bool IsAlnum(int c) { return IsAlpha(c) || IsDigit(c); }
bool IsGraph(int c) { return c > ' ' && c < 0x7f; }
bool IsControl(int c) { return (c >= 0 && c < ' ') || c == 0x7f; }
bool IsSpace(int c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool IsHexDigit(int c) { return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int ToLower(int c) { return IsUpper(c) ? c - 'A' + 'a' : c; }

// Whether c is in the class that lower-case `letter` names (%a, %d, …): 1 or 0; -1 if it names
// none.
int ClassMembership(int c, int letter) {
  switch (letter) {
    case 'a':
      return IsAlpha(c);
    case 'c':
      return IsControl(c);
    case 'd':
      return IsDigit(c);
    case 'g':
      return IsGraph(c);
    case 'l':
      return IsLower(c);
    case 'p':
      return IsGraph(c) && !IsAlnum(c);
    case 's':
      return IsSpace(c);
    case 'u':
      return IsUpper(c);
    case 'w':
      return IsAlnum(c);
    case 'x':
      return IsHexDigit(c);
    case 'z':  // undocumented since Lua 5.2, but 5.4 still has it
      return c == 0;
    default:
      return -1;
  }
}

// Whether c matches `%letter`: a class, its complement (upper case), or the letter itself.
bool MatchesClass(int c, int letter) {
  int member = ClassMembership(c, ToLower(letter));
  if (member < 0) return c == letter;
  return IsUpper(letter) ? member == 0 : member == 1;
}

int Byte(const char* p) { return static_cast<unsigned char>(*p); }

// --- The matcher -----------------------------------------------------------------------------

struct Capture {
  const char* start;
  ptrdiff_t length;  // or kUnfinished, kPosition
};

class Matcher {
 public:
  void Init(lua_State* lua, const char* subject, size_t subject_length, const char* pattern,
            size_t pattern_length) {
    lua_ = lua;
    subject_ = subject;
    subject_end_ = subject + subject_length;
    pattern_end_ = pattern + pattern_length;
    level_ = 0;
    depth_left_ = kMaxDepth;
    pending_steps_ = 0;
  }
  void set_lua(lua_State* lua) { lua_ = lua; }
  lua_State* lua() const { return lua_; }
  const char* subject_end() const { return subject_end_; }

  // Before each attempt: no captures.
  void Reset() {
    level_ = 0;
    depth_left_ = kMaxDepth;
  }

  // Where a match of the pattern from `p` on, starting at `s`, ends; null if there is none.
  const char* Match(const char* s, const char* p) {
    if (depth_left_-- == 0) luaL_error(lua_, "pattern too complex");
    Steps(1);
    const char* end = MatchFrom(s, p);
    ++depth_left_;
    return end;
  }

  // Pushes the captures of the match s..e (the whole match when there are none, unless s is
  // null); returns how many.
  int PushCaptures(const char* s, const char* e) {
    int count = level_ == 0 && s != nullptr ? 1 : level_;
    luaL_checkstack(lua_, count, "too many captures");
    for (int i = 0; i < count; ++i) PushCapture(i, s, e);
    return count;
  }
  void PushCapture(int i, const char* s, const char* e) {
    const char* start = nullptr;
    ptrdiff_t length = GetCapture(i, s, e, &start);
    if (length != kPosition) lua_pushlstring(lua_, start, static_cast<size_t>(length));
  }
  // Capture i of the match s..e: its length and, in *start, where it starts; for a position
  // capture, pushes the position and returns kPosition. With no captures, capture 0 is the
  // whole match.
  ptrdiff_t GetCapture(int i, const char* s, const char* e, const char** start) {
    if (i >= level_) {
      if (i != 0) luaL_error(lua_, "invalid capture index %%%d", i + 1);
      *start = s;
      return e - s;
    }
    *start = captures_[i].start;
    ptrdiff_t length = captures_[i].length;
    if (length == kUnfinished) luaL_error(lua_, "unfinished capture");
    if (length == kPosition) lua_pushinteger(lua_, captures_[i].start - subject_ + 1);
    return length;
  }

  void Steps(int64_t count) {
    pending_steps_ += count;
    if (pending_steps_ >= kStepsPerCharge) Flush();
  }
  // Charges the steps not charged yet (may raise the budget error).
  void Flush() {
    int64_t count = pending_steps_;
    pending_steps_ = 0;
    Limiter::Charge(lua_, count);
  }

 private:
  // The pattern's byte at p; a NUL past its end, as the terminator of a Lua string would read.
  char At(const char* p) const { return p < pattern_end_ ? *p : '\0'; }

  // Match's body: advances through the pattern for as long as no backtracking point needs a
  // fresh frame.
  const char* MatchFrom(const char* s, const char* p) {
    for (;;) {
      if (p == pattern_end_) return s;
      switch (*p) {
        case '(':
          return At(p + 1) == ')' ? OpenCapture(s, p + 2, kPosition)
                                  : OpenCapture(s, p + 1, kUnfinished);
        case ')':
          return CloseCapture(s, p + 1);
        case '$':
          if (p + 1 == pattern_end_) return s == subject_end_ ? s : nullptr;
          break;  // elsewhere an ordinary character
        case kEscape: {
          char next = At(p + 1);
          if (next == 'b') {
            s = MatchBalanced(s, p + 2);
            if (s == nullptr) return nullptr;
            p += 4;
            continue;
          }
          if (next == 'f') {
            p += 2;
            if (At(p) != '[') luaL_error(lua_, "missing '[' after '%%f' in pattern");
            const char* set_end = ItemEnd(p) - 1;
            int before = s == subject_ ? 0 : Byte(s - 1);
            int current = s < subject_end_ ? Byte(s) : 0;
            if (InSet(before, p, set_end) || !InSet(current, p, set_end)) return nullptr;
            p = set_end + 1;
            continue;
          }
          if (IsDigit(next)) {
            s = MatchBackReference(s, next);
            if (s == nullptr) return nullptr;
            p += 2;
            continue;
          }
          break;  // a class or an escaped character
        }
        default:
          break;
      }
      // A single-character item, perhaps repeated.
      const char* item_end = ItemEnd(p);
      char suffix = At(item_end);
      if (!MatchesOne(s, p, item_end)) {
        if (suffix != '*' && suffix != '?' && suffix != '-') return nullptr;
        p = item_end + 1;  // zero repetitions will do
        continue;
      }
      switch (suffix) {
        case '?':
          if (const char* end = Match(s + 1, item_end + 1)) return end;
          p = item_end + 1;
          continue;
        case '+':
          return Longest(s + 1, p, item_end);
        case '*':
          return Longest(s, p, item_end);
        case '-':
          return Shortest(s, p, item_end);
        default:
          ++s;
          p = item_end;
          continue;
      }
    }
  }

  // Where the single-character item at p ends (its repetition suffix, if any, starts there).
  const char* ItemEnd(const char* p) {
    const char* start = p;
    char first = *p++;
    if (first == kEscape) {
      if (p == pattern_end_) luaL_error(lua_, "malformed pattern (ends with '%%')");
      return p + 1;
    }
    if (first != '[') return p;
    if (At(p) == '^') ++p;
    do {  // the first character of a set is a member even if it is ']'
      if (p == pattern_end_) luaL_error(lua_, "malformed pattern (missing ']')");
      if (*p++ == kEscape && p < pattern_end_) ++p;  // '%]' is a member
    } while (At(p) != ']');
    Steps(BulkSteps(static_cast<size_t>(p - start)));
    return p + 1;
  }

  // Whether the item p..item_end matches the character at s.
  bool MatchesOne(const char* s, const char* p, const char* item_end) {
    Steps(1);
    if (s >= subject_end_) return false;
    int c = Byte(s);
    switch (*p) {
      case '.':
        return true;
      case kEscape:
        return MatchesClass(c, Byte(p + 1));
      case '[':
        return InSet(c, p, item_end - 1);
      default:
        return Byte(p) == c;
    }
  }

  // Whether c is in the set from '[' at p to ']' at set_end.
  bool InSet(int c, const char* p, const char* set_end) {
    Steps(BulkSteps(static_cast<size_t>(set_end - p)));
    bool member = true;
    if (p[1] == '^') {
      member = false;
      ++p;
    }
    while (++p < set_end) {
      if (*p == kEscape) {
        ++p;
        if (MatchesClass(c, Byte(p))) return member;
      } else if (p[1] == '-' && p + 2 < set_end) {
        p += 2;
        if (Byte(p - 2) <= c && c <= Byte(p)) return member;
      } else if (Byte(p) == c) {
        return member;
      }
    }
    return !member;
  }

  // item* (and item+ after its first match): as many as possible, then fewer.
  const char* Longest(const char* s, const char* p, const char* item_end) {
    ptrdiff_t count = 0;
    while (MatchesOne(s + count, p, item_end)) ++count;
    for (; count >= 0; --count) {
      if (const char* end = Match(s + count, item_end + 1)) return end;
    }
    return nullptr;
  }

  // item-: as few as possible, then more.
  const char* Shortest(const char* s, const char* p, const char* item_end) {
    for (;;) {
      if (const char* end = Match(s, item_end + 1)) return end;
      if (!MatchesOne(s, p, item_end)) return nullptr;
      ++s;
    }
  }

  // %bxy at p - 2.
  const char* MatchBalanced(const char* s, const char* p) {
    if (pattern_end_ - p < 2) luaL_error(lua_, "malformed pattern (missing arguments to '%%b')");
    if (s >= subject_end_ || *s != p[0]) return nullptr;
    const char open = p[0];
    const char close = p[1];
    const char* start = s;
    int64_t depth = 1;
    while (++s < subject_end_) {
      if (*s == close) {
        if (--depth == 0) break;
      } else if (*s == open) {
        ++depth;
      }
    }
    Steps(BulkSteps(static_cast<size_t>(s - start)));
    return s < subject_end_ ? s + 1 : nullptr;
  }

  // %1 … %9 (and the invalid %0).
  const char* MatchBackReference(const char* s, char digit) {
    int index = digit - '1';
    if (index < 0 || index >= level_ || captures_[index].length == kUnfinished) {
      luaL_error(lua_, "invalid capture index %%%d", index + 1);
    }
    // A position capture's length, as unsigned, is longer than any subject: no match.
    size_t length = static_cast<size_t>(captures_[index].length);
    if (static_cast<size_t>(subject_end_ - s) < length) return nullptr;
    Steps(BulkSteps(length));
    return std::memcmp(captures_[index].start, s, length) == 0 ? s + length : nullptr;
  }

  const char* OpenCapture(const char* s, const char* p, ptrdiff_t kind) {
    if (level_ >= kMaxCaptures) luaL_error(lua_, "too many captures");
    captures_[level_] = {s, kind};
    ++level_;
    const char* end = Match(s, p);
    if (end == nullptr) --level_;
    return end;
  }

  const char* CloseCapture(const char* s, const char* p) {
    int open = level_ - 1;
    while (open >= 0 && captures_[open].length != kUnfinished) --open;
    if (open < 0) luaL_error(lua_, "invalid pattern capture");
    captures_[open].length = s - captures_[open].start;
    const char* end = Match(s, p);
    if (end == nullptr) captures_[open].length = kUnfinished;
    return end;
  }

  lua_State* lua_;
  const char* subject_;
  const char* subject_end_;
  const char* pattern_end_;
  int level_;  // captures open or closed
  int depth_left_;
  int64_t pending_steps_;  // not yet charged
  Capture captures_[kMaxCaptures];
};
static_assert(std::is_trivially_destructible_v<Matcher>, "errors unwind by longjmp");

// Lua's string positions: 1-based, negative from the end. Returns a 0-based offset, which is
// past the end for positions beyond it.
size_t StartOffset(lua_Integer position, size_t length) {
  if (position > 0) return static_cast<size_t>(position) - 1;
  if (position == 0 || position < -static_cast<lua_Integer>(length)) return 0;
  return length - static_cast<size_t>(-position);
}

bool HasSpecials(const char* pattern, size_t length) {
  return std::string_view(pattern, length).find_first_of(kSpecials) != std::string_view::npos;
}

// find and match.
int Find(lua_State* lua, bool find) {
  size_t subject_length = 0;
  size_t pattern_length = 0;
  const char* subject = luaL_checklstring(lua, 1, &subject_length);
  const char* pattern = luaL_checklstring(lua, 2, &pattern_length);
  size_t offset = StartOffset(luaL_optinteger(lua, 3, 1), subject_length);
  if (offset > subject_length) {
    luaL_pushfail(lua);
    return 1;
  }
  if (find && (lua_toboolean(lua, 4) || !HasSpecials(pattern, pattern_length))) {
    // glibc's memmem runs in linear time; Lua's search is quadratic in the worst case.
    size_t haystack = subject_length - offset;
    Limiter::Charge(lua, 1 + BulkSteps(haystack + pattern_length));
    const void* found = pattern_length == 0
                            ? subject + offset
                            : ::memmem(subject + offset, haystack, pattern, pattern_length);
    if (found == nullptr) {
      luaL_pushfail(lua);
      return 1;
    }
    size_t start = static_cast<size_t>(static_cast<const char*>(found) - subject);
    lua_pushinteger(lua, static_cast<lua_Integer>(start + 1));
    lua_pushinteger(lua, static_cast<lua_Integer>(start + pattern_length));
    return 2;
  }
  bool anchored = pattern_length > 0 && pattern[0] == '^';
  if (anchored) {
    ++pattern;
    --pattern_length;
  }
  Matcher matcher;
  matcher.Init(lua, subject, subject_length, pattern, pattern_length);
  for (const char* start = subject + offset;; ++start) {
    matcher.Reset();
    if (const char* end = matcher.Match(start, pattern)) {
      matcher.Flush();
      if (!find) return matcher.PushCaptures(start, end);
      lua_pushinteger(lua, start - subject + 1);
      lua_pushinteger(lua, end - subject);
      return 2 + matcher.PushCaptures(nullptr, nullptr);
    }
    if (anchored || start >= matcher.subject_end()) break;
  }
  matcher.Flush();
  luaL_pushfail(lua);
  return 1;
}

// --- gmatch ----------------------------------------------------------------------------------

struct GmatchState {
  Matcher matcher;
  const char* subject;
  const char* pattern;
  size_t next;             // offset of the next attempt; past the end when done
  const char* last_match;  // end of the last match: an empty match there does not count
};
static_assert(std::is_trivially_destructible_v<GmatchState>, "a userdata without __gc");

// The iterator; upvalues: subject, pattern (kept alive for the state's pointers), state.
int GmatchNext(lua_State* lua) {
  auto* state = static_cast<GmatchState*>(lua_touserdata(lua, lua_upvalueindex(3)));
  Matcher& matcher = state->matcher;
  matcher.set_lua(lua);
  size_t length = static_cast<size_t>(matcher.subject_end() - state->subject);
  for (; state->next <= length; ++state->next) {
    const char* start = state->subject + state->next;
    matcher.Reset();
    const char* end = matcher.Match(start, state->pattern);
    if (end != nullptr && end != state->last_match) {
      state->next = static_cast<size_t>(end - state->subject);
      state->last_match = end;
      matcher.Flush();
      return matcher.PushCaptures(start, end);
    }
  }
  matcher.Flush();
  return 0;
}

// --- gsub ------------------------------------------------------------------------------------

// Appends the replacement string (argument 3) for the match s..e, expanding %0-%9 and %%.
void AppendExpanded(Matcher& matcher, luaL_Buffer* buffer, const char* s, const char* e) {
  lua_State* lua = matcher.lua();
  size_t length = 0;
  const char* text = lua_tolstring(lua, 3, &length);
  const char* text_end = text + length;
  matcher.Steps(1 + BulkSteps(length));
  while (const void* found = std::memchr(text, kEscape, static_cast<size_t>(text_end - text))) {
    const char* escape = static_cast<const char*>(found);
    luaL_addlstring(buffer, text, static_cast<size_t>(escape - text));
    char next = escape + 1 < text_end ? escape[1] : '\0';
    if (next == kEscape) {
      luaL_addchar(buffer, kEscape);
    } else if (next == '0') {
      luaL_addlstring(buffer, s, static_cast<size_t>(e - s));
    } else if (IsDigit(next)) {
      const char* capture = nullptr;
      ptrdiff_t capture_length = matcher.GetCapture(next - '1', s, e, &capture);
      if (capture_length == kPosition) {
        luaL_addvalue(buffer);  // the position GetCapture pushed
      } else {
        luaL_addlstring(buffer, capture, static_cast<size_t>(capture_length));
      }
    } else {
      luaL_error(lua, "invalid use of '%c' in replacement string", kEscape);
    }
    text = escape + 2;
  }
  luaL_addlstring(buffer, text, static_cast<size_t>(text_end - text));
}

// Appends the replacement for the match s..e; false if it is the match itself because the
// table or function gave nil or false.
bool AppendReplacement(Matcher& matcher, luaL_Buffer* buffer, const char* s, const char* e,
                       int replacement_type) {
  lua_State* lua = matcher.lua();
  if (replacement_type == LUA_TFUNCTION) {
    lua_pushvalue(lua, 3);
    int count = matcher.PushCaptures(s, e);
    lua_call(lua, count, 1);
  } else if (replacement_type == LUA_TTABLE) {
    matcher.PushCapture(0, s, e);
    lua_gettable(lua, 3);
  } else {
    AppendExpanded(matcher, buffer, s, e);
    return true;
  }
  if (!lua_toboolean(lua, -1)) {
    lua_pop(lua, 1);
    luaL_addlstring(buffer, s, static_cast<size_t>(e - s));
    return false;
  }
  if (!lua_isstring(lua, -1)) {
    luaL_error(lua, "invalid replacement value (a %s)", luaL_typename(lua, -1));
  }
  luaL_addvalue(buffer);
  return true;
}

}  // namespace

int PatternFind(lua_State* lua) { return Find(lua, /*find=*/true); }

int PatternMatch(lua_State* lua) { return Find(lua, /*find=*/false); }

int PatternGmatch(lua_State* lua) {
  size_t subject_length = 0;
  size_t pattern_length = 0;
  const char* subject = luaL_checklstring(lua, 1, &subject_length);
  const char* pattern = luaL_checklstring(lua, 2, &pattern_length);
  size_t offset = StartOffset(luaL_optinteger(lua, 3, 1), subject_length);
  lua_settop(lua, 2);
  void* memory = lua_newuserdatauv(lua, sizeof(GmatchState), 0);
  auto* state = new (memory) GmatchState{};
  state->matcher.Init(lua, subject, subject_length, pattern, pattern_length);
  state->subject = subject;
  state->pattern = pattern;
  state->next = offset > subject_length ? subject_length + 1 : offset;
  state->last_match = nullptr;
  lua_pushcclosure(lua, GmatchNext, 3);
  return 1;
}

int PatternGsub(lua_State* lua) {
  size_t subject_length = 0;
  size_t pattern_length = 0;
  const char* subject = luaL_checklstring(lua, 1, &subject_length);
  const char* pattern = luaL_checklstring(lua, 2, &pattern_length);
  int replacement_type = lua_type(lua, 3);
  lua_Integer max_replacements =
      luaL_optinteger(lua, 4, static_cast<lua_Integer>(subject_length + 1));
  luaL_argexpected(lua,
                   replacement_type == LUA_TNUMBER || replacement_type == LUA_TSTRING ||
                       replacement_type == LUA_TFUNCTION || replacement_type == LUA_TTABLE,
                   3, "string/function/table");
  luaL_Buffer buffer;
  luaL_buffinit(lua, &buffer);
  bool anchored = pattern_length > 0 && pattern[0] == '^';
  if (anchored) {
    ++pattern;
    --pattern_length;
  }
  Matcher matcher;
  matcher.Init(lua, subject, subject_length, pattern, pattern_length);
  const char* rest = subject;  // not yet copied or replaced
  const char* last_match = nullptr;
  lua_Integer count = 0;
  bool changed = false;
  while (count < max_replacements) {
    matcher.Reset();
    const char* end = matcher.Match(rest, pattern);
    if (end != nullptr && end != last_match) {
      ++count;
      changed = AppendReplacement(matcher, &buffer, rest, end, replacement_type) || changed;
      rest = last_match = end;
    } else if (rest < matcher.subject_end()) {
      luaL_addchar(&buffer, *rest++);
    } else {
      break;
    }
    if (anchored) break;
  }
  matcher.Flush();
  if (changed) {
    luaL_addlstring(&buffer, rest, static_cast<size_t>(matcher.subject_end() - rest));
    luaL_pushresult(&buffer);
  } else {
    lua_pushvalue(lua, 1);  // the subject itself (a string now, even if it was a number)
  }
  lua_pushinteger(lua, count);
  return 2;
}

}  // namespace flowline::expr::internal
