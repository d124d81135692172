#include "ai/match/match_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "ai/match/reference_data.h"
#include "ai/match/reference_store.h"
#include "common/temp_dir.h"
#include "steps/step_test_util.h"

namespace flowline::ai {
namespace {

using steps::StepContext;
using steps::StepOutcome;
using steps::testing::ConfigErrorOn;
using steps::testing::MustPrepare;
using steps::testing::PrepareStep;
using ::testing::Contains;
using ::testing::HasSubstr;

constexpr const char* kVendors =
    "id,name,city\n"
    "V1,ACME Corporation GmbH,Berlin\n"
    "V2,Acme Industries Ltd,Leeds\n"
    "V3,Apex Tools Inc.,Dayton\n"
    "V4,Globex Ltd,London\n"
    "V5,3M,St Paul\n";

constexpr const char* kOrders =
    "po,vendor,total,ordered\n"
    "PO-1,ACME Corporation GmbH,1000.00,2026-03-01\n"
    "PO-2,ACME Corporation GmbH,1450.00,2026-03-10\n"
    "PO-3,ACME Corporation GmbH,1469.06,2026-01-05\n"
    "PO-4,Globex Ltd,1470.00,2026-03-12\n";

class MatchStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    LoadTable("vendors", kVendors);
    LoadTable("orders", kOrders);
  }
  void LoadTable(const std::string& table, const std::string& csv) {
    absl::StatusOr<ReferenceData> data = ParseReferenceCsv(csv, table + ".csv");
    ASSERT_TRUE(data.ok()) << data.status();
    ReferenceLoadOptions options;
    options.db_path = db_;
    options.table = table;
    options.source = table + ".csv";
    ASSERT_TRUE(LoadReferenceTable(*data, options).ok());
  }
  // Prepares `with` (as written: values are already final here) and executes it.
  StepOutcome Match(Json with) {
    MatchStep kind(db_);
    std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind, with);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    StepContext ctx;
    ctx.params = &with;
    return step->Execute(ctx);
  }

  common::TempDir dir_;
  std::string db_ = dir_.File("reference.db");
};

