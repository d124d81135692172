#include "ai/classify/classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "ai/classify/classifier_training.h"
#include "ai/classify/classify_test_corpus.h"
#include "ai/classify/text_normalizer.h"
#include "common/ids.h"
#include "common/temp_dir.h"

namespace flowline::ai {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void WriteAll(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

// One corpus and one trained model shared by the tests (training takes a moment).
class ClassifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new common::TempDir();
    WriteAll(DataPath(),
             testing::CorpusGenerator::ToJsonl(testing::CorpusGenerator(7).Generate(60)));
    ClassifierTrainingOptions options = Options(ModelPath());
    absl::StatusOr<Json> manifest = TrainClassifier(options);
    ASSERT_TRUE(manifest.ok()) << manifest.status();
    manifest_ = new Json(*manifest);
  }
  static void TearDownTestSuite() {
    delete manifest_;
    delete dir_;
  }
  static std::string DataPath() { return dir_->File("cases.jsonl"); }
  static std::string ModelPath() { return dir_->File("models/doc-types"); }
  static ClassifierTrainingOptions Options(const std::string& out) {
    ClassifierTrainingOptions options;
    options.data_path = DataPath();
    options.out_dir = out;
    options.holdout = 0.25;
    options.seed = 42;
    options.now = absl::FromUnixSeconds(1767225600);
    return options;
  }

  static common::TempDir* dir_;
  static Json* manifest_;
};
common::TempDir* ClassifierTest::dir_ = nullptr;
Json* ClassifierTest::manifest_ = nullptr;

TEST(TextNormalizerTest, LowercasesSeparatesPunctuationAndClassesNumbers) {
  EXPECT_EQ(NormalizeText("Invoice #INV-0042 total: 1,469.06 EUR"),
            "invoice # inv - <num> total : <num> eur");
  EXPECT_EQ(NormalizeText("__label__x\tDate 12 500\n"), "_ _ label _ _ x date <num>");
  EXPECT_EQ(NormalizeText("Straße 5."), "straße <num> .");
  EXPECT_EQ(NormalizeText("   "), "");
}

TEST_F(ClassifierTest, WritesTheArtifactWithHashesCountsAndAccuracy) {
  const Json& m = *manifest_;
  EXPECT_EQ(m["kind"], "classify");
  EXPECT_EQ(m["sha256"], common::Sha256Hex(ReadAll(ModelPath() + "/model.bin")));
  EXPECT_EQ(m["training_data"]["sha256"], common::Sha256Hex(ReadAll(DataPath())));
  EXPECT_EQ(Json::parse(ReadAll(ModelPath() + "/model.json")), m);
  EXPECT_EQ(m["labels"], Json(testing::CorpusLabels()));
  EXPECT_EQ(m["counts"], Json::parse(R"({"examples": 240, "train": 180, "held_out": 60})"));
  for (const Json& label : m["per_label"]) {  // stratified: a quarter of each label held out
    EXPECT_EQ(label["held_out"], 15) << label.dump();
  }
  EXPECT_EQ(m["settings"]["seed"], 42);
  EXPECT_EQ(m["created_at"], "2026-01-01T00:00:00Z");
  EXPECT_GE(m["held_out_accuracy"].get<double>(), 0.9) << m.dump(2);
  // Nothing but the artifact is left behind.
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::directory_iterator(ModelPath())) {
    files.push_back(e.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  EXPECT_THAT(files, ElementsAre("model.bin", "model.json"));
}

TEST_F(ClassifierTest, SameDataAndSeedGiveTheSameModel) {
  absl::StatusOr<Json> again = TrainClassifier(Options(dir_->File("again")));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ((*again)["sha256"], (*manifest_)["sha256"]);
  EXPECT_EQ((*again)["held_out_accuracy"], (*manifest_)["held_out_accuracy"]);

  ClassifierTrainingOptions other = Options(dir_->File("other-seed"));
  other.seed = 43;
  absl::StatusOr<Json> different = TrainClassifier(other);
  ASSERT_TRUE(different.ok()) << different.status();
  EXPECT_NE((*different)["sha256"], (*manifest_)["sha256"]);
}

TEST_F(ClassifierTest, ClassifiesUnseenDocuments) {
  absl::StatusOr<std::unique_ptr<Classifier>> model = Classifier::Load(ModelPath());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->sha256(), (*manifest_)["sha256"]);
  int correct = 0;
  const std::vector<testing::LabelledText> fresh = testing::CorpusGenerator(99).Generate(25);
  for (const testing::LabelledText& doc : fresh) {
    absl::StatusOr<Classification> c = (*model)->Classify(doc.text, 3);
    ASSERT_TRUE(c.ok()) << c.status();
    ASSERT_EQ(c->top.size(), 3u);
    EXPECT_GE(c->top[0].probability, c->top[1].probability);
    EXPECT_GE(c->top[1].probability, c->top[2].probability);
    EXPECT_LE(c->top[0].probability + c->top[1].probability + c->top[2].probability, 1.0001);
    EXPECT_GT(c->known_share, 0.5);
    correct += c->top[0].label == doc.label ? 1 : 0;
  }
  EXPECT_GE(correct, 95) << "of " << fresh.size();
}

