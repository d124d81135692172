// `flowline eval` on a stored dataset as a user runs it: a deployed version's evaluation is kept,
// `eval list | show | compare` read them back, and `eval --gate` exits 1 for a worse candidate,
// 0 for a better one, and 2 for a spec without a gate. The workflow's "extract" is a script step
// (scored with --step) so no model has to be trained.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "CLI/CLI.hpp"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

// The step `fields` answers total = the case's truth, except for the cases listed in WRONG.
constexpr char kSpec[] = R"yaml(
workflow: totals
steps:
  - id: fields
    uses: script
    actor: ai
    with:
      code: |
        local wrong = string.find('WRONG', input.id, 1, true)
        local value = wrong and '0.00' or input.truth
        return { fields = { total_amount = { normalized = value, confidence = 0.95 } } }
release:
  gate:
    dataset: gold
    split: all
    target_accuracy: 0.9
)yaml";

class EvalCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    global_.store_path = dir_.File("flowline.db");
    std::ofstream cases(dir_.File("cases.jsonl"));
    for (int i = 0; i < 20; ++i) {
      const std::string id = (i < 10 ? "c0" : "c") + std::to_string(i);
      const std::string total = std::to_string(10 + i) + ".00";
      cases << Json{{"id", id},
                    {"input", {{"id", id}, {"truth", total}}},
                    {"expected", {{"fields", {{"total_amount", total}}}}}}
                   .dump()
            << "\n";
    }
    cases.close();
    CommandResult r = Run({"dataset", "import", "gold", "--from", dir_.File("cases.jsonl")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  std::string Spec(const std::string& name, const std::string& wrong) {
    std::string spec = kSpec;
    spec.replace(spec.find("WRONG"), 5, wrong);
    std::ofstream(dir_.File(name)) << spec;
    return dir_.File(name);
  }

  CommandResult Run(std::vector<std::string> args) {
    return RunCommands(
        [this](CLI::App& app, int& exit_code) {
          AddEvalCommand(app, global_, exit_code);
          AddDatasetCommand(app, global_, exit_code);
          AddDeployCommand(app, global_, exit_code);
        },
        std::move(args));
  }

  common::TempDir dir_;
  GlobalOptions global_;
};

TEST_F(EvalCommandsTest, ADeployedVersionsEvaluationIsKeptListedShownAndCompared) {
  ASSERT_EQ(Run({"deploy", Spec("live.yaml", "c01")}).exit_code, 0);
  CommandResult r = Run({"eval", "--workflow", "totals", "--dataset", "gold", "--step", "fields",
                         "--json", "--by", "ann"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Json> first = common::ParseJson(r.out, "eval output");
  ASSERT_TRUE(first.ok()) << first.status() << r.out;
  EXPECT_DOUBLE_EQ((*first)["mean_field_accuracy"].get<double>(), 0.95);
  const std::string a = (*first)["evaluation_id"];
  EXPECT_EQ((*first)["subject"]["dataset_version"], 1);

  // A spec file is not kept unless asked.
  r = Run({"eval", "--workflow", Spec("better.yaml", "none"), "--dataset", "gold", "--step",
           "fields", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(common::ParseJson(r.out, "eval")->contains("evaluation_id"));
  r = Run({"eval", "--workflow", dir_.File("better.yaml"), "--dataset", "gold", "--step", "fields",
           "--save", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string b = (*common::ParseJson(r.out, "eval"))["evaluation_id"];

  r = Run({"eval", "list", "--workflow", "totals"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(a));
  EXPECT_THAT(r.out, HasSubstr(b));
  EXPECT_LT(r.out.find(b), r.out.find(a));  // newest first

  r = Run({"eval", "show", a, "--html", dir_.File("a.html")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("by ann"));
  EXPECT_THAT(r.out, HasSubstr("total_amount"));
  std::ifstream html(dir_.File("a.html"));
  std::string page((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, HasSubstr("Failed fields (1)"));

  r = Run({"eval", "compare", a, b, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Json> comparison = common::ParseJson(r.out, "compare");
  ASSERT_TRUE(comparison.ok()) << r.out;
  ASSERT_EQ((*comparison)["wrong_to_right"].size(), 1u);
  EXPECT_EQ((*comparison)["wrong_to_right"][0]["case"], "c01");
  EXPECT_EQ(Run({"eval", "show", "ev-nope"}).exit_code, 1);
}

TEST_F(EvalCommandsTest, GateExitsOneForAWorseCandidateZeroForABetterTwoWithoutAGate) {
  ASSERT_EQ(Run({"deploy", Spec("live.yaml", "c01")}).exit_code, 0);
  CommandResult r =
      Run({"eval", "--gate", "--step", "fields", "--workflow", Spec("worse.yaml", "c01 c02 c03")});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_THAT(r.out, HasSubstr("gate failed: field_accuracy 85.00% vs live 95.00%"));
  EXPECT_THAT(r.out, HasSubstr("FAILED"));
  r = Run({"eval", "--gate", "--step", "fields", "--workflow", Spec("better.yaml", "none")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("gate passed"));
  // The live version's evaluation from the first check is reused.
  EXPECT_THAT(r.out, HasSubstr("stored evaluation"));
  std::string ungated = kSpec;
  ungated.erase(ungated.find("release:"));
  std::ofstream(dir_.File("ungated.yaml")) << ungated;
  r = Run({"eval", "--gate", "--workflow", dir_.File("ungated.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("has no release gate"));
  EXPECT_EQ(Run({"eval", "--gate"}).exit_code, 2);
}

}  // namespace
}  // namespace flowline::cli
