#include "ai/score/score_training.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "ai/score/score_model.h"
#include "common/model_files.h"
#include "common/temp_dir.h"
#include "samples/risk_history.h"

namespace flowline::ai {
namespace {

using ::testing::HasSubstr;

class ScoreTrainingTest : public ::testing::Test {
 protected:
  // The onboarding history, written once per test to `name`.
  std::string History(const std::string& name, int count = 2000, uint64_t seed = 7) {
    samples::RiskHistoryOptions history;
    history.count = count;
    history.seed = seed;
    std::ofstream(dir_.File(name)) << samples::RiskHistoryCsv(history);
    return dir_.File(name);
  }
  ScoreTrainingOptions Options(const std::string& data, const std::string& out) {
    ScoreTrainingOptions options;
    options.data_path = data;
    options.out_dir = dir_.File(out);
    options.target = "outcome";
    options.positive = "bad";
    options.features = samples::RiskHistoryFeatures();
    return options;
  }

  common::TempDir dir_;
};

// The stated quality of the onboarding model (docs/models.md): the generated history's outcome
// follows a noisy logistic model of the features, so a held-out AUC above 0.8 with good
// calibration is what a correct trainer reaches, and a broken encoding or split does not.
TEST_F(ScoreTrainingTest, ReachesTheStatedAucOnTheGeneratedHistory) {
  absl::StatusOr<Json> manifest = TrainScoreModel(Options(History("history.csv"), "risk"));
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  const Json& m = *manifest;
  EXPECT_EQ(m["kind"], "score");
  EXPECT_EQ(m["counts"]["rows"], 2000);
  EXPECT_EQ(m["counts"]["held_out"], 400);
  EXPECT_GE(m["held_out"]["auc"].get<double>(), 0.80) << m["held_out"].dump(2);
  EXPECT_LE(m["held_out"]["ece"].get<double>(), 0.05) << m["held_out"].dump(2);
  EXPECT_GE(m["held_out"]["accuracy"].get<double>(), 0.84) << m["held_out"].dump(2);
  EXPECT_EQ(m["labels"], Json({{"positive", "bad"}, {"negative", "good"}}));

  // The features in model order, typed, with the training part's categories and ranges.
  ASSERT_EQ(m["features"].size(), 9u);
  EXPECT_EQ(m["features"][0]["name"], "age");
  EXPECT_EQ(m["features"][0]["type"], "numeric");
  EXPECT_GE(m["features"][0]["min"].get<double>(), 18);
  EXPECT_LE(m["features"][0]["max"].get<double>(), 85);
  EXPECT_EQ(m["features"][2]["type"], "categorical");
  EXPECT_EQ(m["features"][2]["categories"], Json({"id_card", "passport"}));
  EXPECT_EQ(m["features"][4]["categories"], Json({"corporate", "disposable", "free"}));

  // The artifact loads, and its SHA-256 is model.ubj's.
  absl::StatusOr<std::unique_ptr<ScoreModel>> model = ScoreModel::Load(dir_.File("risk"));
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ((*model)->sha256(), m["sha256"]);
  EXPECT_EQ((*model)->threshold(), 0.5);
}

TEST_F(ScoreTrainingTest, SameDataAndSettingsGiveTheSameModel) {
  const std::string data = History("history.csv", 600);
  absl::StatusOr<Json> first = TrainScoreModel(Options(data, "a"));
  absl::StatusOr<Json> second = TrainScoreModel(Options(data, "b"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ((*first)["sha256"], (*second)["sha256"]);
  EXPECT_EQ(*common::ReadFileBytes(dir_.File("a/model.ubj")),
            *common::ReadFileBytes(dir_.File("b/model.ubj")));
  EXPECT_EQ((*first)["held_out"], (*second)["held_out"]);

  // Another seed is another split and another model: the hash follows the inputs.
  ScoreTrainingOptions reseeded = Options(data, "c");
  reseeded.booster.seed = 8;
  absl::StatusOr<Json> third = TrainScoreModel(reseeded);
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_NE((*first)["sha256"], (*third)["sha256"]);
  EXPECT_EQ((*first)["training_data"]["sha256"], (*third)["training_data"]["sha256"]);
}

TEST_F(ScoreTrainingTest, TrainsFromJsonlWithInferredTypesAndZeroOneTarget) {
  std::ofstream(dir_.File("rows.jsonl")) << [] {
    std::string text;
    for (int i = 0; i < 200; ++i) {
      const bool churned = i % 4 == 0;
      text += Json{{"tenure", i % 10 == 1 ? Json() : Json(churned ? i % 7 : 10 + i % 30)},
                   {"plan", i % 3 == 0 ? "basic" : "pro"},
                   {"zip", 10000 + i % 5},
                   {"churned", churned ? 1 : 0}}
                  .dump() +
              "\n";
    }
    return text;
  }();
  ScoreTrainingOptions options;
  options.data_path = dir_.File("rows.jsonl");
  options.out_dir = dir_.File("churn");
  options.target = "churned";
  options.features = {"tenure", "plan", "zip"};
  options.categorical = {"zip"};
  options.booster.rounds = 20;
  absl::StatusOr<Json> manifest = TrainScoreModel(options);
  ASSERT_TRUE(manifest.ok()) << manifest.status();
  EXPECT_EQ((*manifest)["labels"], Json({{"positive", "1"}, {"negative", "0"}}));
  EXPECT_EQ((*manifest)["features"][0]["type"], "numeric");
  // 20 rows have no tenure; those in the training part (about 80%) are counted.
  EXPECT_GE((*manifest)["features"][0]["missing_in_training"].get<int>(), 12);
  EXPECT_LT((*manifest)["features"][0]["missing_in_training"].get<int>(), 20);
  EXPECT_EQ((*manifest)["features"][1]["type"], "categorical");
  EXPECT_EQ((*manifest)["features"][2]["categories"],
            Json({"10000", "10001", "10002", "10003", "10004"}));
  EXPECT_GE((*manifest)["held_out"]["auc"].get<double>(), 0.95);

  // A feature training saw missing may be missing without being unusual; a zip it never saw is.
  absl::StatusOr<std::unique_ptr<ScoreModel>> model = ScoreModel::Load(options.out_dir);
  ASSERT_TRUE(model.ok()) << model.status();
  absl::StatusOr<ScoreResult> scored =
      (*model)->Score({{"tenure", nullptr}, {"plan", "pro"}, {"zip", 99999}});
  ASSERT_TRUE(scored.ok()) << scored.status();
  EXPECT_EQ(scored->missing, std::vector<std::string>({"tenure"}));
  EXPECT_EQ(scored->unusual, std::vector<std::string>({"zip"}));
}

TEST_F(ScoreTrainingTest, BadDataIsAClearError) {
  const std::string data = History("history.csv", 100);
  auto error = [&](auto change) {
    ScoreTrainingOptions options = Options(data, "m");
    change(options);
    absl::StatusOr<Json> manifest = TrainScoreModel(options);
    EXPECT_FALSE(manifest.ok());
    return std::string(manifest.status().message());
  };
  EXPECT_THAT(error([](ScoreTrainingOptions& o) { o.target = "result"; }),
              HasSubstr("no target column \"result\" (its columns: customer_id, age"));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) { o.positive.clear(); }),
              HasSubstr("has the values bad, good; say which one"));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) { o.positive = "fraud"; }),
              HasSubstr("no row has outcome = \"fraud\""));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) {
                o.features = {"age", "income"};
              }),
              HasSubstr("has no column \"income\""));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) { o.categorical = {"customer_id"}; }),
              HasSubstr("--categorical names \"customer_id\", which is not a feature"));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) {
                o.features = {"age", "outcome"};
              }),
              HasSubstr("cannot be a feature too"));
  EXPECT_THAT(error([](ScoreTrainingOptions& o) { o.threshold = 1; }),
              HasSubstr("--threshold must be between 0 and 1"));

  std::ofstream(dir_.File("rows.txt")) << "a,b\n1,2\n";
  EXPECT_THAT(error([&](ScoreTrainingOptions& o) { o.data_path = dir_.File("rows.txt"); }),
              HasSubstr("unknown data format; use a .csv file"));
  std::ofstream(dir_.File("gap.csv")) << "age,outcome\n30,good\n40,\n";
  EXPECT_THAT(error([&](ScoreTrainingOptions& o) {
                o.data_path = dir_.File("gap.csv");
                o.features = {"age"};
              }),
              HasSubstr("gap.csv:3: no value in the target column \"outcome\""));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("m")));  // nothing half-written
}

