// The release commands as a user runs them (docs/releases.md): deploy into a stage, run live
// cases with a shadow beside them, the shadow report, replay of one run and of a sample, promote
// and rollback.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

// Doubles (or, in another version, triples) an amount.
constexpr char kPaySpec[] = R"yaml(workflow: pay
key: ${{ input.id }}
steps:
  - id: compute
    uses: script
    with: { code: "return { due = input.amount * FACTOR }" }
outputs:
  due: ${{ steps.compute.output.due }}
)yaml";

class ReleaseCommandsTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = dir_.File("flowline.db");
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    return RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddDeployCommand(app, global, exit_code);
          AddRunCommand(app, global, exit_code);
          AddReleaseCommands(app, global, exit_code);
        },
        std::move(args));
  }

  // Writes the pay spec with `factor` and returns its path.
  std::string PaySpec(int factor) {
    const std::string path = dir_.File(absl::StrCat("pay-", factor, ".yaml"));
    std::ofstream(path) << absl::StrReplaceAll(kPaySpec, {{"FACTOR", absl::StrCat(factor)}});
    return path;
  }

  // The version `deploy` printed ("deployed pay version 3fa9c2... as live").
  static std::string DeployedVersion(const CommandResult& deployed) {
    const size_t at = deployed.out.find(" version ");
    return at == std::string::npos ? "" : deployed.out.substr(at + 9, 12);
  }

  std::unique_ptr<store::sqlite::SqliteStore> OpenStore() {
    store::sqlite::SqliteStoreOptions options;
    options.path = dir_.File("flowline.db");
    auto opened = store::sqlite::SqliteStore::Open(options);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  common::TempDir dir_;
};

TEST_F(ReleaseCommandsTest, ShadowRunsBesideLiveAndIsReportedThenPromoted) {
  CommandResult live = Run({"deploy", PaySpec(2)});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_THAT(live.out, HasSubstr("as live"));
  CommandResult shadow = Run({"deploy", PaySpec(3), "--stage", "shadow"});
  ASSERT_EQ(shadow.exit_code, 0) << shadow.err;
  EXPECT_THAT(shadow.out, HasSubstr("as shadow"));

  CommandResult ran = Run({"run", "pay", "--input", R"({"id": "A", "amount": 10})", "--input",
                           R"({"id": "B", "amount": 0})"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  EXPECT_THAT(ran.out, HasSubstr("2 completed"));
  EXPECT_THAT(ran.out, HasSubstr("and 2 shadow copies"));

  // A (20 vs 30) differs; B (0 vs 0) agrees.
  CommandResult report = Run({"shadow", "report", "pay"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("2 cases compared, 1 agree (50.0%)"));
  EXPECT_THAT(report.out, HasSubstr("outputs.due"));
  EXPECT_THAT(report.out, HasSubstr("disagreeing cases"));
  CommandResult json = Run({"shadow", "report", "pay", "--json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  absl::StatusOr<Json> parsed = common::ParseJson(json.out, "shadow report --json");
  ASSERT_TRUE(parsed.ok()) << json.out;
  EXPECT_EQ((*parsed)["pairs"], 2);
  EXPECT_EQ((*parsed)["agreeing"], 1);

  // No gate declared: promotion says so; the shadow goes live, the old live version retires.
  CommandResult promoted = Run({"promote", "pay", DeployedVersion(shadow)});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_THAT(promoted.out, HasSubstr("(shadow) is now live"));
  EXPECT_THAT(promoted.out, HasSubstr("declares no release gate"));
  CommandResult versions = Run({"workflows", "pay"});
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  EXPECT_THAT(versions.out, HasSubstr("retired"));
  CommandResult back = Run({"rollback", "pay", "--reason", "complaints"});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_THAT(back.out, HasSubstr(absl::StrCat("back on version ", DeployedVersion(live))));
}

TEST_F(ReleaseCommandsTest, ReplayFindsNoDifferenceInADeterministicRun) {
  ASSERT_EQ(Run({"deploy", PaySpec(2)}).exit_code, 0);
  CommandResult ran = Run({"run", "pay", "--input", R"({"id": "A", "amount": 10})", "--input",
                           R"({"id": "B", "amount": 4})"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err;
  std::string run_id;
  {
    auto store = OpenStore();
    ASSERT_NE(store, nullptr);
    auto runs = store->ListRuns(store::RunFilter{});
    ASSERT_TRUE(runs.ok()) << runs.status();
    ASSERT_EQ(runs->size(), 2u);
    run_id = (*runs)[0].run_id;
  }
  CommandResult one = Run({"replay", run_id});
  EXPECT_EQ(one.exit_code, 0) << one.out << one.err;
  EXPECT_THAT(one.out, HasSubstr("with no difference"));
  CommandResult sample = Run({"replay", "--sample", "10", "--workflow", "pay"});
  EXPECT_EQ(sample.exit_code, 0) << sample.out << sample.err;
  EXPECT_THAT(sample.out, HasSubstr("replayed 2 finished runs: 2 consistent (100.0%)"));
  // Neither a run nor a sample: a usage error.
  EXPECT_EQ(Run({"replay"}).exit_code, 2);
}

TEST_F(ReleaseCommandsTest, ADraftTakesNoCasesUntilPromoted) {
  CommandResult draft = Run({"deploy", PaySpec(2), "--stage", "draft"});
  ASSERT_EQ(draft.exit_code, 0) << draft.err;
  EXPECT_THAT(draft.out, HasSubstr("flowline promote pay"));
  CommandResult refused = Run({"run", "pay", "--input", R"({"id": "A", "amount": 1})"});
  EXPECT_THAT(refused.err, HasSubstr("has no live version yet"));
  CommandResult promoted = Run({"promote", "pay", DeployedVersion(draft)});
  ASSERT_EQ(promoted.exit_code, 0) << promoted.err;
  EXPECT_THAT(promoted.out, HasSubstr("no live version to compare with"));
  CommandResult force =
      Run({"promote", "pay", DeployedVersion(draft), "--to", "retired", "--force"});
  EXPECT_NE(force.exit_code, 0);
}

}  // namespace
}  // namespace flowline::cli
