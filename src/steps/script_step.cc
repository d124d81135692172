#include "steps/script_step.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

class PreparedScript final : public PreparedStep {
 public:
  explicit PreparedScript(std::shared_ptr<const expr::Program> program)
      : program_(std::move(program)) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    if (ctx.evaluator == nullptr) return StepOutcome::Failed("internal: no evaluator in context");
    absl::StatusOr<Json> result = ctx.evaluator->Evaluate(*program_);
    if (!result.ok()) {
      // Runtime errors, budget or memory exhaustion and unrepresentable results are all
      // properties of this code on this input: retrying would fail the same way.
      return StepOutcome::Failed(std::string(result.status().message()));
    }
    if (result->is_object()) return StepOutcome::Completed(*std::move(result));
    return StepOutcome::Completed(Json{{"value", *std::move(result)}});
  }

 private:
  std::shared_ptr<const expr::Program> program_;
};

}  // namespace

ScriptStep::ScriptStep() {
  info_.name = "script";
  info_.description =
      "Runs a Lua function body over the run data (input, steps, run) and returns its result.";
  info_.actors = {Actor::kSystem, Actor::kAi};
  info_.params = {
      {"code", ParamType::kString, true, true,
       "a Lua function body ending in `return ...`; reads input, steps and run directly"},
  };
}

std::unique_ptr<PreparedStep> ScriptStep::Prepare(std::string_view step_id, const Json& with,
                                                  std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  std::shared_ptr<const expr::Program> program;
  if (std::optional<std::string> code = r.String("code")) {
    absl::StatusOr<std::shared_ptr<const expr::Program>> compiled =
        expr::Program::CompileScript(*code, absl::StrCat("steps.", Sv(step_id), ".with.code"));
    if (compiled.ok()) {
      program = *std::move(compiled);
    } else {
      r.Error("code", std::string(compiled.status().message()),
              "fix the Lua syntax; the position is within the code");
    }
  }
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedScript>(std::move(program));
}

}  // namespace flowline::steps
