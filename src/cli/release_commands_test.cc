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

// Runs a command with the store, models and reference data in `dir`.
CommandResult RunIn(const common::TempDir& dir, std::vector<std::string> args) {
  GlobalOptions global;
  global.store_path = dir.File("flowline.db");
  global.models_dir = dir.File("models");
  global.reference_db = dir.File("reference.db");
  return RunCommands(
      [&global](CLI::App& app, int& exit_code) {
        AddSamplesCommand(app, global, exit_code);
        CLI::App* train = AddTrainCommand(app, global, exit_code);
        AddTrainExtractCommand(*train, global, exit_code);
        AddDatasetCommand(app, global, exit_code);
        AddDeployCommand(app, global, exit_code);
        AddRunCommand(app, global, exit_code);
        AddReleaseCommands(app, global, exit_code);
      },
      std::move(args));
}

// The store the commands above use, opened beside them.
std::unique_ptr<store::sqlite::SqliteStore> OpenStoreIn(const common::TempDir& dir) {
  store::sqlite::SqliteStoreOptions options;
  options.path = dir.File("flowline.db");
  auto opened = store::sqlite::SqliteStore::Open(options);
  EXPECT_TRUE(opened.ok()) << opened.status();
  return opened.ok() ? std::move(*opened) : nullptr;
}

// The version `deploy` printed ("deployed pay version 3fa9c2... as live").
std::string DeployedVersion(const CommandResult& deployed) {
  const size_t at = deployed.out.find(" version ");
  return at == std::string::npos ? "" : deployed.out.substr(at + 9, 12);
}

class ReleaseCommandsTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) { return RunIn(dir_, std::move(args)); }

  // Writes the pay spec with `factor` and returns its path.
  std::string PaySpec(int factor) {
    const std::string path = dir_.File(absl::StrCat("pay-", factor, ".yaml"));
    std::ofstream(path) << absl::StrReplaceAll(kPaySpec, {{"FACTOR", absl::StrCat(factor)}});
    return path;
  }

  std::unique_ptr<store::sqlite::SqliteStore> OpenStore() { return OpenStoreIn(dir_); }

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

// The release gate with real evaluations: generated invoices imported as a stored dataset, a
// model trained on most of the train part and a worse one trained on a sixth of it, and the
// invoice workflow with a gate on the dataset's test part.
class ReleaseGateCommandsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    CommandResult made = Run({"samples", "invoices", "--count", "60", "--out",
                              Dir().File("samples"), "--scanned-share", "0", "--seed", "9"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    CommandResult imported = Run({"dataset", "import", "invoices", "--from", Dir().File("samples"),
                                  "--test-share", "0.4", "--validation-share", "0"});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
    for (const auto& [name, more] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"good", {"--rounds", "40"}}, {"weak", {"--rounds", "3", "--shard", "1/6"}}}) {
      std::vector<std::string> args = {"train",
                                       "extract",
                                       "--dataset",
                                       "invoices",
                                       "--out",
                                       Dir().File(absl::StrCat("models/", name)),
                                       "--quiet",
                                       "--cache",
                                       "",
                                       "--folds",
                                       "2",
                                       "--fields",
                                       "invoice_number:id,invoice_date:date,total_amount:amount"};
      args.insert(args.end(), more.begin(), more.end());
      CommandResult trained = Run(args);
      ASSERT_EQ(trained.exit_code, 0) << name << ": " << trained.err;
    }
  }

  static CommandResult Run(std::vector<std::string> args) { return RunIn(Dir(), std::move(args)); }

  // The invoice workflow on `model`, gated on the dataset's test part.
  static std::string Spec(const std::string& model) {
    const std::string path = Dir().File(absl::StrCat("invoice-", model, ".yaml"));
    std::ofstream out(path);
    out << "workflow: invoice\n"
           "steps:\n"
           "  - id: read\n"
           "    uses: document.read\n"
           "    actor: ai\n"
           "    with: { file: '${{ input.file }}' }\n"
           "  - id: fields\n"
           "    uses: extract\n"
           "    actor: ai\n"
           "    with: { model: "
        << model
        << ", document: '${{ steps.read.output }}' }\n"
           "  - id: review\n"
           "    uses: review\n"
           "    actor: human\n"
           "    with: { gate: true, queue: ap }\n"
           "exceptions:\n"
           "  confidence: 0.8\n";
    out << "release:\n"
           "  gate:\n"
           "    dataset: invoices\n"
           "    target_accuracy: 0.9\n"
           "    margins: { field_accuracy: 0.02, straight_through: 0.05 }\n";
    return path;
  }

  // The payload of the newest decision record of `kind`.
  static Json LastRecord(const std::string& kind) {
    auto store = OpenStoreIn(Dir());
    if (store == nullptr) return Json();
    auto records = store->ScanRecords(0, 100000);
    EXPECT_TRUE(records.ok()) << records.status();
    Json last;
    for (const store::Record& r : *records) {
      if (r.kind == kind) last = Json::parse(r.payload_json);
    }
    return last;
  }

  static common::TempDir& Dir() {
    static common::TempDir dir;
    return dir;
  }
};

