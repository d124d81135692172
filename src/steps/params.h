// Reading a step's `with:` parameters: the one place the kinds in this folder check them.
//
// Prepare() reads parameters as written in the spec, where a "${{ … }}" string stands for a value
// known only at run time ("deferred"); Execute() reads them evaluated by the engine. Both go
// through a ParamReader, so a kind's reading code checks a literal value once at Prepare and an
// evaluated value on every attempt, with the same messages. Problems are collected as
// ConfigErrors whose `param` is the path within `with:` ("rules.1.assert", "auth.token_env"; list
// items by index, as the spec parser records their locations).
//
// Not thread-safe; create one per Prepare/Execute call. It refers to `info` and `with`, which
// must outlive it.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "common/json_util.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class ParamReader {
 public:
  enum class Stage { kPrepare, kExecute };

  // Checks `with` against info.params: it is a mapping (null counts as empty); every name is
  // declared; every required parameter is present and not null; a literal parameter holds no
  // placeholder; every value that is not deferred has its declared type (a kDuration must parse
  // with ParseDuration; a kInteger may be written as 3.0).
  ParamReader(const StepKindInfo& info, const Json& with, Stage stage);
  // `with` is referred to, not copied: a temporary would dangle.
  ParamReader(const StepKindInfo& info, Json&& with, Stage stage) = delete;

  Stage stage() const { return stage_; }

  // The value of parameter `name` when it is present, not null, not deferred and of its
  // declared type; null otherwise (absent, deferred or already reported).
  const Json* Get(std::string_view name) const;
  // True if `name` is present and not null (its value may be deferred).
  bool Has(std::string_view name) const;
  // True if `value` is known only at run time: at kPrepare, a string with a placeholder.
  bool Deferred(const Json& value) const;

  // Typed accessors over Get(); nullopt when Get() is null.
  std::optional<std::string> String(std::string_view name) const;
  std::optional<absl::Duration> Duration(std::string_view name) const;
  std::optional<bool> Bool(std::string_view name) const;

  void Error(std::string param, std::string message, std::string hint = "");
  bool ok() const { return errors_.empty(); }
  const std::vector<ConfigError>& errors() const { return errors_; }
  // Appends the problems to `out` (may be null) and returns ok().
  bool Report(std::vector<ConfigError>* out) const;
  // "invalid parameters: path: message; path: message", for an attempt's Failed outcome.
  std::string Summary() const;

 private:
  const ParamSpec* Spec(std::string_view name) const;
  void CheckValue(const ParamSpec& spec, const Json& value);

  const StepKindInfo& info_;
  const Json& with_;
  Stage stage_;
  std::vector<ConfigError> errors_;
  std::set<std::string, std::less<>> bad_;  // parameters already reported
};

// Whether `value` has `type` (kDuration: a string ParseDuration accepts).
bool HasParamType(const Json& value, ParamType type);

// A short rendering of a JSON value for messages: "\"abc\"", 12, true, a list, a mapping.
std::string DescribeValue(const Json& value);

// The string with at most `max_bytes` bytes, cut at a UTF-8 character boundary, with "…" added
// when it was cut.
std::string Truncate(std::string_view text, size_t max_bytes);

}  // namespace flowline::steps
