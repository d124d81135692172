// `flowline eval --folds K` (cross-validation) as a user runs it, on generated invoices: every
// document is predicted once by a model that never saw it, the folds are disjoint and fixed by
// the seed, each fold model is trained on exactly the other folds (and --extra-data), and the
// combinations that make no sense are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "common/json_util.h"
#include "common/temp_dir.h"
#include "quality/dataset.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kFields[] = "invoice_number:id,invoice_date:date,total_amount:amount";
constexpr int kDocuments = 24;

class EvalFoldsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Text-layer PDFs only (no OCR), small and fast.
    CommandResult made = Run({"samples", "invoices", "--count", std::to_string(kDocuments), "--out",
                              Samples(), "--scanned-share", "0", "--seed", "4"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
    made = Run({"samples", "invoices", "--count", "10", "--out", Extra(), "--scanned-share", "0",
                "--seed", "5"});
    ASSERT_EQ(made.exit_code, 0) << made.err;
  }

  static std::string Samples() { return Dir().File("samples"); }
  static std::string Extra() { return Dir().File("extra"); }

  static CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = Dir().File("flowline.db");
    global.models_dir = Dir().File("models");
    return RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddSamplesCommand(app, global, exit_code);
          AddEvalCommand(app, global, exit_code);
        },
        std::move(args));
  }

  // `eval --folds K` on the samples with a small, fast ranker, then `more`; the JSON report.
  static Json CrossValidate(int folds, std::vector<std::string> more) {
    std::vector<std::string> args = {
        "eval",     "--data",  Samples(),  "--folds", std::to_string(folds),
        "--fields", kFields,   "--rounds", "20",      "--cross-fit-folds",
        "2",        "--cache", "",         "--json"};
    args.insert(args.end(), more.begin(), more.end());
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    absl::StatusOr<Json> report = common::ParseJson(r.out, "eval --folds");
    EXPECT_TRUE(report.ok()) << report.status() << r.out;
    return report.ok() ? *report : Json();
  }

  static std::set<std::string> SampleIds() {
    absl::StatusOr<quality::Dataset> dataset = quality::LoadDataset(Samples());
    EXPECT_TRUE(dataset.ok()) << dataset.status();
    std::set<std::string> ids;
    for (const quality::LabelledDocument& doc : dataset->documents) ids.insert(doc.id);
    return ids;
  }

  static common::TempDir& Dir() {
    static common::TempDir dir;
    return dir;
  }
};

TEST_F(EvalFoldsTest, PoolsEveryDocumentOnceFromModelsThatNeverSawIt) {
  const std::string kept = Dir().File("cv-models");
  const Json report = CrossValidate(3, {"--keep-models", kept});
  const std::set<std::string> all = SampleIds();
  ASSERT_EQ(all.size(), static_cast<size_t>(kDocuments));

  // One pooled report over every document, each once.
  EXPECT_EQ(report["documents"], kDocuments);
  EXPECT_EQ(report["failed_documents"], 0);
  std::multiset<std::string> cases;
  for (const Json& c : report["cases"]) cases.insert(c["id"].get<std::string>());
  EXPECT_EQ(std::set<std::string>(cases.begin(), cases.end()), all);
  EXPECT_EQ(cases.size(), all.size());
  EXPECT_EQ(report["fields"].size(), 3u);       // the fields trained, scored on every document
  for (const Json& field : report["fields"]) {  // every labelled value of every document
    EXPECT_GT(field["labelled"].get<int>(), kDocuments / 2) << field["name"];
    EXPECT_LE(field["labelled"].get<int>(), kDocuments) << field["name"];
  }

  // The protocol.
  EXPECT_EQ(report["split"]["part"], "cross-validation");
  const Json& cv = report["cross_validation"];
  EXPECT_EQ(cv["folds"], 3);
  EXPECT_EQ(cv["seed"], 1);
  EXPECT_EQ(cv["extra_documents"], 0);
  EXPECT_EQ(report["text"]["source"], "read");

  // The folds: disjoint test parts covering everything, each model trained on exactly the
  // documents outside its fold, as the model it wrote says (a model that saw its own test
  // documents would count them in model.json's "documents").
  ASSERT_EQ(cv["per_fold"].size(), 3u);
  std::set<std::string> tested;
  const std::vector<std::string> ids(all.begin(), all.end());
  const std::vector<int> folds = quality::AssignFolds(ids, 3, 1);
  double accuracy_sum = 0;
  for (const Json& fold : cv["per_fold"]) {
    const int k = fold["fold"].get<int>();
    std::set<std::string> test, train;
    for (const Json& id : fold["test_ids"]) test.insert(id.get<std::string>());
    for (const Json& id : fold["train_ids"]) train.insert(id.get<std::string>());
    EXPECT_EQ(test.size(), 8u) << k;  // 24 documents, 3 folds
    EXPECT_EQ(fold["documents"], test.size());
    for (const std::string& id : test) {
      EXPECT_TRUE(tested.insert(id).second) << id << " is held out twice";
      EXPECT_EQ(train.count(id), 0u) << "fold " << k << " trained on its own test document " << id;
    }
    std::set<std::string> both = test;
    both.insert(train.begin(), train.end());
    EXPECT_EQ(both, all) << k;
    for (size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(test.count(ids[i]) > 0, folds[i] == k - 1) << ids[i];  // the seeded split's folds
    }
    absl::StatusOr<std::string> text =
        ReadFile(kept + "/fold-" + std::to_string(k) + "/model.json");
    ASSERT_TRUE(text.ok()) << text.status();
    absl::StatusOr<Json> model = common::ParseJson(*text, "model.json");
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ((*model)["documents"], train.size()) << k;
    EXPECT_EQ((*model)["training_data_sha256"], fold["training_data_sha256"]) << k;
    EXPECT_EQ(fold["model_documents"], train.size());
    accuracy_sum += fold["mean_field_accuracy"].get<double>();
  }
  EXPECT_EQ(tested, all);
  // The pooled accuracy is the held-out accuracy: between the folds' worst and best.
  EXPECT_GT(report["mean_field_accuracy"].get<double>(), 0.5);
  EXPECT_NEAR(report["mean_field_accuracy"].get<double>(), accuracy_sum / 3, 0.1);
}