TEST_F(ClassifierTest, ConcurrentClassificationGivesTheSameAnswers) {
  absl::StatusOr<std::unique_ptr<Classifier>> model = Classifier::Load(ModelPath());
  ASSERT_TRUE(model.ok()) << model.status();
  const std::vector<testing::LabelledText> docs = testing::CorpusGenerator(5).Generate(10);
  std::vector<std::pair<std::string, double>> expected;
  for (const auto& doc : docs) {
    Classification c = *(*model)->Classify(doc.text, 2);
    expected.emplace_back(c.top[0].label, c.top[0].probability);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < docs.size(); ++i) {
          absl::StatusOr<Classification> c = (*model)->Classify(docs[i].text, 2);
          if (!c.ok() || c->top[0].label != expected[i].first ||
              c->top[0].probability != expected[i].second) {
            ++mismatches;
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST_F(ClassifierTest, GibberishIsUnknownAndUncertain) {
  absl::StatusOr<std::unique_ptr<Classifier>> model = Classifier::Load(ModelPath());
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<Classification> c = (*model)->Classify("xqzv plomk frabnitz quuxle zzyzx", 3);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->known_share, 0.0);
  EXPECT_LT(c->top[0].probability, 0.9);
}

TEST_F(ClassifierTest, RefusesMissingCorruptAndForeignModels) {
  EXPECT_THAT(Classifier::Load(dir_->File("nope")).status().message(), HasSubstr("does not exist"));

  const std::string copy = dir_->File("corrupt");
  std::filesystem::copy(ModelPath(), copy, std::filesystem::copy_options::recursive);
  std::string bin = ReadAll(copy + "/model.bin");
  bin[bin.size() / 2] ^= 0x5a;
  WriteAll(copy + "/model.bin", bin);
  absl::Status status = Classifier::Load(copy).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("does not match the SHA-256"));

  // A file that matches its recorded hash but is not fastText's.
  Json manifest = *manifest_;
  WriteAll(copy + "/model.bin", "definitely not a model");
  manifest["sha256"] = common::Sha256Hex("definitely not a model");
  WriteAll(copy + "/model.json", manifest.dump());
  EXPECT_THAT(Classifier::Load(copy).status().message(), HasSubstr("not a fastText model file"));

  manifest["kind"] = "extract";
  WriteAll(copy + "/model.json", manifest.dump());
  EXPECT_THAT(Classifier::Load(copy).status().message(), HasSubstr("not a classify model"));
  WriteAll(copy + "/model.json", "{not json");
  EXPECT_THAT(Classifier::Load(copy).status().message(), HasSubstr("model.json"));
}

TEST_F(ClassifierTest, BadTrainingDataIsReportedWithItsLine) {
  auto train = [&](const std::string& data) {
    WriteAll(dir_->File("bad.jsonl"), data);
    ClassifierTrainingOptions options = Options(dir_->File("bad-model"));
    options.data_path = dir_->File("bad.jsonl");
    absl::Status status = TrainClassifier(options).status();
    EXPECT_FALSE(std::filesystem::exists(dir_->File("bad-model")));
    return std::string(status.message());
  };
  const std::string good = R"({"text": "invoice total", "label": "invoice"})";
  EXPECT_THAT(train(good + "\n\n{\"text\": 3}\n"), HasSubstr("bad.jsonl:3: no text"));
  EXPECT_THAT(train(good + "\n{\"text\": \"x\"}\n"), HasSubstr("bad.jsonl:2: no label"));
  EXPECT_THAT(train(good + "\n{oops\n"), HasSubstr("bad.jsonl:2"));
  EXPECT_THAT(train(good + "\n[1]\n"), HasSubstr("must be a JSON object"));
  EXPECT_THAT(train(good + "\n{\"text\": \"x\", \"label\": \"purchase order\"}\n"),
              HasSubstr("contains whitespace"));
  EXPECT_THAT(train(good + "\n" + good + "\n"), HasSubstr("at least two labels"));

  ClassifierTrainingOptions options = Options(dir_->File("x"));
  options.holdout = 0.95;
  EXPECT_THAT(TrainClassifier(options).status().message(), HasSubstr("--holdout"));
  options = Options(dir_->File("x"));
  options.data_path = dir_->File("missing.jsonl");
  EXPECT_THAT(TrainClassifier(options).status().message(), HasSubstr("missing.jsonl"));
  // An existing directory that is not a model is never overwritten.
  std::filesystem::create_directories(dir_->File("precious"));
  WriteAll(dir_->File("precious/notes.txt"), "keep me");
  options = Options(dir_->File("precious"));
  EXPECT_THAT(TrainClassifier(options).status().message(), HasSubstr("not a model directory"));
  EXPECT_EQ(ReadAll(dir_->File("precious/notes.txt")), "keep me");
}

}  // namespace
}  // namespace flowline::ai
