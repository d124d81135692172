// `flowline train classify` and `flowline reference load` as a user runs them: arguments,
// exit codes, messages, and what they leave on disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "CLI/CLI.hpp"
#include "ai/classify/classify_test_corpus.h"
#include "cli/commands.h"
#include "common/temp_dir.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

struct Result {
  int exit_code = 0;
  std::string out;
  std::string err;
};

Result RunFlowline(std::vector<std::string> args, const std::string& reference_db) {
  GlobalOptions global;
  global.reference_db = reference_db;
  CLI::App app{"flowline"};
  app.require_subcommand(1);
  Result result;
  CLI::App* train = AddTrainCommand(app, global, result.exit_code);
  AddTrainClassifyCommand(*train, global, result.exit_code);
  AddReferenceCommand(app, global, result.exit_code);
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

class AiCommandsTest : public ::testing::Test {
 protected:
  std::string File(const std::string& name, const std::string& text) {
    std::ofstream(dir_.File(name)) << text;
    return dir_.File(name);
  }
  common::TempDir dir_;
  std::string db_ = dir_.File("reference.db");
};

TEST_F(AiCommandsTest, TrainClassifyWritesAModelAndReportsAccuracy) {
  const std::string data =
      File("cases.jsonl",
           ai::testing::CorpusGenerator::ToJsonl(ai::testing::CorpusGenerator(3).Generate(20)));
  Result r = RunFlowline({"train", "classify", "--data", data, "--out", dir_.File("models/doc"),
                          "--epochs", "20", "--seed", "7"},
                         db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("4 labels, 64 training examples, 16 held out"));
  EXPECT_THAT(r.out, HasSubstr("held-out accuracy"));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("models/doc/model.bin")));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("models/doc/model.json")));
}

TEST_F(AiCommandsTest, TrainClassifyRejectsBadArguments) {
  EXPECT_NE(RunFlowline({"train", "classify", "--out", dir_.File("m")}, db_).exit_code,
            0);  // no --data
  EXPECT_NE(RunFlowline({"train"}, db_).exit_code, 0);
  Result r = RunFlowline(
      {"train", "classify", "--data", dir_.File("none.jsonl"), "--out", dir_.File("m")}, db_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("none.jsonl: cannot be read"));
  const std::string data = File("one.jsonl", "{\"text\": \"a\", \"label\": \"x\"}\n");
  r = RunFlowline({"train", "classify", "--data", data, "--out", dir_.File("m"), "--lr", "-1"},
                  db_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("--lr must be above 0"));
  r = RunFlowline(
      {"train", "classify", "--data", data, "--out", dir_.File("m"), "--epochs", "many"}, db_);
  EXPECT_EQ(r.exit_code, static_cast<int>(CLI::ExitCodes::ConversionError));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m")));
}

TEST_F(AiCommandsTest, ReferenceLoadIsAllOrNothing) {
  const std::string good = File("vendors.csv", "id,name\nV1,Acme\nV2,Globex\n");
  Result r =
      RunFlowline({"reference", "load", "--table", "vendors", "--from", good, "--key", "id"}, db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("loaded 2 rows into vendors"));

  const std::string bad = File("bad.csv", "id,name\nV1,Acme\nV2,Globex, Ltd\n");
  r = RunFlowline({"reference", "load", "--table", "vendors", "--from", bad}, db_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bad.csv:3: 3 values, the header has 2 columns"));
  r = RunFlowline({"reference", "load", "--table", "x'; DROP TABLE vendors; --", "--from", good},
                  db_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not a valid reference table name"));
  EXPECT_NE(RunFlowline({"reference", "load", "--from", good}, db_).exit_code, 0);  // no --table
  // The --reference of the command wins over the global one.
  r = RunFlowline({"reference", "load", "--table", "vendors", "--from", good, "--reference",
                   dir_.File("other.db")},
                  db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.File("other.db")));
}

}  // namespace
}  // namespace flowline::cli
