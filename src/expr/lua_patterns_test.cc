// lua_patterns against Lua 5.4's own string library, and the step budget.
//
// The differential tests run both in one plain Lua state (luaL_openlibs): string.* there is the
// real Lua 5.4, and our functions are the global table `budgeted`. A harness in Lua calls both
// with the same arguments under pcall and compares everything they return (types included) or
// the errors they raise, iterating gmatch to the end and calling gsub with string, table and
// function replacements.

#include "expr/lua_patterns.h"

#include <cstdint>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "expr/limiter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

namespace flowline::expr::internal {
namespace {

using namespace std::literals;
using ::testing::EndsWith;
using ::testing::HasSubstr;

// The harness: a function (mode, subject, pattern, init) → (comparisons, first difference or
// nil). Modes: "basic" (find, plain find, match, gmatch, two gsubs), "init" (find, plain find,
// match and gmatch from `init`), "replace" (gsub with every replacement and limit below).
constexpr const char* kHarness = R"lua(
local real, ours = string, budgeted

local function show(v)
  if type(v) == 'string' then return string.format('%q', v) end
  if type(v) == 'number' then return math.type(v) .. ' ' .. string.format('%.17g', v) end
  return tostring(v)
end

-- "ok v1 v2 …" or "error message"; the function name in argument errors differs (it comes from
-- where the function was found), the rest must not.
local function describe(ok, ...)
  local parts = {ok and 'ok' or 'error'}
  for i = 1, select('#', ...) do
    local v = select(i, ...)
    if not ok and type(v) == 'string' then v = v:gsub("to '[^']*'", "to '?'") end
    parts[#parts + 1] = show(v)
  end
  return table.concat(parts, ' ')
end

local function all_matches(gmatch, s, p, init)
  local ok, iterator = pcall(gmatch, s, p, init)
  if not ok then return describe(false, iterator) end
  local out = {}
  for _ = 1, 200 do
    local r = table.pack(pcall(iterator))
    out[#out + 1] = describe(table.unpack(r, 1, r.n))
    if not r[1] or r[2] == nil then break end
  end
  return table.concat(out, ' | ')
end

local function record(...)  -- a replacement function that shows what it was given
  local t = table.pack(...)
  for i = 1, t.n do t[i] = show(t[i]) end
  return '{' .. table.concat(t, ',') .. '}'
end

local function choosy(c)  -- nil, false, numbers, a table or a string, by capture
  if c == 'a' then return nil elseif c == 'b' then return false
  elseif c == 'c' then return 42 elseif c == 'd' then return 1.5
  elseif c == 'e' then return {} end
  return '<' .. tostring(c) .. '>'
end

local REPLACEMENTS = {
  '<%0>', '%1', '[%1|%2]', '%2', '%%', '%', 'x%', '%z', '', 'x%9', '%0%0%1', 17, 2.5,
  record, choosy,
  {a = 'A', b = false, c = 7, [''] = 'empty', [1] = 'one', [2] = true, x = {}, h = 'H'},
}
local LIMITS = {0, 1, 2, -1, 1.0, 2.5, '2', 'x'}

local function battery(lib, mode, s, p, init)
  local results, labels = {}, {}
  local function add(label, result)
    results[#results + 1] = result
    labels[#labels + 1] = label
  end
  if mode == 'basic' then
    add('find', describe(pcall(lib.find, s, p)))
    add('find plain', describe(pcall(lib.find, s, p, 1, true)))
    add('match', describe(pcall(lib.match, s, p)))
    add('gmatch', all_matches(lib.gmatch, s, p))
    add('gsub <%0>', describe(pcall(lib.gsub, s, p, '<%0>')))
    add('gsub function', describe(pcall(lib.gsub, s, p, record)))
  elseif mode == 'init' then
    add('find', describe(pcall(lib.find, s, p, init)))
    add('find plain', describe(pcall(lib.find, s, p, init, true)))
    add('match', describe(pcall(lib.match, s, p, init)))
    add('gmatch', all_matches(lib.gmatch, s, p, init))
  else
    for i, replacement in ipairs(REPLACEMENTS) do
      for j = 1, #LIMITS + 1 do  -- the +1: no limit argument at all
        local label = 'gsub replacement ' .. i .. ' limit ' .. tostring(LIMITS[j])
        if j == #LIMITS + 1 then
          add(label, describe(pcall(lib.gsub, s, p, replacement)))
        else
          add(label, describe(pcall(lib.gsub, s, p, replacement, LIMITS[j])))
        end
      end
    end
  end
  return results, labels
end

return function(mode, s, p, init)
  local want, labels = battery(real, mode, s, p, init)
  local got = battery(ours, mode, s, p, init)
  for i = 1, #want do
    if want[i] ~= got[i] then
      return #want, string.format('%s on (%q, %q, init %s): Lua gives %s, ours %s',
                                  labels[i], s, p, tostring(init), want[i], got[i])
    end
  end
  return #want
end
)lua";

// Hand-written patterns: every feature, the edges of sets, and malformed patterns.
const std::vector<std::string>& HandWrittenPatterns() {
  static const auto* patterns = new std::vector<std::string>{
      // Characters, repetitions, anchors.
      "", "a", "b", "ab", "abc", "x", ".", "..", "...", ".-", ".*", ".+", ".?", "a*", "a+", "a-",
      "a?", "a-b", "a*b", "a+b", "a?b", "a-$", ".-$", "^", "^$", "$", "^a", "^b", "a$", "b$",
      "^.*$", "^.-$", "^(.-)$", "a$b", "$a", "^^", "a^", "^a^", "^$$", "$$", "*", "+", "-", "?",
      "**", "a**", "a*?", "a-+", "a?+", "x]", "]",
      // Classes.
      "%a+", "%A+", "%c", "%C+", "%d+", "%D+", "%g+", "%G+", "%l+", "%L+", "%p+", "%P+", "%s+",
      "%S+", "%u+", "%U+", "%w+", "%W+", "%x+", "%X+", "%.", "%%", "%z", "%Z", "%q", "%-", "%]",
      "%(", "% ", "%^", "%$",
      // Sets.
      "[abc]", "[^abc]", "[a-c]+", "[^a-c]+", "[]]", "[]a]+", "[^]]+", "[%]]", "[%]a]+", "[]",
      "[^]", "[a-]", "[-a]+", "[a-c-]", "[%a-]", "[%d-z]", "[a%-z]+", "[^%s]+", "[%w_]+", "[%%]",
      "[[]", "[[]+", "[^[]+", "[a-a]", "[c-a]", "[^^]", "[^]^]", "[%^]", "[.]", "[.%.]", "[%s%d]+",
      "[\x80-\xff]+", "[^\x80-\xff]+", "[\xc3\xa9]+", "[%a-%d]", "[a-%%]", "[-]", "[--]", "[---]",
      "[^-]", "[]-a]+", "[%]-a]+", "[^%]]",
      // Captures and back-references.
      "(a)", "(a)(b)", "((a)(b))", "(a*)", "(a-)", "()", "()a()", "(()a)", "(a)()", "(.)%1",
      "(.)(.)%2%1", "(a+)%1", "(%w+) (%1)", "%1", "(a)%2", "(a%1)", "(a)%0", "()%1", "(a)%1?", "(",
      ")", "(a", "a)", "(()", "())", "(a))", "((a)", "(.-)%1$", "(a*(.)%w(%s*))", "^(%w+)=(%w+)$",
      "(%d+)-(%d+)", "%s*(.-)%s*$", "^%s*(.-)%s*$", "%$(%w+)", "%%(%d)", "(h)(e)(l)(l)(o)",
      "([aeiou])", "[^%a%d]", "(h)(e)(l)(l)(o)( )(w)(o)(r)(l)",
      std::string(32, '(') + "." + std::string(32, ')'),
      std::string(33, '(') + "." + std::string(33, ')'),
      // Balance and frontier.
      "%b()", "%b[]", "%bab", "%b", "%b(", "%b((", "%b)(", "%b\"\"", "x%b()y", "(%b())", "%b()*",
      "%f[%w]%w+", "%f[%W]", "%f[%a]", "%f[^%z]", "%f[%z]", "%f", "%fa", "%f[a", "%f[]]",
      "%f[^\x01-\xff]", "%f[\x01-\xff]", ".-%f[%s]", "%f[%a]%a*%f[%A]", "%f[%]%[]",
      // Malformed.
      "a%", "%", "[a", "[", "[^", "[%", "[a%", "[%]", "[^]", "x%b(", "b%",
      // Bytes: UTF-8 and NUL.
      "\xc3\xa9", "\xc3\xa9+", "\xe6\x97\xa5\xe6\x9c\xac", "\0"s, "a\0"s, "[\0-\1]+"s, "%z+",
      ".\0."s, "%b\0\1"s, "[^\0]+"s, "\xc3.", "[\xc3\xa9]", "%f[\xc3]"};
  return *patterns;
}

const std::vector<std::string>& Subjects() {
  static const auto* subjects = new std::vector<std::string>{"",
                                                             "a",
                                                             "b",
                                                             "aaa",
                                                             "ab",
                                                             "abc",
                                                             "aab",
                                                             "abab",
                                                             "ba",
                                                             "hello world",
                                                             "  padded  ",
                                                             "key=value",
                                                             "x=1, y=22, z=333",
                                                             "f(a(b)c)d",
                                                             "((()))",
                                                             "(()",
                                                             "[x]]",
                                                             "a-b--c",
                                                             "%d%%",
                                                             "$100 ^up^",
                                                             "\t\n\v\f\r ",
                                                             "ABC def 123",
                                                             "0x1F aF",
                                                             "h\0ll\0"s,
                                                             "h\xc3\xa9llo w\xc3\xb6rld",
                                                             "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                                                             "\x80\xff\x7f\x01",
                                                             "the (quick) [brown] fox",
                                                             "10.5.3",
                                                             "a.b.c",
                                                             "\"q\" \"\"",
                                                             "a\0b\1c"s,
                                                             "abba baab"};
  return *subjects;
}

// Pattern items, each with every repetition suffix.
std::vector<std::string> GeneratedItems() {
  const std::vector<std::string> items = {
      "a",      "b",     ".",           "%a",    "%d",   "%s",   "%w",   "%p",   "%x",    "%u",
      "%l",     "%c",    "%g",          "%A",    "%D",   "%S",   "%W",   "%.",   "%%",    "[abc]",
      "[^abc]", "[a-c]", "[%d_]",       "[]]",   "[^]]", "[%]]", "[-a]", "[a-]", "[%a-]", "[a%-z]",
      "[^%s]",  "\xc3",  "[\x80-\xff]", "[(%)]", "$",    "^",    "(",    ")"};
  std::vector<std::string> generated;
  for (const std::string& item : items) {
    for (const char* suffix : {"", "*", "+", "-", "?"}) generated.push_back(item + suffix);
  }
  return generated;
}

// A deterministic generator of small random patterns and subjects (std::mt19937's output is
// specified exactly; only its raw output is used).
class RandomCases {
 public:
  std::string Pattern() {
    static const std::vector<std::string> tokens = {
        "a",      "b",      "c", ".", "%a", "%d", "%s", "%w", "%W",   "[ab]", "[^a]", "[a-c]",
        "[%]]",   "*",      "+", "-", "?",  "(",  ")",  "()", "%1",   "%2",   "%b()", "%bab",
        "%f[%w]", "%f[^a]", "^", "$", "%",  "[",  "]",  "%.", "\xc3", "\0"s};
    std::string pattern;
    for (size_t n = Below(7); n > 0; --n) pattern += tokens[Below(tokens.size())];
    return pattern;
  }
  std::string Subject() {
    static constexpr std::string_view kAlphabet = "aaabbbc() [].%$^1\xc3\xa9\0"sv;
    std::string subject;
    for (size_t n = Below(11); n > 0; --n) subject += kAlphabet[Below(kAlphabet.size())];
    return subject;
  }
  std::optional<int64_t> Init() {
    if (Below(2) == 0) return std::nullopt;
    return static_cast<int64_t>(Below(25)) - 12;
  }

 private:
  size_t Below(size_t n) { return static_cast<size_t>(engine_() % n); }
  std::mt19937 engine_{20240611};
};

class LuaPatternsTest : public ::testing::Test {
 protected:
  LuaPatternsTest() {
    lua_ = lua_newstate(Limiter::Allocate, &limiter_);
    limiter_.Attach(lua_);
    luaL_openlibs(lua_);
    static constexpr luaL_Reg kBudgeted[] = {{"find", PatternFind},
                                             {"match", PatternMatch},
                                             {"gmatch", PatternGmatch},
                                             {"gsub", PatternGsub},
                                             {nullptr, nullptr}};
    luaL_newlib(lua_, kBudgeted);
    lua_setglobal(lua_, "budgeted");
    if (luaL_loadstring(lua_, kHarness) != LUA_OK || lua_pcall(lua_, 0, 1, 0) != LUA_OK) {
      ADD_FAILURE() << "harness: " << lua_tostring(lua_, -1);
    }
    compare_ = luaL_ref(lua_, LUA_REGISTRYINDEX);
  }
  ~LuaPatternsTest() override { lua_close(lua_); }

  // Runs the harness; counts comparisons and records the first difference of each case.
  void Compare(const char* mode, std::string_view subject, std::string_view pattern,
               std::optional<int64_t> init = std::nullopt) {
    lua_rawgeti(lua_, LUA_REGISTRYINDEX, compare_);
    lua_pushstring(lua_, mode);
    lua_pushlstring(lua_, subject.data(), subject.size());
    lua_pushlstring(lua_, pattern.data(), pattern.size());
    if (init) {
      lua_pushinteger(lua_, *init);
    } else {
      lua_pushnil(lua_);
    }
    if (lua_pcall(lua_, 4, 2, 0) != LUA_OK) {
      differences_.push_back(std::string("harness failed: ") + lua_tostring(lua_, -1));
      lua_pop(lua_, 1);
      return;
    }
    comparisons_ += lua_tointeger(lua_, -2);
    if (lua_isstring(lua_, -1)) differences_.push_back(lua_tostring(lua_, -1));
    lua_pop(lua_, 2);
  }

  void ExpectNoDifferences(size_t min_comparisons) {
    RecordProperty("comparisons", std::to_string(comparisons_));
    EXPECT_GE(comparisons_, static_cast<int64_t>(min_comparisons));
    EXPECT_TRUE(differences_.empty()) << differences_.size() << " cases differ; the first:\n"
                                      << differences_[0];
    for (size_t i = 1; i < differences_.size() && i < 20; ++i) ADD_FAILURE() << differences_[i];
  }

  // Runs a Lua chunk; returns its error message, or "" if it succeeded.
  std::string Run(const char* code) {
    if (luaL_loadstring(lua_, code) == LUA_OK && lua_pcall(lua_, 0, 0, 0) == LUA_OK) return "";
    std::string message = lua_tostring(lua_, -1);
    lua_pop(lua_, 1);
    return message;
  }

  Limiter limiter_{Limits{.instruction_budget = 100'000}};
  lua_State* lua_ = nullptr;
  int compare_ = LUA_NOREF;
  int64_t comparisons_ = 0;
  std::vector<std::string> differences_;
};

// --- Differential tests ----------------------------------------------------------------------

TEST_F(LuaPatternsTest, HandWrittenPatternsMatchLuaOnEverySubject) {
  for (const std::string& pattern : HandWrittenPatterns()) {
    for (const std::string& subject : Subjects()) Compare("basic", subject, pattern);
  }
  ExpectNoDifferences(6 * HandWrittenPatterns().size() * Subjects().size());
}

TEST_F(LuaPatternsTest, EveryItemWithEveryRepetitionMatchesLua) {
  std::vector<std::string> subjects = Subjects();
  subjects.resize(16);
  for (const std::string& item : GeneratedItems()) {
    for (const std::string& pattern :
         {item, "^" + item, item + "$", "(" + item + ")", "()" + item + "()", "^(" + item + ")$",
          "a" + item + "b", item + item, "%f[%w]" + item}) {
      for (const std::string& subject : subjects) Compare("basic", subject, pattern);
    }
  }
  ExpectNoDifferences(6 * GeneratedItems().size() * 9 * subjects.size());
}

TEST_F(LuaPatternsTest, StartPositionsMatchLua) {
  std::vector<int64_t> inits = {
      std::numeric_limits<int64_t>::min(), -100, -12, -11, -5, -1, 0, 1, 2, 5, 11, 12, 13, 100,
      std::numeric_limits<int64_t>::max()};
  for (const std::string& pattern : HandWrittenPatterns()) {
    for (const char* subject : {"", "hello world", "aaa", "f(a(b)c)d"}) {
      for (int64_t init : inits) Compare("init", subject, pattern, init);
    }
  }
  ExpectNoDifferences(4 * HandWrittenPatterns().size() * 4 * inits.size());
}

TEST_F(LuaPatternsTest, GsubReplacementsAndLimitsMatchLua) {
  for (const char* pattern :
       {"",  "a",  "%w", "%w+", "(%w)", "(%w)(%w)", "()",          "()(a)", "(a*)",   "^a",
        "^", "x*", "a-", "$",   "(h)",  "[bd]",     "(%w+)=(%w+)", "(",     "%f[%w]", "(a)%1"}) {
    for (const char* subject : {"", "abcde", "hello world", "aa ba", "k=v, x=y"}) {
      Compare("replace", subject, pattern);
    }
  }
  ExpectNoDifferences(16 * 9 * 20 * 5);
}

TEST_F(LuaPatternsTest, RandomPatternsMatchLua) {
  RandomCases random;
  for (int i = 0; i < 6000; ++i) {
    std::string pattern = random.Pattern();
    std::string subject = random.Subject();
    Compare("basic", subject, pattern);
    Compare("init", subject, pattern, random.Init());
  }
  ExpectNoDifferences(10 * 6000);
}

TEST_F(LuaPatternsTest, DeepPatternsAreTooComplexAsInLua) {
  // Each a? that matches nests one matcher call; Lua allows 200.
  for (int count : {150, 198, 199, 200, 201, 300}) {
    std::string pattern;
    for (int i = 0; i < count; ++i) pattern += "a?";
    Compare("basic", std::string(count, 'a'), pattern);
    Compare("basic", std::string(count, 'a'), "(" + pattern + ")");
  }
  ExpectNoDifferences(6 * 12);
}

TEST_F(LuaPatternsTest, ArgumentErrorsAndConversionsMatchLua) {
  EXPECT_EQ(Run(R"(
    local cases = {
      {'find', 12345, 3}, {'find', 'abc', 'b', '2'}, {'find', 'abc', 'b', 1.5},
      {'find', 'abc', 'b', 'x'}, {'find', 'abc'}, {'find', nil, 'a'}, {'find', {}, 'a'},
      {'match', 3.25, '%.(%d+)'}, {'gsub', 123, '2', 'x'}, {'gsub', 123, '9', 'x'},
      {'gsub', 'abc', 'b'}, {'gsub', 'abc', 'b', true}, {'gmatch', 'abc'},
      {'gsub', 'abc', '%w', '%1', 2^63}, {'gsub', 'abc', '%w', 'x', -2^63},
    }
    for _, c in ipairs(cases) do
      local function describe(ok, ...)
        local t = table.pack(...)
        for i = 1, t.n do t[i] = (math.type(t[i]) or type(t[i])) .. ':' .. tostring(t[i]) end
        if not ok then t[1] = tostring(select(1, ...)):gsub("to '[^']*'", "to '?'") end
        return tostring(ok) .. ' ' .. table.concat(t, ' ')
      end
      local want = describe(pcall(string[c[1]], table.unpack(c, 2, 5)))
      local got = describe(pcall(budgeted[c[1]], table.unpack(c, 2, 5)))
      if want ~= got then error(c[1] .. ': Lua gives ' .. want .. ', ours ' .. got) end
    end
  )"),
            "");
}

// --- Errors ------------------------------------------------------------------------------------

TEST_F(LuaPatternsTest, MalformedPatternsGiveLuasMessages) {
  struct Case {
    const char* code;
    const char* message;
  };
  for (const Case& c : std::vector<Case>{
           {"budgeted.find('abc', 'a%')", "malformed pattern (ends with '%')"},
           {"budgeted.find('abc', '[a')", "malformed pattern (missing ']')"},
           {"budgeted.find('abc', '%b(')", "malformed pattern (missing arguments to '%b')"},
           {"budgeted.find('abc', '%fa')", "missing '[' after '%f' in pattern"},
           {"budgeted.find('abc', '(a)%2')", "invalid capture index %2"},
           {"budgeted.find('abc', '(a%1)')", "invalid capture index %1"},
           {"budgeted.find('abc', 'a)')", ""},  // no specials: a plain search
           {"budgeted.find('abc', '.)')", "invalid pattern capture"},
           {"budgeted.find('abc', '(a')", "unfinished capture"},
           {"budgeted.gsub('abc', 'a', '%2')", "invalid capture index %2"},
           {"budgeted.gsub('abc', 'a', '%')", "invalid use of '%' in replacement string"},
           {"budgeted.find(('a'):rep(300), ('a?'):rep(300))", "pattern too complex"},
           {"budgeted.find('a', ('('):rep(33))", "too many captures"},
       }) {
    // Lua prefixes the position of the call (here always "[string …]:1: ").
    std::string error = Run(c.code);
    if (*c.message == '\0') {
      EXPECT_EQ(error, "") << c.code;
    } else {
      EXPECT_THAT(error, EndsWith(std::string("]:1: ") + c.message)) << c.code;
    }
  }
  // Like Lua's, the matcher finds a malformed tail only if it gets there.
  EXPECT_EQ(Run("assert(budgeted.find('abc', 'x%') == nil)"), "");
}

// --- The budget ------------------------------------------------------------------------------

TEST_F(LuaPatternsTest, RunawayPatternsExhaustTheBudget) {
  const char* runaway[] = {
      "budgeted.find(('a'):rep(3000), '.-.-.-b')",
      "budgeted.match(('a'):rep(3000), '(.-)(.-)(.-)b')",
      "budgeted.gsub(('a'):rep(3000), '.-.-.-b', '')",
      "for _ in budgeted.gmatch(('a'):rep(3000), '.-.-.-b') do end",
      "budgeted.find(('('):rep(100000), '%b()')",                      // %b scans to the end
      "budgeted.find(('a'):rep(100000), '(a*)%1b')",                   // back-references compare
      "budgeted.find(('a'):rep(1000), '[' .. ('b'):rep(1e5) .. ']')",  // long sets
      "budgeted.gsub(('a'):rep(1e5), '', ('%0'):rep(1e5))",            // long replacement strings
      "budgeted.find(('a'):rep(5e6), 'b', 1, true)",                   // plain searches, too
  };
  for (const char* code : runaway) {
    limiter_.Arm(lua_);
    std::string error = Run(code);
    limiter_.Disarm(lua_);
    EXPECT_THAT(error, HasSubstr("instruction budget exceeded")) << code;
    EXPECT_TRUE(limiter_.budget_exceeded()) << code;
  }
}

TEST_F(LuaPatternsTest, ModestWorkStaysWithinTheBudget) {
  limiter_.Arm(lua_);
  EXPECT_EQ(Run(R"(
    local text = ('word, '):rep(1000)
    local count = select(2, budgeted.gsub(text, '%w+', '%0'))
    assert(count == 1000, count)
    assert(budgeted.find(text, 'missing', 1, true) == nil)
  )"),
            "");
  limiter_.Disarm(lua_);
  EXPECT_FALSE(limiter_.budget_exceeded());
}

TEST_F(LuaPatternsTest, NothingIsChargedOutsideAnEvaluation) {
  EXPECT_EQ(Run("assert(budgeted.find(('a'):rep(100), '.-.-b') == nil)"), "");
  EXPECT_FALSE(limiter_.budget_exceeded());
}

}  // namespace
}  // namespace flowline::expr::internal
