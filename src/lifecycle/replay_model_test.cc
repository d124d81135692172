// Replay with a real model: a classify model retrained on disk behind its version's back is
// what replay exists to catch (docs/releases.md).
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"

#include "ai/classify/classifier_training.h"
#include "ai/classify/classify_step.h"
#include "ai/classify/classify_test_corpus.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lifecycle/lifecycle_release_test_util.h"
#include "lifecycle/replay.h"

namespace flowline::lifecycle {
namespace {

constexpr char kSpec[] = R"yaml(
workflow: sort
key: ${{ input.id }}
steps:
  - id: kind
    uses: classify
    actor: ai
    with: { model: doc-types, text: "${{ input.text }}" }
outputs:
  label: ${{ steps.kind.output.label }}
)yaml";

class ReplayModelTest : public testing::ReleaseFixture {
 protected:
  void SetUp() override {
    ReleaseFixture::SetUp();
    models_ = dir_.File("models");
    registry_.Register(std::make_unique<ai::ClassifyStep>(models_));
  }

  // Trains doc-types from `per_label` documents of each label of the corpus with `seed`,
  // replacing whatever model is there.
  std::string Train(uint64_t seed, int per_label) {
    const std::string data = dir_.File(absl::StrCat("cases-", seed, ".jsonl"));
    std::ofstream(data) << ai::testing::CorpusGenerator::ToJsonl(
        ai::testing::CorpusGenerator(seed).Generate(per_label));
    std::filesystem::remove_all(models_ + "/doc-types");
    ai::ClassifierTrainingOptions options;
    options.data_path = data;
    options.out_dir = models_ + "/doc-types";
    options.seed = static_cast<int>(seed);
    absl::StatusOr<Json> manifest = ai::TrainClassifier(options);
    EXPECT_TRUE(manifest.ok()) << manifest.status();
    return manifest.ok() ? (*manifest)["sha256"].get<std::string>() : "";
  }

  ReplayOptions Options() { return ReplayOptions{&registry_, nullptr, ""}; }

  std::string models_;
};

TEST_F(ReplayModelTest, AModelRetrainedBehindTheVersionsBackIsReported) {
  const std::string before = Train(11, 30);
  Deploy(kSpec, store::VersionStage::kLive);
  const std::string text = ai::testing::CorpusGenerator(5).Document("receipt");
  const std::string run_id = Start("sort", {{"id", "D-1"}, {"text", text}}).run_id;
  RunAll();
  ASSERT_EQ(store_->GetRun(run_id)->status, store::RunStatus::kCompleted);

  // The same model on disk: the replay agrees with the record.
  auto same = ReplayRun(*store_, Options(), run_id);
  ASSERT_TRUE(same.ok()) << same.status();
  EXPECT_TRUE(same->consistent()) << ReplayResultJson(*same).dump(2);

  // Another model under the same name, the version's spec unchanged.
  const std::string after = Train(23, 4);
  ASSERT_NE(after, before);
  auto changed = ReplayRun(*store_, Options(), run_id);
  ASSERT_TRUE(changed.ok()) << changed.status();
  ASSERT_FALSE(changed->consistent());
  bool model_reported = false;
  for (const StepDifference& d : changed->differences) {
    // Only the classify step (and what the run's outputs take from it) can differ.
    EXPECT_TRUE(d.step == "kind" || d.step == "run") << d.step;
    if (d.step == "kind" && d.what == "output" && d.path == "model.sha256") {
      model_reported = true;
      EXPECT_EQ(d.recorded, before);
      EXPECT_EQ(d.replayed, after);
    }
  }
  EXPECT_TRUE(model_reported) << ReplayResultJson(*changed).dump(2);
}

}  // namespace
}  // namespace flowline::lifecycle
