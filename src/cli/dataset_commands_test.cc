// `flowline dataset` as a user runs it: import generated samples, list, show (with slice
// counts), cases by split and slice, export, an unchanged re-import, and a bad file refused with
// its file:line and nothing stored.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "CLI/CLI.hpp"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "quality/dataset.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

class DatasetCommandsTest : public ::testing::Test {
 protected:
  CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = dir_.File("flowline.db");
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    return RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddSamplesCommand(app, global, exit_code);
          AddDatasetCommand(app, global, exit_code);
        },
        std::move(args));
  }

  Json RunJson(std::vector<std::string> args) {
    CommandResult result = Run(std::move(args));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    absl::StatusOr<Json> json = common::ParseJson(result.out, "output");
    EXPECT_TRUE(json.ok()) << result.out;
    return json.ok() ? *json : Json();
  }

  common::TempDir dir_;
};

TEST_F(DatasetCommandsTest, ImportShowCasesExportOfGeneratedSamples) {
  const std::string samples = dir_.File("samples");
  ASSERT_EQ(Run({"samples", "invoices", "--count", "12", "--out", samples, "--scanned-share", "0",
                 "--seed", "3"})
                .exit_code,
            0);
  CommandResult imported = Run({"dataset", "import", "invoices", "--from", samples, "--workflow",
                                "invoice-approval", "--description", "generated"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_THAT(imported.out, HasSubstr("dataset invoices@1: 12 cases from"));
  EXPECT_THAT(imported.out, HasSubstr("12 added"));

  CommandResult again = Run({"dataset", "import", "invoices", "--from", samples});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.out, HasSubstr("unchanged: version 1"));

  CommandResult list = Run({"dataset", "list"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_THAT(list.out, HasSubstr("invoices"));
  EXPECT_THAT(list.out, HasSubstr("invoice-approval"));

  Json shown = RunJson({"dataset", "show", "invoices", "--json"});
  EXPECT_EQ(shown["version"], 1);
  EXPECT_EQ(shown["workflow"], "invoice-approval");
  EXPECT_EQ(shown["summary"]["cases"], 12);
  EXPECT_EQ(shown["summary"]["sources"]["import"], 12);
  const Json& splits = shown["summary"]["splits"];
  EXPECT_EQ(
      splits["train"].get<int>() + splits["validation"].get<int>() + splits["test"].get<int>(), 12);
  ASSERT_TRUE(shown["summary"]["slices"].contains("doc_type"));
  EXPECT_EQ(shown["summary"]["slices"]["medium"]["pdf"], 12);  // no scans were asked for
  CommandResult show = Run({"dataset", "show", "invoices@1"});
  EXPECT_EQ(show.exit_code, 0) << show.err;
  EXPECT_THAT(show.out, HasSubstr("splits: test"));
  EXPECT_THAT(show.out, HasSubstr("sources: import 12"));

  // Cases of one split are that split's; a slice filter keeps only its value.
  Json test_cases = RunJson({"dataset", "cases", "invoices", "--split", "test", "--json"});
  ASSERT_EQ(test_cases.size(), splits["test"].get<size_t>());
  for (const Json& c : test_cases) EXPECT_EQ(c["split"], "test");
  Json invoices_only =
      RunJson({"dataset", "cases", "invoices", "--slice", "doc_type=invoice", "--json"});
  EXPECT_EQ(invoices_only.size(), shown["summary"]["slices"]["doc_type"]["invoice"].get<size_t>());
  for (const Json& c : invoices_only) EXPECT_EQ(c["doc_type"], "invoice");
  CommandResult bad_slice = Run({"dataset", "cases", "invoices", "--slice", "vendor"});
  EXPECT_EQ(bad_slice.exit_code, 1);
  EXPECT_THAT(bad_slice.err, HasSubstr("NAME=VALUE"));

  const std::string out = dir_.File("exported");
  CommandResult exported = Run({"dataset", "export", "invoices@1", "--out", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_THAT(exported.out, HasSubstr("exported 12 case(s) of invoices@1"));
  auto back = quality::LoadDataset(out);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->documents.size(), 12u);

  CommandResult sync = Run({"dataset", "sync"});
  EXPECT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_THAT(sync.out, HasSubstr("no new corrections"));
}

TEST_F(DatasetCommandsTest, BadRowIsRefusedWithFileAndLineAndNothingStored) {
  const std::string file = dir_.File("cases.jsonl");
  std::ofstream(file) << R"({"input": {"amount": 1}, "expected": {"decision": "approve"}})"
                      << "\n"
                      << R"({"input": {"amount": 2}, "expected": "approve"})"
                      << "\n";
  CommandResult imported = Run({"dataset", "import", "claims", "--from", file});
  EXPECT_EQ(imported.exit_code, 1);
  EXPECT_THAT(imported.err, HasSubstr("cases.jsonl:2: \"expected\" must be an object"));
  CommandResult list = Run({"dataset", "list", "--json"});
  EXPECT_EQ(list.out, "[]\n");
  CommandResult missing = Run({"dataset", "show", "claims"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no dataset named 'claims'"));
}

}  // namespace
}  // namespace flowline::cli
