// Program compilation, the sandbox, limits and evaluation.

#include "expr/expr.h"

#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::expr {
namespace {

using ::testing::HasSubstr;

// The value in `result`, recording a test failure (instead of crashing) when there is none.
template <typename T>
T Ok(absl::StatusOr<T> result) {
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? *std::move(result) : T();
}

std::shared_ptr<const Program> Expression(std::string_view source) {
  auto program = Program::CompileExpression(source, "steps.x.when");
  EXPECT_TRUE(program.ok()) << program.status();
  return program.ok() ? *program : nullptr;
}

std::shared_ptr<const Program> Script(std::string_view source) {
  auto program = Program::CompileScript(source, "steps.x.code");
  EXPECT_TRUE(program.ok()) << program.status();
  return program.ok() ? *program : nullptr;
}

absl::StatusOr<Json> Eval(Evaluator& evaluator, std::string_view source) {
  auto program = Program::CompileExpression(source, "steps.x.when");
  if (!program.ok()) return program.status();
  return evaluator.Evaluate(**program);
}

absl::StatusOr<Json> RunScript(Evaluator& evaluator, std::string_view source) {
  auto program = Program::CompileScript(source, "steps.x.code");
  if (!program.ok()) return program.status();
  return evaluator.Evaluate(**program);
}

// --- Compilation and syntax errors ---------------------------------------------------------

TEST(ProgramTest, GivesEachProgramItsOwnId) {
  auto a = Expression("1");
  auto b = Expression("1");
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->id(), b->id());
  EXPECT_EQ(a->source(), "1");
  EXPECT_EQ(a->name(), "steps.x.when");
  EXPECT_FALSE(a->is_script());
  EXPECT_FALSE(a->bytecode().empty());
}

TEST(ProgramTest, ReportsLineAndColumnOfTheOffendingToken) {
  // The second '+' is the error, not the first: the column must point at the right one.
  auto program = Program::CompileExpression("a + + b", "steps.x.when");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(program.status().message(),
              HasSubstr("expression steps.x.when: syntax error at line 1, column 5"));
  SourcePosition position = SyntaxErrorPosition(program.status());
  EXPECT_EQ(position.line, 1);
  EXPECT_EQ(position.column, 5);
}

TEST(ProgramTest, ReportsPositionOnLaterLinesOfAScript) {
  auto program =
      Program::CompileScript("local a = 1\nlocal b = a +\n  local c = 2\nreturn c", "steps.x.code");
  ASSERT_FALSE(program.ok());
  EXPECT_THAT(program.status().message(), HasSubstr("script steps.x.code"));
  SourcePosition position = SyntaxErrorPosition(program.status());
  EXPECT_EQ(position.line, 3);
  EXPECT_EQ(position.column, 3);  // `local`, which cannot start an operand
}

TEST(ProgramTest, CountsColumnsInCharactersNotBytes) {
  auto program = Program::CompileExpression("'é' .. + 1", "e");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(SyntaxErrorPosition(program.status()).column, 8);
}

TEST(ProgramTest, PointsPastTheEndForAnIncompleteExpression) {
  auto program = Program::CompileExpression("(1 + 2", "e");
  ASSERT_FALSE(program.ok());
  SourcePosition position = SyntaxErrorPosition(program.status());
  EXPECT_EQ(position.line, 1);
  EXPECT_EQ(position.column, 7);
}

TEST(ProgramTest, LocatesAnUnfinishedString) {
  auto program = Program::CompileScript("local a = 1\nlocal s = \"abc\nreturn s", "s");
  ASSERT_FALSE(program.ok());
  SourcePosition position = SyntaxErrorPosition(program.status());
  EXPECT_EQ(position.line, 2);
  EXPECT_EQ(position.column, 11);
}