TEST_F(MatchStepTest, FindsTheVendorDespiteCaseAndLegalForm) {
  const StepOutcome outcome = Match({{"table", "vendors"}, {"value", "Acme Corp"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const Json& out = outcome.output;
  EXPECT_EQ(out["matched"], true);
  EXPECT_EQ(out["match"],
            Json({{"id", "V1"}, {"name", "ACME Corporation GmbH"}, {"city", "Berlin"}}));
  EXPECT_EQ(out["score"], 1.0);
  EXPECT_EQ(out["field"], "name");
  EXPECT_EQ(out["method"], "trigram");
  // The runner-up is the other Acme, clearly behind.
  EXPECT_EQ(out["runner_up"]["row"]["id"], "V2");
  EXPECT_LT(out["runner_up"]["score"].get<double>(), 0.6);
  EXPECT_EQ(out["reference"]["table"], "vendors");
  ASSERT_TRUE(outcome.confidence.has_value());
  EXPECT_GT(*outcome.confidence, 0.9);
}

TEST_F(MatchStepTest, ToleratesTypos) {
  const StepOutcome outcome =
      Match({{"table", "vendors"}, {"value", "Globx Limited"}, {"fields", {"name"}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["match"]["id"], "V4") << outcome.output.dump(2);
  EXPECT_GT(outcome.output["score"].get<double>(), 0.7);
  EXPECT_LT(outcome.output["score"].get<double>(), 1.0);
}

TEST_F(MatchStepTest, NoMatchUnderMinScore) {
  const StepOutcome outcome = Match({{"table", "vendors"}, {"value", "Initech Software"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["matched"], false) << outcome.output.dump(2);
  EXPECT_EQ(outcome.output["match"], Json());
  EXPECT_LT(outcome.output["score"].get<double>(), 0.6);
  EXPECT_NEAR(*outcome.confidence, 1.0 - outcome.output["score"].get<double>(), 1e-12);
  // The same value matches when the bar is low enough.
  const StepOutcome low =
      Match({{"table", "vendors"}, {"value", "Apex Tools"}, {"min_score", 0.99}});
  EXPECT_EQ(low.output["matched"], true);
}

TEST_F(MatchStepTest, AmountToleranceSelectsThePurchaseOrder) {
  // Three ACME orders: PO-1 is not within 2% of 1469.06, PO-3 not within 30 days.
  StepOutcome outcome =
      Match({{"table", "orders"},
             {"value", "Acme Corp"},
             {"fields", {"vendor"}},
             {"amount", {{"column", "total"}, {"value", "1469.06"}, {"tolerance", "2%"}}},
             {"date", {{"column", "ordered"}, {"value", "2026-03-14"}, {"tolerance_days", 30}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["match"]["po"], "PO-2") << outcome.output.dump(2);
  EXPECT_EQ(outcome.output["match"]["total"], 1450.0);
  // PO-4 (Globex) is in range but shares no trigram with the name: not a candidate.
  EXPECT_EQ(outcome.output["runner_up"], Json());
  EXPECT_EQ(outcome.output["candidates"], 1);
  // Exact amount: only PO-3 (no date filter).
  outcome = Match({{"table", "orders"},
                   {"value", "ACME"},
                   {"amount", {{"column", "total"}, {"value", 1469.06}, {"tolerance", 0.005}}}});
  EXPECT_EQ(outcome.output["match"]["po"], "PO-3");
  EXPECT_EQ(outcome.output["runner_up"], Json());
  EXPECT_EQ(outcome.output["candidates"], 1);
  // Nothing within tolerance: no match.
  outcome = Match({{"table", "orders"},
                   {"value", "ACME"},
                   {"amount", {{"column", "total"}, {"value", 5000}, {"tolerance", "1%"}}}});
  EXPECT_EQ(outcome.output["matched"], false);
  EXPECT_EQ(outcome.output["candidates"], 0);
}

TEST_F(MatchStepTest, ACloseRunnerUpLowersConfidence) {
  LoadTable("twins", "id,name\nA,Acme North\nB,Acme Nord\n");
  const StepOutcome outcome = Match({{"table", "twins"}, {"value", "Acme Nort"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["matched"], true);
  EXPECT_LT(*outcome.confidence, 0.7 * outcome.output["score"].get<double>());
}

TEST_F(MatchStepTest, ShortValuesFallBackToAScan) {
  const StepOutcome outcome = Match({{"table", "vendors"}, {"value", "3m"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["method"], "scan");
  EXPECT_EQ(outcome.output["match"]["id"], "V5");
  const StepOutcome nothing = Match({{"table", "vendors"}, {"value", "--"}});
  EXPECT_EQ(nothing.output["method"], "none");
  EXPECT_EQ(nothing.output["matched"], false);
}

TEST_F(MatchStepTest, MissingTableOrDatabaseFailsWithHowToLoad) {
  StepOutcome outcome = Match({{"table", "customers"}, {"value", "Acme"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("reference table \"customers\" is not loaded"));
  EXPECT_THAT(outcome.error, HasSubstr("flowline reference load --table customers"));
  outcome = Match({{"table", "vendors"}, {"value", "Acme"}, {"reference", dir_.File("none.db")}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("none.db does not exist"));
}

TEST_F(MatchStepTest, ColumnNamesAreCheckedNotInterpolated) {
  StepOutcome outcome = Match({{"table", "vendors"},
                               {"value", "Acme"},
                               {"fields", {"name\" OR 1=1; DROP TABLE vendors; --"}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("is not a column of reference table vendors; its columns "
                                       "are id, name, city"));
  outcome = Match({{"table", "orders"},
                   {"value", "Acme"},
                   {"amount", {{"column", "total) OR (1=1"}, {"value", 1}}}});
  EXPECT_THAT(outcome.error, HasSubstr("amount.column"));
  outcome = Match({{"table", "orders"}, {"value", "Acme"}, {"fields", {"total"}}});
  EXPECT_THAT(outcome.error, HasSubstr("\"total\" is a number column"));
  // And the table survived.
  EXPECT_EQ(Match({{"table", "vendors"}, {"value", "Acme Corp"}}).output["matched"], true);
}

TEST_F(MatchStepTest, ReportsBadParameters) {
  MatchStep kind(db_);
  EXPECT_THAT(PrepareStep(kind, {{"table", "vendors; DROP TABLE x"}, {"value", "a"}}).errors,
              Contains(ConfigErrorOn("table", "not a valid reference table name")));
  EXPECT_THAT(PrepareStep(kind, {{"table", "${{ input.t }}"}, {"value", "a"}}).errors,
              Contains(ConfigErrorOn("table", "used as written")));
  EXPECT_THAT(PrepareStep(kind, {{"table", "vendors"}}).errors,
              Contains(ConfigErrorOn("value", "missing required parameter")));
  EXPECT_THAT(PrepareStep(kind, {{"table", "vendors"}, {"value", "a"}, {"min_score", 1.5}}).errors,
              Contains(ConfigErrorOn("min_score", "between 0 and 1")));
  EXPECT_THAT(
      PrepareStep(
          kind,
          {{"table", "orders"},
           {"value", "a"},
           {"amount",
            {{"column", "total"}, {"value", "${{ input.total }}"}, {"tolerance", "two percent"}}}})
          .errors,
      Contains(ConfigErrorOn("amount.tolerance", "a percentage like \"2%\"")));
  EXPECT_THAT(PrepareStep(kind, {{"table", "orders"},
                                 {"value", "a"},
                                 {"date", {{"column", "ordered"}, {"value", "14/03/2026"}}}})
                  .errors,
              Contains(ConfigErrorOn("date.value", "ISO date")));
  EXPECT_THAT(
      PrepareStep(kind, {{"table", "orders"}, {"value", "a"}, {"amount", {{"colum", "x"}}}}).errors,
      Contains(ConfigErrorOn("amount.colum", "unknown amount field")));
  // Deferred values are accepted at Prepare.
  EXPECT_TRUE(
      PrepareStep(kind, {{"table", "orders"},
                         {"value", "${{ steps.x.output.vendor }}"},
                         {"amount", {{"column", "total"}, {"value", "${{ input.total }}"}}}})
          .errors.empty());
}

TEST_F(MatchStepTest, ConcurrentMatchesGiveTheSameAnswers) {
  MatchStep kind(db_);
  const Json with = {{"table", "vendors"}, {"value", "Acme Corp"}};
  std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind, with);
  ASSERT_NE(step, nullptr);
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        StepContext ctx;
        ctx.params = &with;
        const StepOutcome outcome = step->Execute(ctx);
        if (outcome.kind != StepOutcome::Kind::kCompleted ||
            outcome.output["match"]["id"] != "V1") {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace flowline::ai
