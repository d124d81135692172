// `flowline drift check` and `flowline alerts` as a user runs them: exit codes, what they print,
// and what they leave in the store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "monitor/invoice_stream.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

class DriftCommandsTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = db_;
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    return RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddDeployCommand(app, global, exit_code);
          AddDriftCommands(app, global, exit_code);
        },
        std::move(args));
  }

  void Deploy() {
    std::ofstream(dir_.File("scored.yaml")) << monitor::testing::kAmountSpec;
    ASSERT_EQ(Run({"deploy", dir_.File("scored.yaml")}).exit_code, 0);
  }

  // Deploys the spec, then writes 21 days of runs ending now, the last 7 with amounts ×3.
  void Prepare() {
    Deploy();
    store::sqlite::SqliteStoreOptions options;
    options.path = db_;
    auto db = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(db.ok());
    auto workflow = (*db)->GetWorkflow("scored");
    ASSERT_TRUE(workflow.ok());
    ASSERT_TRUE(
        monitor::testing::WriteAmountHistory(**db, workflow->live_version, absl::Now()).ok());
  }

  common::TempDir dir_;
  std::string db_ = dir_.File("flowline.db");
};

TEST_F(DriftCommandsTest, CheckPrintsTheFindingsAndExitsThreeOnDrift) {
  Prepare();
  CommandResult check = Run({"drift", "check", "--workflow", "scored"});
  EXPECT_EQ(check.exit_code, 3) << check.err;
  EXPECT_THAT(check.out, HasSubstr("workflow scored"));
  EXPECT_THAT(check.out, HasSubstr("input.amount"));
  EXPECT_THAT(check.out, HasSubstr("drift: input.amount: PSI"));
  EXPECT_THAT(check.out, HasSubstr("alert opened: alert_"));

  CommandResult json = Run({"drift", "check", "--workflow", "scored", "--json"});
  EXPECT_EQ(json.exit_code, 3);
  absl::StatusOr<Json> report = common::ParseJson(json.out, "the report");
  ASSERT_TRUE(report.ok()) << json.out;
  EXPECT_EQ((*report)["features"][0]["status"], "drift");
  EXPECT_TRUE((*report)["alerts_opened"].empty());  // still the same alert

  CommandResult list = Run({"alerts", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, HasSubstr("input.amount"));
  EXPECT_THAT(list.out, HasSubstr("open"));
  const std::string id = list.out.substr(list.out.find("alert_"), 32);

  CommandResult ack = Run({"alerts", "ack", id, "--by", "ann"});
  EXPECT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_THAT(ack.out, HasSubstr("acknowledged"));
  CommandResult resolve = Run({"alerts", "resolve", id, "--note", "prices rose"});
  EXPECT_EQ(resolve.exit_code, 0) << resolve.err;
  EXPECT_THAT(resolve.out, HasSubstr("resolved"));
  CommandResult again = Run({"alerts", "resolve", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already resolved"));
  EXPECT_THAT(Run({"alerts", "list"}).out, ::testing::Not(HasSubstr(id)));
  EXPECT_THAT(Run({"alerts", "list", "--all"}).out, HasSubstr(id));
}

TEST_F(DriftCommandsTest, NoDriftExitsZeroAndAnUnknownWorkflowFails) {
  Deploy();
  CommandResult young = Run({"drift", "check"});
  EXPECT_EQ(young.exit_code, 0) << young.err;
  EXPECT_THAT(young.out, HasSubstr("warming_up"));
  EXPECT_THAT(young.out, HasSubstr("checks begin at"));
  CommandResult unknown = Run({"drift", "check", "--workflow", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("workflow nope not found"));
}

}  // namespace
}  // namespace flowline::cli