TEST(ProgramTest, RejectsAStatementAsAnExpression) {
  auto program = Program::CompileExpression("x = 1", "steps.x.when");
  ASSERT_FALSE(program.ok());
  EXPECT_EQ(program.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(program.status().message(), HasSubstr("found a statement"));
  EXPECT_THAT(program.status().message(), HasSubstr("'=='"));
  EXPECT_EQ(SyntaxErrorPosition(program.status()).line, 1);

  EXPECT_FALSE(Program::CompileExpression("return 1", "e").ok());
  EXPECT_FALSE(Program::CompileExpression("1; os = nil", "e").ok());
  EXPECT_FALSE(Program::CompileExpression("   ", "e").ok());
}

TEST(ProgramTest, NoPositionForOtherStatuses) {
  SourcePosition position = SyntaxErrorPosition(absl::InvalidArgumentError("line 1, column 2"));
  EXPECT_EQ(position.line, 0);
  EXPECT_EQ(position.column, 0);
}

// --- The sandbox -----------------------------------------------------------------------------

TEST(SandboxTest, ForbiddenGlobalsAreAbsent) {
  Evaluator evaluator;
  for (const char* name :
       {"io", "os", "require", "package", "load", "loadstring", "dofile", "loadfile", "debug",
        "collectgarbage", "print", "warn", "_G", "coroutine", "string.dump", "math.random",
        "math.randomseed", "('').dump"}) {
    auto value = Eval(evaluator, name);
    ASSERT_TRUE(value.ok()) << name << ": " << value.status();
    EXPECT_TRUE(value->is_null()) << name << " is reachable";
  }
}

TEST(SandboxTest, SafeLibrariesWork) {
  Evaluator evaluator;
  EXPECT_EQ(Ok(Eval(evaluator, "('x'):upper()")), "X");
  EXPECT_EQ(Ok(Eval(evaluator, "string.format('%d-%s', 7, 'a')")), "7-a");
  EXPECT_EQ(Ok(Eval(evaluator, "math.max(3, 9)")), 9);
  EXPECT_EQ(Ok(Eval(evaluator, "table.concat({1, 2, 3}, ',')")), "1,2,3");
  EXPECT_EQ(Ok(Eval(evaluator, "utf8.len('héllo')")), 5);
  EXPECT_EQ(Ok(Eval(evaluator, "select('#', 1, 2, 3)")), 3);
  EXPECT_EQ(Ok(Eval(evaluator, "tostring(12) .. type({})")), "12table");
  EXPECT_EQ(Ok(Eval(evaluator, "pcall(error, 'x')")), false);
  EXPECT_EQ(Ok(Eval(evaluator, "getmetatable(setmetatable({}, {__index = {a = 1}})).__index.a")),
            1);
}

TEST(SandboxTest, StringMetatableDoesNotLeadToDump) {
  Evaluator evaluator;
  EXPECT_EQ(Ok(Eval(evaluator, "getmetatable('')")), false);
  auto reach = Eval(evaluator, "getmetatable('').__index.dump");
  ASSERT_FALSE(reach.ok());
  EXPECT_EQ(reach.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SandboxTest, LibrariesCannotBeChangedForLaterEvaluations) {
  Evaluator evaluator;
  for (const char* code :
       {"string.upper = nil", "rawset(string, 'upper', nil)", "math.max = nil",
        "setmetatable(string, nil)", "setmetatable(_ENV, nil)", "getmetatable('').__index = {}"}) {
    EXPECT_FALSE(RunScript(evaluator, code).ok()) << code;
  }
  EXPECT_EQ(Ok(Eval(evaluator, "('x'):upper() .. string.upper('y') .. math.max(1, 2)")), "XY2");
}

TEST(SandboxTest, GlobalAssignmentIsRefused) {
  Evaluator evaluator;
  auto result = RunScript(evaluator, "total = 1\nreturn total");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(),
              HasSubstr("line 1: assignment to undeclared global 'total'"));
  EXPECT_EQ(Ok(RunScript(evaluator, "local total = 1\nreturn total")), 1);
}

TEST(SandboxTest, GcMetamethodsAreRefused) {
  Evaluator evaluator;
  auto result = Eval(evaluator, "setmetatable({}, {__gc = function() end})");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("__gc"));
}

