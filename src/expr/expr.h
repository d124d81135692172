// Sandboxed expressions and scripts (Lua 5.4).
//
// Expressions appear in workflow specs as `${{ lua expression }}` (conditions, parameters, the
// business key, outputs); scripts are Lua function bodies (`script` and `check` steps).
//
// Compilation happens once per workflow version: Program holds the source and the Lua bytecode
// and is immutable and shareable across threads. Evaluation happens on an Evaluator, one per
// thread (not thread-safe), which owns a lua_State and caches the functions it has loaded.
//
// The sandbox has no io, os, package/require, load/loadstring/dofile/loadfile, debug,
// collectgarbage, print, string.dump or math.random: an expression can read its environment and
// compute, nothing else. Each evaluation has an instruction budget and a memory cap; exceeding
// either ends that evaluation with ResourceExhausted, and the Evaluator stays usable.
//
// Nothing one evaluation does can affect evaluations in another environment: assigning a global
// is an error (programs use `local`), the libraries are read-only (string, table, math and utf8
// are userdata proxies, so `type(string)` is "userdata"), getmetatable("") is false, and
// setmetatable refuses __gc. A program may modify the tables of its environment; later
// evaluations in the same environment see that. Pattern matching (string.find/match/gmatch/gsub)
// behaves as in Lua 5.4 but charges its backtracking to the instruction budget, so a pathological
// pattern such as ('a'):rep(5000):find('.-.-.-b') fails with ResourceExhausted instead of running
// for minutes in C, where Lua's own matcher is out of the budget's reach.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

struct lua_State;

namespace flowline::expr {

struct Limits {
  // Lua VM instructions one evaluation may execute. Default: 1,000,000 (about 10 ms).
  int64_t instruction_budget = 1'000'000;
  // Bytes one evaluation may allocate beyond what the environment uses. Default: 16 MiB.
  size_t memory_bytes = 16u << 20;
};

// A compiled expression or script. Immutable; thread-safe.
class Program {
 public:
  // Compiles a Lua expression such as `input.total > 1000`. `name` appears in error messages
  // (e.g. "steps.approve.when"). Returns InvalidArgument on a syntax error; the message gives
  // the line and column within `source` (SyntaxErrorPosition() extracts them).
  static absl::StatusOr<std::shared_ptr<const Program>> CompileExpression(std::string_view source,
                                                                          std::string_view name);
  // Compiles a Lua function body (statements ending in `return ...`). Same errors.
  static absl::StatusOr<std::shared_ptr<const Program>> CompileScript(std::string_view source,
                                                                      std::string_view name);

  const std::string& name() const { return name_; }
  const std::string& source() const { return source_; }
  const std::string& bytecode() const { return bytecode_; }
  // True for a program compiled by CompileScript (error messages say "script", not "expression").
  bool is_script() const { return is_script_; }
  // Process-unique id, the Evaluator's cache key.
  uint64_t id() const { return id_; }

 private:
  Program(std::string name, std::string source, std::string bytecode, bool is_script);
  std::string name_;
  std::string source_;
  std::string bytecode_;
  uint64_t id_;
  bool is_script_;
};

// 1-based line and column (in UTF-8 characters) of a syntax error inside a program's source, as
// reported in a status returned by CompileExpression/CompileScript or Template::Compile; {0, 0}
// if the status carries no position. The position travels as a status payload, so it survives
// copying the status but not rebuilding it from its message: read it before wrapping the error.
struct SourcePosition {
  int line = 0;
  int column = 0;
};
SourcePosition SyntaxErrorPosition(const absl::Status& status);

// Runs programs in one sandboxed Lua state. Not thread-safe: use one per thread.
class Evaluator {
 public:
  explicit Evaluator(Limits limits = {});
  ~Evaluator();
  Evaluator(const Evaluator&) = delete;
  Evaluator& operator=(const Evaluator&) = delete;

  // Makes every top-level member of `env` (a JSON object, e.g. {"input":…, "steps":…}) a global
  // for the following evaluations, replacing the previous environment. JSON objects and arrays
  // become Lua tables (arrays 1-based), null becomes nil.
  absl::Status SetEnvironment(const Json& env);

  // Evaluates `program` in the current environment and converts the result to JSON: a table with
  // keys 1..n is an array, any other table an object (an empty table is an empty object),
  // integers stay integers. Errors: FailedPrecondition for a runtime error (message names the
  // program and the Lua error), ResourceExhausted when the instruction budget or memory cap is
  // exceeded, InvalidArgument when the result cannot be represented as JSON (functions, cycles).
  absl::StatusOr<Json> Evaluate(const Program& program);

  // Like Evaluate, but the result must be a boolean (nil counts as false).
  absl::StatusOr<bool> EvaluateCondition(const Program& program);

 private:
  struct State;
  // Runs `program`; on success leaves its result on top of the Lua stack.
  absl::Status Run(const Program& program);
  std::unique_ptr<State> state_;
};

// A spec string that may contain `${{ expression }}` placeholders.
//
// A string that is exactly one placeholder ("${{ input.total }}") evaluates to the expression's
// typed value; a string with text around or between placeholders evaluates to a string with each
// value rendered (strings as-is, numbers without trailing zeros, null as empty, other values as
// JSON); a string with no placeholder is a literal.
class Template {
 public:
  // Errors: InvalidArgument for an unterminated `${{` or a syntax error in an expression; the
  // message names `name`, and SyntaxErrorPosition() gives the 1-based line/column of the error
  // within `text`.
  static absl::StatusOr<Template> Compile(std::string_view text, std::string_view name);

  bool is_literal() const { return parts_.empty() || (parts_.size() == 1 && !parts_[0].program); }
  absl::StatusOr<Json> Evaluate(Evaluator& evaluator) const;

 private:
  struct Part {
    std::string text;                        // literal text, when program is null
    std::shared_ptr<const Program> program;  // an expression
  };
  std::vector<Part> parts_;
  bool single_expression_ = false;
};

// True if `text` contains a `${{` placeholder.
bool HasPlaceholder(std::string_view text);

}  // namespace flowline::expr
