// Test step kinds for lifecycle/ tests (and EnvironmentTest, a fixture that runs with them): an
// "extract" and a "classify" (and an "llm" that answers as the extract does) that answer what the
// case's input says, so a workflow's evaluation can
// be checked against hand-computed figures without a trained model. Register them with the system
// kinds (script, review, sql, ...).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/json_util.h"
#include "gtest/gtest.h"
#include "lifecycle/workflow_evaluation.h"
#include "steps/step_kind.h"
#include "steps/system_step_kinds.h"

namespace flowline::lifecycle::testing {

// uses: extract, with: { fields: { name: {value, confidence}, ... } } → the extract step's output
// {"fields": {name: {"normalized", "confidence", "evidence": {"text"}}}, "values": {...}}.
// uses: classify, with: { label: x, confidence: c } → {"label", "confidence"}.
class EchoKind final : public steps::StepKind {
 public:
  explicit EchoKind(std::string name) {
    info_.name = std::move(name);
    info_.actors = {steps::Actor::kAi};
    info_.params = {{"fields", steps::ParamType::kAny, false, false, "what extract answers"},
                    {"label", steps::ParamType::kAny, false, false, "what classify answers"},
                    {"confidence", steps::ParamType::kAny, false, false, "its confidence"}};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>(info_.name != "classify");
  }

 private:
  struct Prepared final : steps::PreparedStep {
    explicit Prepared(bool extract) : extract(extract) {}
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      steps::StepOutcome outcome;
      if (!extract) {
        outcome = steps::StepOutcome::Completed(
            Json{{"label", ctx.params->value("label", "")},
                 {"confidence", ctx.params->value("confidence", 0.0)}},
            ctx.params->value("confidence", 0.0));
      } else {
        Json fields = Json::object(), values = Json::object();
        const Json given = ctx.params->value("fields", Json::object());
        for (const auto& [name, field] : given.items()) {
          const Json value = field.value("value", Json(nullptr));
          fields[name] = {{"normalized", value},
                          {"confidence", field.value("confidence", 0.0)},
                          {"evidence", value.is_null() ? Json(nullptr)
                                                       : Json{{"text", "line: " + value.dump()}}}};
          values[name] = value;
        }
        outcome = steps::StepOutcome::Completed(Json{{"fields", fields}, {"values", values}});
      }
      outcome.model = steps::ModelRef{extract ? "echo-fields" : "echo-type", std::string(64, 'e')};
      return outcome;
    }
    bool extract;
  };
  steps::StepKindInfo info_;
};

inline void RegisterTestKinds(steps::StepKindRegistry& registry) {
  steps::RegisterSystemStepKinds(registry);
  registry.Register(std::make_unique<EchoKind>("extract"));
  registry.Register(std::make_unique<EchoKind>("classify"));
  registry.Register(std::make_unique<EchoKind>("llm"));  // answers as extract does
}

// A test whose evaluations run with the test kinds, a fake clock and a seeded random source.
class EnvironmentTest : public ::testing::Test {
 protected:
  EnvironmentTest() {
    RegisterTestKinds(registry_);
    env_.registry = &registry_;
    env_.clock = &clock_;
    env_.random = &random_;
  }

  steps::StepKindRegistry registry_;
  common::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  common::SeededRandom random_{3};
  Environment env_;
};

}  // namespace flowline::lifecycle::testing