TEST_F(ReleaseGateCommandsTest, PromoteRefusesAWorseVersionAndAcceptsABetterOne) {
  // The first version goes live (nothing to compare with); a gated one after it waits as a draft.
  CommandResult good = Run({"deploy", Spec("good")});
  ASSERT_EQ(good.exit_code, 0) << good.err;
  EXPECT_THAT(good.out, HasSubstr("as live"));
  CommandResult weak = Run({"deploy", Spec("weak")});
  ASSERT_EQ(weak.exit_code, 0) << weak.err;
  EXPECT_THAT(weak.out, HasSubstr("as draft"));
  EXPECT_THAT(weak.out, HasSubstr("flowline promote invoice"));

  // The worse model fails the gate: exit 1, the failed measure named with its numbers.
  CommandResult refused = Run({"promote", "invoice", DeployedVersion(weak)});
  EXPECT_EQ(refused.exit_code, 1) << refused.out << refused.err;
  EXPECT_THAT(refused.err, HasSubstr("the release gate refuses version"));
  EXPECT_THAT(refused.err, HasSubstr("field_accuracy"));
  EXPECT_THAT(refused.err, HasSubstr("< live"));
  EXPECT_THAT(Run({"workflows", "invoice"}).out, HasSubstr("draft"));

  // --force needs a reason; with one it promotes and the record keeps the failing gate.
  CommandResult no_reason = Run({"promote", "invoice", DeployedVersion(weak), "--force"});
  EXPECT_EQ(no_reason.exit_code, 1);
  EXPECT_THAT(no_reason.err, HasSubstr("--force needs --reason"));
  CommandResult forced = Run(
      {"promote", "invoice", DeployedVersion(weak), "--force", "--reason", "testing the override"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_THAT(forced.out, HasSubstr("FAILED and was overruled"));
  Json record = LastRecord("version.promoted");
  EXPECT_EQ(record["forced"], true);
  EXPECT_EQ(record["reason"], "testing the override");
  EXPECT_EQ(record["gate"]["checked"], true);
  EXPECT_EQ(record["gate"]["passed"], false);
  EXPECT_FALSE(record["gate"]["failures"].empty());
  EXPECT_EQ(record["gate"]["detail"]["gate"]["dataset"], "invoices");

  // Now the better model, retired, passes the gate against the weak live one.
  CommandResult accepted = Run({"promote", "invoice", DeployedVersion(good)});
  ASSERT_EQ(accepted.exit_code, 0) << accepted.out << accepted.err;
  EXPECT_THAT(accepted.out, HasSubstr("(retired) is now live"));
  EXPECT_THAT(accepted.out, HasSubstr("the release gate passed"));
  record = LastRecord("version.promoted");
  EXPECT_EQ(record["forced"], false);
  EXPECT_EQ(record["gate"]["passed"], true);
}

}  // namespace
}  // namespace flowline::cli