// --- Limits ----------------------------------------------------------------------------------

TEST(LimitsTest, RunawayLoopExhaustsTheBudgetAndTheEvaluatorRecovers) {
  Evaluator evaluator;
  auto result = RunScript(evaluator, "while true do end");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(result.status().message(),
            "script steps.x.code exceeded its instruction budget of 1000000 instructions");
  EXPECT_EQ(Ok(Eval(evaluator, "1 + 1")), 2);
}

TEST(LimitsTest, PcallCannotSwallowTheBudgetError) {
  Evaluator evaluator;
  auto result = RunScript(evaluator, "while true do pcall(function() while true do end end) end");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(Ok(Eval(evaluator, "'still' .. ' usable'")), "still usable");
}

TEST(LimitsTest, HugeStringExhaustsMemory) {
  Evaluator evaluator;
  auto result = Eval(evaluator, "string.rep('x', 1e9)");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(result.status().message(),
            "expression steps.x.when exceeded its memory limit of 16 MiB");
  EXPECT_EQ(Ok(Eval(evaluator, "#string.rep('x', 1000)")), 1000);
}

TEST(LimitsTest, GrowingTableEndsWithAResourceError) {
  Evaluator evaluator;  // default limits: whichever comes first
  auto result = RunScript(evaluator, "local t = {} while true do t[#t + 1] = {} end");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);

  Evaluator small_memory(Limits{.instruction_budget = 1'000'000'000, .memory_bytes = 1 << 20});
  result = RunScript(small_memory, "local t = {} while true do t[#t + 1] = 'row' .. #t end");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(result.status().message(), HasSubstr("memory limit of 1 MiB"));
  EXPECT_EQ(Ok(RunScript(small_memory, "local t = {} for i = 1, 100 do t[i] = i end return #t")),
            100);
}

TEST(LimitsTest, MemoryLimitIsOnTopOfTheEnvironment) {
  // An environment larger than the cap does not count against it.
  Evaluator evaluator(Limits{.memory_bytes = 64 << 10});
  Json env = {{"big", std::string(256 << 10, 'x')}};
  ASSERT_TRUE(evaluator.SetEnvironment(env).ok());
  EXPECT_EQ(Ok(Eval(evaluator, "#big")), 256 << 10);
  auto result = Eval(evaluator, "big .. big");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("memory limit of 64 KiB"));
}

TEST(LimitsTest, LibraryLoopsInCCannotOutrunTheBudget) {
  Evaluator evaluator;
  EXPECT_EQ(Ok(Eval(evaluator, "string.rep('', 1e15) .. ('x'):rep(0) .. ('x'):rep(3, '')")), "xxx");
  for (const char* code :
       {"table.move({}, 1, 1e15, 1)",
        "table.insert(setmetatable({}, {__len = function() return 1e15 end}), 1, 'x')",
        "table.remove(setmetatable({}, {__len = function() return 1e15 end}), 1)"}) {
    auto result = Eval(evaluator, code);
    ASSERT_FALSE(result.ok()) << code;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted) << code;
  }
}

TEST(LimitsTest, RunawayPatternExhaustsTheBudgetAndTheEvaluatorRecovers) {
  // Lua's own matcher backtracks in C for minutes on these; ours charges every step.
  Evaluator evaluator;
  for (const char* code : {
           "return ('a'):rep(3000):find('.-.-.-b')",
           "return string.match(('a'):rep(3000), '(.-)(.-)(.-)b')",
           "return (('a'):rep(3000):gsub('.-.-.-b', 'x'))",
           "for _ in ('a'):rep(3000):gmatch('.-.-.-b') do end",
           "while true do pcall(string.find, ('a'):rep(3000), '.-.-.-b') end",
           "local ok = pcall(string.find, ('a'):rep(3000), '.-.-.-b') return 'swallowed'",
       }) {
    auto result = RunScript(evaluator, code);
    ASSERT_FALSE(result.ok()) << code;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kResourceExhausted) << code;
    EXPECT_EQ(result.status().message(),
              "script steps.x.code exceeded its instruction budget of 1000000 instructions")
        << code;
    EXPECT_EQ(Ok(Eval(evaluator, "('key=value'):match('^(%w+)=')")), "key");
  }
}

