#include "lifecycle/promote.h"

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lifecycle/lifecycle_release_test_util.h"

namespace flowline::lifecycle {
namespace {

using ::testing::HasSubstr;

constexpr char kSpec[] = R"yaml(
workflow: inv
steps:
  - id: s
    uses: script
    with: { code: "return { n = N }" }
outputs:
  n: ${{ steps.s.output.n }}
)yaml";

std::string Spec(int n) { return absl::StrReplaceAll(kSpec, {{"N", absl::StrCat(n)}}); }

// A gate that passes versions whose spec says n >= the live one's n.
GateVerdict Compare(const store::VersionInfo& candidate, const store::VersionInfo& live) {
  auto n = [](const std::string& spec) { return spec.substr(spec.find("n = ") + 4, 2); };
  GateVerdict verdict;
  verdict.has_gate = true;
  verdict.passed = std::stoi(n(candidate.spec_source)) >= std::stoi(n(live.spec_source));
  if (!verdict.passed) verdict.failures.push_back("field accuracy 0.90 < live 0.95 - 0.01");
  verdict.detail = {{"candidate", n(candidate.spec_source)}, {"live", n(live.spec_source)}};
  return verdict;
}

class PromoteTest : public testing::ReleaseFixture {
 protected:
  Json LastRecord() {
    auto head = store_->GetRecordChainHead();
    auto records = store_->ScanRecords(head->seq - 1, 1);
    EXPECT_TRUE(records.ok() && records->size() == 1u);
    return Json::parse((*records)[0].payload_json);
  }
  PromoteRequest Request(const std::string& version) {
    PromoteRequest request;
    request.workflow = "inv";
    request.version = version;
    request.by = "ann";
    return request;
  }
  PromotionGate gate_ = [](const store::VersionInfo& c, const store::VersionInfo& l) {
    return absl::StatusOr<GateVerdict>(Compare(c, l));
  };
};

TEST_F(PromoteTest, RefusesAWorseVersionAndAcceptsABetterOne) {
  const std::string live = Deploy(Spec(50), store::VersionStage::kLive);
  const std::string worse = Deploy(Spec(40), store::VersionStage::kDraft);
  const std::string better = Deploy(Spec(60), store::VersionStage::kDraft);

  auto refused = Promote(*store_, Request(worse), gate_, clock_.Now());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(), HasSubstr("field accuracy 0.90 < live 0.95"));
  EXPECT_THAT(refused.status().message(), HasSubstr("--force"));
  EXPECT_EQ(store_->GetWorkflow("inv")->live_version, live);

  auto promoted = Promote(*store_, Request(better), gate_, clock_.Now());
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_TRUE(promoted->gate_checked);
  EXPECT_FALSE(promoted->forced);
  EXPECT_EQ(promoted->from, store::VersionStage::kDraft);
  EXPECT_EQ(promoted->workflow.live_version, better);
  EXPECT_EQ(store_->GetVersion("inv", live)->stage, store::VersionStage::kRetired);
  Json record = LastRecord();
  EXPECT_EQ(record["to"], "live");
  EXPECT_EQ(record["from"], "draft");
  EXPECT_EQ(record["by"], "ann");
  EXPECT_EQ(record["gate"]["passed"], true);
  EXPECT_EQ(record["live_before"], live);
}

TEST_F(PromoteTest, ForceNeedsAReasonAndIsRecordedWithTheFailingGate) {
  Deploy(Spec(50), store::VersionStage::kLive);
  const std::string worse = Deploy(Spec(40), store::VersionStage::kShadow);
  PromoteRequest request = Request(worse);
  request.force = true;
  EXPECT_EQ(Promote(*store_, request, gate_, clock_.Now()).status().code(),
            absl::StatusCode::kInvalidArgument);
  request.reason = "the live version mis-reads the new vendor's invoices";
  auto forced = Promote(*store_, request, gate_, clock_.Now());
  ASSERT_TRUE(forced.ok()) << forced.status();
  EXPECT_TRUE(forced->forced);
  EXPECT_EQ(forced->from, store::VersionStage::kShadow);
  EXPECT_EQ(forced->workflow.live_version, worse);
  EXPECT_EQ(forced->workflow.shadow_version, "");
  Json record = LastRecord();
  EXPECT_EQ(record["forced"], true);
  EXPECT_EQ(record["reason"], request.reason);
  EXPECT_EQ(record["gate"]["passed"], false);
  EXPECT_EQ(record["gate"]["failures"][0], "field accuracy 0.90 < live 0.95 - 0.01");
}

TEST_F(PromoteTest, StagesBeforeLivePassNoGateAndAWorkflowWithoutAGateSaysSo) {
  Deploy(Spec(50), store::VersionStage::kLive);
  const std::string draft = Deploy(Spec(10), store::VersionStage::kDraft);
  PromoteRequest request = Request(draft);
  request.to = store::VersionStage::kShadow;
  auto shadowed = Promote(*store_, request, gate_, clock_.Now());
  ASSERT_TRUE(shadowed.ok()) << shadowed.status();
  EXPECT_FALSE(shadowed->gate_checked);
  EXPECT_EQ(shadowed->workflow.shadow_version, draft);
  EXPECT_EQ(Promote(*store_, request, gate_, clock_.Now()).status().code(),
            absl::StatusCode::kInvalidArgument);  // already the shadow

  PromotionGate no_gate = [](const store::VersionInfo&, const store::VersionInfo&) {
    return absl::StatusOr<GateVerdict>(GateVerdict{});
  };
  auto live = Promote(*store_, Request(draft), no_gate, clock_.Now());
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_FALSE(live->gate_checked);
  EXPECT_THAT(live->gate_note, HasSubstr("no release gate"));
}

TEST_F(PromoteTest, ACanaryPassesTheGateAndRollbackGoesBack) {
  const std::string first = Deploy(Spec(50), store::VersionStage::kLive);
  const std::string worse = Deploy(Spec(40), store::VersionStage::kDraft);
  PromoteRequest canary = Request(worse);
  canary.canary_share = 0.1;
  EXPECT_EQ(Promote(*store_, canary, gate_, clock_.Now()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  const std::string better = Deploy(Spec(70), store::VersionStage::kDraft);
  canary = Request(better);
  canary.canary_share = 0.1;
  auto started = Promote(*store_, canary, gate_, clock_.Now());
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(started->workflow.canary_version, better);
  EXPECT_EQ(LastRecord()["to"], "canary");

  ASSERT_TRUE(Promote(*store_, Request(better), gate_, clock_.Now()).ok());
  auto back = Rollback(*store_, "inv", "", "ann", "complaints", clock_.Now());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->workflow.live_version, first);
  Json record = LastRecord();
  EXPECT_EQ(record["reason"], "complaints");
  EXPECT_EQ(record["live_before"], better);
}

}  // namespace
}  // namespace flowline::lifecycle