TEST_F(EvalFoldsTest, TheSameSeedGivesTheSameReportAndAnotherSeedOtherFolds) {
  const Json first = CrossValidate(2, {});
  const Json again = CrossValidate(2, {});
  EXPECT_EQ(first.dump(), again.dump());
  const Json other = CrossValidate(2, {"--split-seed", "7"});
  EXPECT_EQ(other["cross_validation"]["seed"], 7);
  EXPECT_NE(first["cross_validation"]["per_fold"][0]["test_ids"],
            other["cross_validation"]["per_fold"][0]["test_ids"]);
  EXPECT_EQ(other["documents"], kDocuments);
}

TEST_F(EvalFoldsTest, ExtraDataJoinsEveryFoldsTrainingButIsNeverScored) {
  const std::string kept = Dir().File("cv-extra");
  const Json report = CrossValidate(2, {"--extra-data", Extra(), "--keep-models", kept});
  EXPECT_EQ(report["documents"], kDocuments);  // only the --data documents are evaluated
  const Json& cv = report["cross_validation"];
  EXPECT_EQ(cv["extra_documents"], 10);
  EXPECT_EQ(cv["extra_data"][0], Extra());
  for (const Json& fold : cv["per_fold"]) {
    EXPECT_EQ(fold["extra_documents"], 10);
    EXPECT_EQ(fold["model_documents"].get<size_t>(), fold["train_ids"].size() + 10);
    EXPECT_EQ(fold["train_ids"].size() + fold["test_ids"].size(), static_cast<size_t>(kDocuments));
  }
}

TEST_F(EvalFoldsTest, PrintsThePerFoldSummaryAndThePooledReport) {
  CommandResult r = Run({"eval", "--data", Samples(), "--folds", "2", "--fields", kFields,
                         "--rounds", "20", "--cross-fit-folds", "2", "--cache", ""});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cross-validation on"));
  EXPECT_THAT(r.out, HasSubstr("2 folds (seed 1), each model trained on the other 1"));
  EXPECT_THAT(r.out, HasSubstr("pooled held-out predictions of the 2 fold models"));
  EXPECT_THAT(r.out, HasSubstr("invoice_number"));
  EXPECT_THAT(r.err, HasSubstr("fold 2 of 2: training on"));
}

TEST_F(EvalFoldsTest, RefusesCombinationsThatMakeNoSense) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--folds", "3", "--model", "invoice-fields"}, "without --model and --workflow"},
      {{"--folds", "3", "--workflow", "x.yaml"}, "without --model and --workflow"},
      {{"--folds", "3", "--split", "test"}, "--split cannot be combined with it"},
      {{"--folds", "3", "--test-share", "0.3"}, "--test-share cannot be combined with it"},
      {{"--folds", "3", "--save"}, "--gate and --save need --workflow"},
      {{"--folds", "1"}, "at least 2 folds"},
      {{"--folds", "25"}, "more folds than the 24 document(s)"},
      {{"--model", "invoice-fields", "--fields", kFields}, "--fields trains the cross-validation"},
      {{"--model", "invoice-fields", "--extra-data", Extra()}, "it needs --folds K"},
  };
  for (const auto& [more, message] : bad) {
    std::vector<std::string> args = {"eval", "--data", Samples(), "--cache", ""};
    args.insert(args.end(), more.begin(), more.end());
    CommandResult r = Run(args);
    EXPECT_EQ(r.exit_code, 1) << more[0] << " " << more[1];
    EXPECT_THAT(r.err, HasSubstr(message)) << more[0] << " " << more[1];
  }
}

}  // namespace
}  // namespace flowline::cli
