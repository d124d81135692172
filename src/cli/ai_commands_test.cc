// `flowline train classify`, `flowline train score` and `flowline reference load` as a user runs
// them: arguments, exit codes, messages, and what they leave on disk.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "CLI/CLI.hpp"
#include "ai/classify/classify_test_corpus.h"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "samples/risk_history.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

using Result = CommandResult;

Result RunFlowline(std::vector<std::string> args, const std::string& reference_db) {
  GlobalOptions global;
  global.reference_db = reference_db;
  return RunCommands(
      [&global](CLI::App& app, int& exit_code) {
        CLI::App* train = AddTrainCommand(app, global, exit_code);
        AddTrainClassifyCommand(*train, global, exit_code);
        AddTrainExtractCommand(*train, global, exit_code);
        AddTrainScoreCommand(*train, global, exit_code);
        AddReferenceCommand(app, global, exit_code);
        AddEvalCommand(app, global, exit_code);
      },
      std::move(args));
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

TEST_F(AiCommandsTest, TrainScoreWritesAModelAndPrintsItsMeasures) {
  samples::RiskHistoryOptions history;
  history.count = 500;
  const std::string data = File("history.csv", samples::RiskHistoryCsv(history));
  const std::vector<std::string> args = {
      "train",         "score",
      "--data",        data,
      "--target",      "outcome",
      "--positive",    "bad",
      "--features",    "age,country,email_domain,sanctions_similarity,id_confidence",
      "--categorical", "country",
      "--out",         dir_.File("models/risk")};
  Result r = RunFlowline(args, db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("5 features, 400 training rows, 100 held out"));
  EXPECT_THAT(r.out, HasSubstr("email_domain"));
  EXPECT_THAT(r.out, HasSubstr("categorical"));
  EXPECT_THAT(r.out, HasSubstr("AUC"));
  EXPECT_THAT(r.out, HasSubstr("calibration error (ECE, 10 bins)"));
  EXPECT_TRUE(std::filesystem::exists(dir_.File("models/risk/model.ubj")));

  std::vector<std::string> json_args = args;
  json_args.push_back("--json");
  r = RunFlowline(json_args, db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Json> manifest = common::ParseJson(r.out, "stdout");
  ASSERT_TRUE(manifest.ok()) << r.out;
  EXPECT_EQ((*manifest)["kind"], "score");
  EXPECT_EQ((*manifest)["features"].size(), 5u);

  r = RunFlowline(
      {"train", "score", "--data", data, "--target", "outcome", "--out", dir_.File("models/x")},
      db_);
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("say which one the score is the probability of with --positive"));
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

// A folder in SROIE's layout: img/NNN.jpg (never read with --text given), key/NNN.json and the
// set's transcript box/NNN.csv, with the total's row apart from its label as in SROIE.
std::string MakeReceipts(const common::TempDir& dir, int count) {
  const std::string root = dir.File("sroie");
  for (const char* sub : {"", "/img", "/key", "/box"}) {
    std::filesystem::create_directories(root + sub);
  }
  for (int i = 0; i < count; ++i) {
    char stem[8];
    std::snprintf(stem, sizeof(stem), "%03d", i);
    const std::string total = std::to_string(10 + 7 * i) + ".50";
    const std::string date = std::to_string(10 + i) + "/03/2019";
    std::ofstream(root + "/img/" + stem + ".jpg") << "not read";
    std::ofstream(root + "/key/" + stem + ".json")
        << R"({"company": "SHOP )" << i << R"( SDN BHD", "date": ")" << date << R"(", "total": ")"
        << total << "\"}";
    std::ofstream(root + "/box/" + stem + ".csv")
        << "10,10,200,10,200,30,10,30,SHOP " << i << " SDN BHD\n"
        << "10,50,100,50,100,70,10,70,DATE: " << date << "\n"
        << "10,90,60,90,60,110,10,110,SUBTOTAL\n"
        << "150,90,190,90,190,110,150,110," << 3 + i << ".00\n"
        << "10,130,60,130,60,150,10,150,TOTAL:\n"
        << "10,170,60,170,60,190,10,190,CASH\n"
        << "150,170,190,170,190,190,150,190,100.00\n"
        << "150,130,190,130,190,150,150,150," << total << "\n";
  }
  return root;
}

TEST_F(AiCommandsTest, GivenTextTrainsAndEvaluatesOnTheSetsTranscripts) {
  const std::string data = MakeReceipts(dir_, 12);
  const std::string model = dir_.File("models/receipts");
  Result r = RunFlowline({"train", "extract", "--data", data, "--text", "given", "--out", model,
                          "--fields", "company:organisation,date:date,total:amount", "--folds", "3",
                          "--rounds", "20", "--cache", "", "--quiet"},
                         db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("text given: the set's own transcripts"));
  r = RunFlowline(
      {"eval", "--data", data, "--text", "given", "--model", model, "--cache", "", "--json"}, db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  absl::StatusOr<Json> report = common::ParseJson(r.out, "eval report");
  ASSERT_TRUE(report.ok()) << report.status() << r.out;
  EXPECT_EQ((*report)["text"]["source"], "given");
  EXPECT_EQ((*report)["failed_documents"], 0);
  EXPECT_GT((*report)["mean_field_accuracy"].get<double>(), 0.9);  // the images are not JPEGs

  // A malformed transcript fails that document, naming the file and line.
  std::ofstream(data + "/box/003.csv") << "10,10,200,10,200,30,10,30,SHOP\n1,2,TOTAL\n";
  r = RunFlowline(
      {"eval", "--data", data, "--text", "given", "--model", model, "--cache", "", "--json"}, db_);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("box/003.csv:2: expected x1,y1,x2,y2,x3,y3,x4,y4,transcript"));

  // The table says which text was used.
  r = RunFlowline({"eval", "--data", data, "--text", "given", "--model", model, "--cache", ""},
                  db_);
  EXPECT_THAT(r.out, HasSubstr("text given: the set's own transcripts"));
}

TEST_F(AiCommandsTest, GivenTextNeedsASetWithTranscripts) {
  const std::string data = dir_.File("flowline-set");
  std::filesystem::create_directories(data);
  std::ofstream(data + "/a.pdf") << "%PDF";
  std::ofstream(data + "/labels.jsonl") << R"({"file": "a.pdf", "fields": {"total_amount": "1"}})"
                                        << "\n";
  Result r = RunFlowline(
      {"eval", "--data", data, "--text", "given", "--model", dir_.File("m/x"), "--cache", ""}, db_);
  EXPECT_EQ(r.exit_code, 1);
  r = RunFlowline({"train", "extract", "--data", data, "--text", "given", "--out", dir_.File("m/x"),
                   "--cache", "", "--quiet"},
                  db_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("has no transcripts of its own; only the sroie format"));
  r = RunFlowline({"eval", "--data", data, "--text", "typed", "--model", "x/y"}, db_);
  EXPECT_NE(r.exit_code, 0);
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
