#include "steps/system_step_kinds.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::steps {
namespace {

TEST(SystemStepKindsTest, RegistersEachKindByNameWithDocumentedParams) {
  StepKindRegistry registry;
  RegisterSystemStepKinds(registry);
  std::vector<std::string> names;
  for (const StepKind* kind : registry.List()) {
    const StepKindInfo& info = kind->Info();
    names.push_back(info.name);
    EXPECT_EQ(registry.Find(info.name), kind);
    EXPECT_FALSE(info.description.empty()) << info.name;
    EXPECT_FALSE(info.actors.empty()) << info.name;
    for (const ParamSpec& param : info.params) {
      EXPECT_FALSE(param.description.empty()) << info.name << "." << param.name;
    }
  }
  EXPECT_THAT(names, ::testing::ElementsAre("script", "check", "switch", "http", "wait", "review",
                                            "sql", "file", "webhook.out", "email"));
}

}  // namespace
}  // namespace flowline::steps