TEST(SandboxTest, PatternFunctionsBehaveAsInLua) {
  Evaluator evaluator;
  auto result = RunScript(evaluator, R"lua(
    local words = {}
    for word in ('one two  three'):gmatch('%a+') do words[#words + 1] = word end
    local swapped, count = string.gsub('k=v, a=b', '(%w+)=(%w+)', '%2=%1')
    return {
      words = words, swapped = swapped, count = count,
      found = {('hello world'):find('o w')},
      plain = {string.find('a.b', '.', 1, true)},
      balanced = ('f(a(b)c)d'):match('%b()'),
      upper = (('hi there'):gsub('%f[%a]%a', string.upper)),
      mapped = (('$x and $y'):gsub('%$(%w+)', {x = 1, y = 'two'})),
    }
  )lua");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Json::parse(R"json({"words": ["one", "two", "three"], "swapped": "v=k, b=a",
                                     "count": 2, "found": [5, 7], "plain": [2, 2],
                                     "balanced": "(a(b)c)", "upper": "Hi There",
                                     "mapped": "1 and two"})json"));
}

TEST(SandboxTest, MalformedPatternIsARuntimeErrorWithLuasMessage) {
  Evaluator evaluator;
  auto result = Eval(evaluator, "('abc'):find('[a')");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(),
            "expression steps.x.when failed: line 1: malformed pattern (missing ']')");
  result = Eval(evaluator, "('abc'):gsub('b', '%2')");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("invalid capture index %2"));
}

TEST(LimitsTest, ReplacedTableFunctionsKeepTheirMeaning) {
  Evaluator evaluator;
  auto result = RunScript(evaluator, R"(
    local t = {1, 2, 3}
    table.insert(t, 1, 0)
    table.insert(t, 9)
    local removed = table.remove(t, 2)
    local last = table.remove(t)
    local moved = table.move({7, 8}, 1, 2, 2, {6})
    return {t = t, removed = removed, last = last, moved = moved, none = table.remove({})}
  )");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Json::parse(R"({"t": [0, 2, 3], "removed": 1, "last": 9,
                                     "moved": [6, 7, 8]})"));
  EXPECT_FALSE(RunScript(evaluator, "table.insert({}, 5, 'x')").ok());  // out of bounds
}

TEST(LimitsTest, BudgetCountsInstructions) {
  Evaluator evaluator(Limits{.instruction_budget = 1000});
  EXPECT_TRUE(RunScript(evaluator, "local n = 0 for i = 1, 10 do n = n + i end return n").ok());
  auto result = RunScript(evaluator, "local n = 0 for i = 1, 10000 do n = n + i end return n");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("instruction budget of 1000 instructions"));
}

// --- Evaluation ------------------------------------------------------------------------------

TEST(EvaluatorTest, ReadsTheEnvironment) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"input", {{"total", 1500}, {"tags", {"a", "b"}}}}}).ok());
  EXPECT_EQ(Ok(Eval(evaluator, "input.total > 1000")), true);
  EXPECT_EQ(Ok(Eval(evaluator, "input.tags[2]")), "b");
  EXPECT_EQ(Ok(Eval(evaluator, "#input.tags")), 2);
}

TEST(EvaluatorTest, EnvironmentMustBeAnObject) {
  Evaluator evaluator;
  EXPECT_EQ(evaluator.SetEnvironment(Json::array()).code(), absl::StatusCode::kInvalidArgument);
}

