#include "ai/extract/trainer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "ai/extract/extraction_model.h"
#include "ai/extract/synthetic_invoices.h"
#include "common/temp_dir.h"

namespace flowline::ai {
namespace {

TrainOptions FastOptions() {
  TrainOptions options;
  options.ranker.rounds = 60;
  options.folds = 4;
  options.name = "invoice";
  return options;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether `result` answers like the label: the same normalised value, or null for an absent field.
bool Right(const FieldSpec& field, const FieldResult& result, const LabelledDocument& doc) {
  auto label = doc.labels.find(field.name);
  if (label == doc.labels.end()) return !result.value.has_value();
  return result.value.has_value() &&
         MatchKey(field.type, result.value->norm.value) == MatchKey(field.type, label->second);
}

class TrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new common::TempDir();
    train_ = new std::vector<LabelledDocument>(testing::InvoiceBuilder(1).Make(80, "train"));
    absl::StatusOr<Json> model =
        TrainExtractionModel(*train_, testing::InvoiceFields(), FastOptions(), dir_->File("m1"));
    ASSERT_TRUE(model.ok()) << model.status();
    model_json_ = new Json(*model);
  }
  static void TearDownTestSuite() {
    delete model_json_;
    delete train_;
    delete dir_;
  }
  static common::TempDir* dir_;
  static std::vector<LabelledDocument>* train_;
  static Json* model_json_;
};
common::TempDir* TrainerTest::dir_ = nullptr;
std::vector<LabelledDocument>* TrainerTest::train_ = nullptr;
Json* TrainerTest::model_json_ = nullptr;

TEST_F(TrainerTest, HeldOutAccuracyAndCalibrationAreReported) {
  const Json& heldout = (*model_json_)["heldout"];
  EXPECT_EQ(heldout["method"], "4-fold cross-fitting");
  EXPECT_GE(heldout["mean_accuracy"].get<double>(), 0.9) << heldout.dump(2);
  EXPECT_LT(heldout["ece"].get<double>(), 0.1) << heldout.dump(2);
  for (const FieldSpec& field : testing::InvoiceFields()) {
    const Json& f = heldout["fields"][field.name];
    EXPECT_GE(f["accuracy"].get<double>(), 0.8) << field.name << ": " << f.dump();
    EXPECT_DOUBLE_EQ(f["candidate_recall"].get<double>(), 1.0) << field.name;
  }
  // Some invoices have no due date: the model learned to answer null for them.
  EXPECT_LT(heldout["fields"]["due_date"]["coverage"].get<double>(), 1.0);
  EXPECT_GT(heldout["straight_through"]["rate"].get<double>(), 0.5) << heldout.dump(2);
  EXPECT_EQ((*model_json_)["date_order"], "dmy");
}

TEST_F(TrainerTest, BeatsARandomRankerOnNewDocuments) {
  absl::StatusOr<std::unique_ptr<ExtractionModel>> model = ExtractionModel::Load(dir_->File("m1"));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->sha256(), (*model_json_)["sha256"]);
  const std::vector<LabelledDocument> test = testing::InvoiceBuilder(2).Make(40, "test");
  std::mt19937 rng(9);
  std::map<std::string, int> right, random_right;
  for (const LabelledDocument& doc : test) {
    absl::StatusOr<std::vector<FieldResult>> results =
        (*model)->Extract(doc.document, doc.date_order);
    ASSERT_TRUE(results.ok()) << results.status();
    ASSERT_EQ(results->size(), testing::InvoiceFields().size());
    for (size_t i = 0; i < results->size(); ++i) {
      const FieldSpec& field = (*model)->fields()[i].spec;
      right[field.name] += Right(field, (*results)[i], doc);
      CandidateOptions options;
      options.date_order = doc.date_order;
      const std::vector<Candidate> candidates =
          GenerateCandidates(doc.document, field.type, options);
      FieldResult random;
      if (!candidates.empty()) {
        random.value =
            candidates[std::uniform_int_distribution<size_t>(0, candidates.size() - 1)(rng)];
      }
      random_right[field.name] += Right(field, random, doc);
    }
  }
  for (const auto& [field, count] : right) {
    EXPECT_GE(count, 36) << field << ": " << count << " of 40 right";
  }
  // A random choice among the same candidates is far worse: the ranking is what works.
  int random_total = 0;
  for (const auto& [field, count] : random_right) random_total += count;
  EXPECT_LE(random_total, 0.6 * 40 * static_cast<double>(random_right.size()));
  for (const char* field : {"invoice_number", "total_amount", "vendor_name"}) {
    EXPECT_LE(random_right[field], 20) << field << ": a random ranker is right too often";
  }
}

TEST_F(TrainerTest, TrainingIsDeterministic) {
  absl::StatusOr<Json> again =
      TrainExtractionModel(*train_, testing::InvoiceFields(), FastOptions(), dir_->File("m2"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)["sha256"], (*model_json_)["sha256"]);
  EXPECT_EQ(ReadAll(dir_->File("m1/total_amount.ubj")), ReadAll(dir_->File("m2/total_amount.ubj")));
  EXPECT_EQ(ReadAll(dir_->File("m1/model.json")), ReadAll(dir_->File("m2/model.json")));
}

TEST_F(TrainerTest, DamagedModelIsRefused) {
  std::filesystem::copy(dir_->File("m1"), dir_->File("m3"));
  std::ofstream(dir_->File("m3/total_amount.ubj"), std::ios::app) << "x";
  absl::StatusOr<std::unique_ptr<ExtractionModel>> model = ExtractionModel::Load(dir_->File("m3"));
  ASSERT_FALSE(model.ok());
  EXPECT_NE(model.status().message().find("does not match its hash"), std::string::npos);
  EXPECT_EQ(ExtractionModel::Load(dir_->File("none")).status().code(), absl::StatusCode::kNotFound);
}

TEST(TrainerErrorsTest, RefusesTooLittleDataAndImpossibleLabels) {
  common::TempDir dir;
  std::vector<LabelledDocument> docs = testing::InvoiceBuilder(4).Make(6);
  std::vector<LabelledDocument> one(docs.begin(), docs.begin() + 1);
  EXPECT_EQ(TrainExtractionModel(one, testing::InvoiceFields(), FastOptions(), dir.File("a"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // The vendor's name is never printed as an amount.
  absl::StatusOr<Json> wrong = TrainExtractionModel(
      docs, {{"vendor_name", FieldType::kAmount, {}, {}}}, FastOptions(), dir.File("b"));
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("never equals"), std::string::npos) << wrong.status();
}

}  // namespace
}  // namespace flowline::ai