TEST(MeasureScoresTest, AucAccuracyAndCalibration) {
  // Perfectly ranked, reversed, and all tied.
  EXPECT_EQ(MeasureScores({0.1, 0.2, 0.8, 0.9}, {0, 0, 1, 1}, 0.5)["auc"], 1.0);
  EXPECT_EQ(MeasureScores({0.9, 0.8, 0.2, 0.1}, {0, 0, 1, 1}, 0.5)["auc"], 0.0);
  EXPECT_EQ(MeasureScores({0.5, 0.5, 0.5, 0.5}, {0, 1, 0, 1}, 0.5)["auc"], 0.5);
  EXPECT_TRUE(MeasureScores({0.1, 0.2}, {0, 0}, 0.5)["auc"].is_null());

  const Json m = MeasureScores({0.05, 0.05, 0.95, 0.95, 0.55}, {0, 0, 1, 1, 0}, 0.5);
  EXPECT_DOUBLE_EQ(m["accuracy"].get<double>(), 0.8);
  // Bins: 0.0-0.1 (mean 0.05, rate 0), 0.5-0.6 (0.55, 0), 0.9-1.0 (0.95, 1).
  EXPECT_NEAR(m["ece"].get<double>(), (2 * 0.05 + 0.55 + 2 * 0.05) / 5, 1e-12);
  ASSERT_EQ(m["calibration"].size(), 3u);
  EXPECT_EQ(m["calibration"][1]["count"], 1);
}

}  // namespace
}  // namespace flowline::ai
