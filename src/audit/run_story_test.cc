#include "audit/run_story.h"

#include <memory>
#include <string>
#include <vector>

#include "audit/audit_test_base.h"
#include "audit/checkpoints.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

absl::Time At(int seconds) { return absl::FromUnixSeconds(1'700'000'000 + seconds); }

// One case: extract (an AI step) → review (a person corrects the IBAN) → $end.
class RunStoryTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    store::NewRun run;
    run.run_id = "run-1";
    run.workflow = "invoices";
    run.version = "v1";
    run.business_key = "ann@example.com";
    run.input_json = R"({"email":"ann@example.com","total":120})";
    run.now = At(0);
    run.steps = {{"extract", 0}, {"review", 1}, {store::kEndStepId, 1}};
    run.lease = store::LeaseRequest{"w", absl::Seconds(60)};
    run.records.push_back({"", "run.created", "system", R"({"key":"hmac-sha256:aa"})"});
    auto created = store_->CreateRun(run);
    ASSERT_TRUE(created.ok() && created->leased.size() == 1);

    store::StepCommit extract;
    extract.run_id = "run-1";
    extract.step_id = "extract";
    extract.lease_token = created->leased[0].lease_token;
    extract.now = At(1);
    extract.params_json = R"({"file":"inv.pdf"})";
    extract.output_json = R"({"fields":{"iban":{"value":"DE00"},"total":{"value":120}}})";
    extract.confidence = 0.7;
    extract.dependents = {"review"};
    extract.lease_next = store::LeaseRequest{"w", absl::Seconds(60)};
    extract.records.push_back({"extract", "step.completed", "ai:extract",
                               R"({"output":{"fields":{"iban":"hmac-sha256:bb"}}})"});
    auto committed = store_->CommitStep(extract);
    ASSERT_TRUE(committed.ok() && committed->leased.size() == 1) << committed.status();

    store::StepCommit review;
    review.run_id = "run-1";
    review.step_id = "review";
    review.lease_token = committed->leased[0].lease_token;
    review.now = At(2);
    review.resolution = store::StepResolution::kWaitTask;
    store::NewTask task;
    task.task_id = "task-1";
    task.queue = "ap";
    task.title = "Check <invoice> & pay";
    task.payload_json = R"({"fields_step":"extract","data":{}})";
    review.task = task;
    review.records.push_back({"review", "task.opened", "human:review", R"({"task_id":"task-1"})"});
    ASSERT_TRUE(store_->CommitStep(review).ok());

    store::TaskResolution resolution;
    resolution.task_id = "task-1";
    resolution.user = "bob";
    resolution.decision = "correct";
    resolution.resolution_json =
        R"({"decision":"correct","data":{"fields":{"iban":"DE99","total":120}}})";
    resolution.now = At(3);
    resolution.correction_step_id = "extract";
    resolution.corrections = {{"iban", R"("DE00")", 0.4, R"("DE99")", true},
                              {"total", "120", 0.99, "120", false}};
    resolution.records.push_back({"", "task.resolved", "human:bob", R"({"decision":"correct"})"});
    ASSERT_TRUE(store_->ResolveTask(resolution).ok());
  }

  Json Story(const PublicKey* trusted = nullptr) {
    RunStoryOptions options;
    options.personal = &personal_;
    options.digest = &digest_;
    options.trusted_key = trusted;
    absl::StatusOr<Json> story = RunStory(*store_, "run-1", options);
    EXPECT_TRUE(story.ok()) << story.status();
    return story.ok() ? *story : Json();
  }

  PersonalFields personal_{{"input.email", "steps.extract.output.fields.iban", "key"}};
  PersonalDigest digest_{"key"};
};

TEST_F(RunStoryTest, TellsTheWholeCaseWithPersonalDataAsDigests) {
  Json story = Story();
  EXPECT_EQ(story["format"], "flowline.run-story.v1");
  EXPECT_EQ(story["run"]["status"], "running");
  EXPECT_EQ(story["run"]["input"]["email"], digest_(Json("ann@example.com")));
  EXPECT_EQ(story["run"]["input"]["total"], 120);
  EXPECT_EQ(story["run"]["business_key"], digest_(Json("ann@example.com")));
  ASSERT_EQ(story["steps"].size(), 3u);
  EXPECT_EQ(story["steps"][0]["step_id"], "extract");
  EXPECT_TRUE(story["steps"][0]["input_digest"].is_string());
  ASSERT_EQ(story["tasks"].size(), 1u);
  EXPECT_EQ(story["tasks"][0]["resolved_by"], "bob");
  EXPECT_EQ(story["tasks"][0]["resolution"]["data"]["fields"]["iban"], digest_(Json("DE99")));
  EXPECT_EQ(story["tasks"][0]["resolution"]["data"]["fields"]["total"], 120);
  ASSERT_EQ(story["corrections"].size(), 2u);
  EXPECT_EQ(story["corrections"][0]["ai_value"], digest_(Json("DE00")));
  EXPECT_EQ(story["corrections"][0]["human_value"], digest_(Json("DE99")));
  EXPECT_EQ(story["corrections"][1]["human_value"], 120);
  ASSERT_EQ(story["records"].size(), 4u);
  EXPECT_EQ(story["records"][0]["kind"], "run.created");
  EXPECT_TRUE(story["records"][0]["hash_matches"].get<bool>());
  EXPECT_EQ(story["chain"]["records_matching_their_hash"], 4);
  EXPECT_FALSE(story["chain"]["signed"]["covered"].get<bool>());
  const std::string text = story.dump();
  for (const char* plain : {"ann@example.com", "DE99", "DE00", "inv.pdf"}) {
    EXPECT_THAT(text, Not(HasSubstr(plain))) << plain;
  }
}

TEST_F(RunStoryTest, SaysWhetherASignedCheckpointCoversTheRecords) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  ASSERT_TRUE(CheckpointHead(*store_, *key, At(10), "manual").ok());
  Json story = Story(&key->public_key());
  EXPECT_TRUE(story["chain"]["signed"]["covered"].get<bool>());
  EXPECT_TRUE(story["chain"]["signed"]["signature_valid"].get<bool>());
  auto other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  story = Story(&other->public_key());
  EXPECT_FALSE(story["chain"]["signed"]["signature_valid"].get<bool>());
}

TEST_F(RunStoryTest, TheHtmlPageIsSelfContainedAndEscaped) {
  const std::string html = RunStoryHtml(Story());
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("Case run-1"));
  EXPECT_THAT(html, HasSubstr("Check &lt;invoice&gt; &amp; pay"));
  EXPECT_THAT(html, Not(HasSubstr("<invoice>")));
  EXPECT_THAT(html, HasSubstr("task.resolved"));
  EXPECT_THAT(html, HasSubstr("4 of 4 records match their hashes"));
  for (const char* outside : {"<script", "http://", "https://", "<link"}) {
    EXPECT_THAT(html, Not(HasSubstr(outside))) << outside;
  }
  EXPECT_THAT(html, Not(HasSubstr("ann@example.com")));
}

TEST_F(RunStoryTest, AnUnknownRunIsNotFound) {
  RunStoryOptions options;
  EXPECT_EQ(RunStory(*store_, "nope", options).status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flowline::audit
