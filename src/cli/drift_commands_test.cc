// `flowline drift check` and `flowline alerts` as a user runs them: exit codes, what they print,
// and what they leave in the store.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kSpec[] = R"(workflow: scored
input:
  schema:
    type: object
    properties:
      amount: { type: number }
steps:
  - id: noop
    uses: script
    with: { code: "return {}" }
monitor:
  thresholds: { min_samples: 50 }
)";

struct Result {
  int exit_code = 0;
  std::string out;
  std::string err;
};

class DriftCommandsTest : public ::testing::Test {
 protected:
  Result Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = db_;
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    CLI::App app{"flowline"};
    app.require_subcommand(1);
    Result result;
    AddDeployCommand(app, global, result.exit_code);
    AddDriftCommands(app, global, result.exit_code);
    std::reverse(args.begin(), args.end());
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    try {
      app.parse(args);
    } catch (const CLI::ParseError& e) {
      result.exit_code = app.exit(e);
    }
    result.out = ::testing::internal::GetCapturedStdout();
    result.err = ::testing::internal::GetCapturedStderr();
    return result;
  }

  // Deploys the spec, then writes 21 days of runs ending now, the last 7 with amounts ×3.
  void Prepare() {
    std::ofstream(dir_.File("scored.yaml")) << kSpec;
    ASSERT_EQ(Run({"deploy", dir_.File("scored.yaml")}).exit_code, 0);
    store::sqlite::SqliteStoreOptions options;
    options.path = db_;
    auto db = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(db.ok());
    auto workflow = (*db)->GetWorkflow("scored");
    ASSERT_TRUE(workflow.ok());
    std::mt19937_64 rng(5);
    std::lognormal_distribution<double> amounts(std::log(200), 0.4);
    const absl::Time now = absl::Now();
    for (int day = 21; day >= 1; --day) {
      for (int i = 0; i < 20; ++i) {
        store::NewRun run;
        run.run_id = absl::StrCat("run_", day, "_", i);
        run.workflow = "scored";
        run.version = workflow->live_version;
        run.input_json = Json{{"amount", amounts(rng) * (day <= 7 ? 3 : 1)}}.dump();
        run.now = now - absl::Hours(24) * day + absl::Minutes(50 * i + 10);
        run.steps = {{"noop", 1}, {store::kEndStepId, 1}};
        run.records = {{"", "run.created", "system", "{}"}};
        ASSERT_TRUE((*db)->CreateRun(run).ok());
      }
    }
  }

  common::TempDir dir_;
  std::string db_ = dir_.File("flowline.db");
};

TEST_F(DriftCommandsTest, CheckPrintsTheFindingsAndExitsThreeOnDrift) {
  Prepare();
  Result check = Run({"drift", "check", "--workflow", "scored"});
  EXPECT_EQ(check.exit_code, 3) << check.err;
  EXPECT_THAT(check.out, HasSubstr("workflow scored"));
  EXPECT_THAT(check.out, HasSubstr("input.amount"));
  EXPECT_THAT(check.out, HasSubstr("drift: input.amount: PSI"));
  EXPECT_THAT(check.out, HasSubstr("alert opened: alert_"));

  Result json = Run({"drift", "check", "--workflow", "scored", "--json"});
  EXPECT_EQ(json.exit_code, 3);
  absl::StatusOr<Json> report = common::ParseJson(json.out, "the report");
  ASSERT_TRUE(report.ok()) << json.out;
  EXPECT_EQ((*report)["features"][0]["status"], "drift");
  EXPECT_TRUE((*report)["alerts_opened"].empty());  // still the same alert

  Result list = Run({"alerts", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, HasSubstr("input.amount"));
  EXPECT_THAT(list.out, HasSubstr("open"));
  const std::string id = list.out.substr(list.out.find("alert_"), 32);

  Result ack = Run({"alerts", "ack", id, "--by", "ann"});
  EXPECT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_THAT(ack.out, HasSubstr("acknowledged"));
  Result resolve = Run({"alerts", "resolve", id, "--note", "prices rose"});
  EXPECT_EQ(resolve.exit_code, 0) << resolve.err;
  EXPECT_THAT(resolve.out, HasSubstr("resolved"));
  Result again = Run({"alerts", "resolve", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_THAT(again.err, HasSubstr("already resolved"));
  EXPECT_THAT(Run({"alerts", "list"}).out, ::testing::Not(HasSubstr(id)));
  EXPECT_THAT(Run({"alerts", "list", "--all"}).out, HasSubstr(id));
}

TEST_F(DriftCommandsTest, NoDriftExitsZeroAndAnUnknownWorkflowFails) {
  std::ofstream(dir_.File("scored.yaml")) << kSpec;
  ASSERT_EQ(Run({"deploy", dir_.File("scored.yaml")}).exit_code, 0);
  Result young = Run({"drift", "check"});
  EXPECT_EQ(young.exit_code, 0) << young.err;
  EXPECT_THAT(young.out, HasSubstr("warming_up"));
  EXPECT_THAT(young.out, HasSubstr("checks begin at"));
  Result unknown = Run({"drift", "check", "--workflow", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_THAT(unknown.err, HasSubstr("workflow nope not found"));
}

}  // namespace
}  // namespace flowline::cli