TEST(EvaluatorTest, CachedProgramSeesEachNewEnvironment) {
  Evaluator evaluator;
  auto program = Expression("input.n * 2");
  ASSERT_TRUE(program);
  for (int n = 0; n < 100; ++n) {
    ASSERT_TRUE(evaluator.SetEnvironment({{"input", {{"n", n}}}}).ok());
    EXPECT_EQ(Ok(evaluator.Evaluate(*program)), n * 2);
    EXPECT_EQ(Ok(evaluator.Evaluate(*program)), n * 2);  // several evaluations, one environment
  }
}

TEST(EvaluatorTest, ScriptsAreFunctionBodies) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"input", {{"items", {1, 2, 3}}}}}).ok());
  auto result = RunScript(evaluator, R"(
    local sum = 0
    for _, v in ipairs(input.items) do sum = sum + v end
    return {sum = sum, count = #input.items}
  )");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(*result, Json({{"sum", 6}, {"count", 3}}));
  EXPECT_TRUE(Ok(RunScript(evaluator, "local x = 1")).is_null());  // no return: null
}

TEST(EvaluatorTest, RuntimeErrorNamesTheProgramAndLine) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"steps", Json::object()}}).ok());
  auto result = Eval(evaluator, "steps.x.output.y");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(result.status().message(),
              HasSubstr("expression steps.x.when failed: line 1: attempt to index a nil value"));

  result = RunScript(evaluator, "local a = 1\nerror('bad input')");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(), "script steps.x.code failed: line 2: bad input");

  result = RunScript(evaluator, "error({code = 1})");
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("error object is a table value"));
}

TEST(EvaluatorTest, UnconvertibleResultIsInvalidArgument) {
  Evaluator evaluator;
  auto result = Eval(evaluator, "function() end");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("expression steps.x.when returned a value that cannot be converted to "
                        "JSON: it contains a function"));
}

TEST(EvaluatorTest, ConditionMustBeBoolean) {
  Evaluator evaluator;
  ASSERT_TRUE(evaluator.SetEnvironment({{"input", {{"total", 5}}}}).ok());
  EXPECT_EQ(Ok(evaluator.EvaluateCondition(*Expression("input.total > 1"))), true);
  EXPECT_EQ(Ok(evaluator.EvaluateCondition(*Expression("input.total > 10"))), false);
  EXPECT_EQ(Ok(evaluator.EvaluateCondition(*Expression("input.missing"))), false);  // nil

  auto result = evaluator.EvaluateCondition(*Expression("input.total"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.status().message(),
            "expression steps.x.when must be true or false, got a number");
  result = evaluator.EvaluateCondition(*Expression("'yes'"));
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(result.status().message(), HasSubstr("got a string"));
}

TEST(EvaluatorTest, EvaluatorsOnTwoThreadsRunTheSamePrograms) {
  auto program = Expression("input.n + input.offset");
  auto script = Script("local s = 0 for i = 1, input.n do s = s + i end return s");
  ASSERT_TRUE(program && script);
  auto work = [&](int offset, int* failures) {
    Evaluator evaluator;
    for (int n = 0; n < 500; ++n) {
      if (!evaluator.SetEnvironment({{"input", {{"n", n}, {"offset", offset}}}}).ok() ||
          Ok(evaluator.Evaluate(*program)) != n + offset ||
          Ok(evaluator.Evaluate(*script)) != n * (n + 1) / 2) {
        ++*failures;
      }
    }
  };
  int failures_a = 0;
  int failures_b = 0;
  std::thread a(work, 1000, &failures_a);
  std::thread b(work, 2000, &failures_b);
  a.join();
  b.join();
  EXPECT_EQ(failures_a, 0);
  EXPECT_EQ(failures_b, 0);
}

}  // namespace
}  // namespace flowline::expr
