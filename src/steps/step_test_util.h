// Helpers for the step kinds' tests: preparing a step and matching its ConfigErrors. Test-only.
#pragma once

#include <gmock/gmock.h>

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "steps/step_kind.h"

namespace flowline::steps {

inline void PrintTo(const ConfigError& e, std::ostream* os) {
  *os << "{param: \"" << e.param << "\", message: \"" << e.message << "\", hint: \"" << e.hint
      << "\"}";
}

namespace testing {

struct Prepared {
  std::unique_ptr<PreparedStep> step;
  std::vector<ConfigError> errors;
};

inline Prepared PrepareStep(const StepKind& kind, const Json& with,
                            std::string_view step_id = "step") {
  Prepared out;
  out.step = kind.Prepare(step_id, with, &out.errors);
  return out;
}

// A ConfigError on `param` whose message contains `text`.
MATCHER_P2(ConfigErrorOn, param, text, "") {
  return arg.param == param && arg.message.find(text) != std::string::npos;
}

// The prepared step of `kind` for `with`, which must be valid.
inline std::unique_ptr<PreparedStep> MustPrepare(const StepKind& kind, const Json& with,
                                                 std::string_view step_id = "step") {
  Prepared prepared = PrepareStep(kind, with, step_id);
  EXPECT_THAT(prepared.errors, ::testing::IsEmpty()) << with.dump();
  EXPECT_NE(prepared.step, nullptr);
  return std::move(prepared.step);
}

}  // namespace testing
}  // namespace flowline::steps
