#include "audit/retention.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/audit_test_base.h"
#include "audit/checkpoints.h"
#include "audit/verifier.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::audit {
namespace {

using ::testing::HasSubstr;

absl::Time Utc(int year, int month, int day, int hour = 0) {
  return absl::FromCivil(absl::CivilSecond(year, month, day, hour, 0, 0), absl::UTCTimeZone());
}

TEST(RetentionTest, ParsesMonthsYearsAndDays) {
  absl::StatusOr<Retention> months = Retention::Parse("13mo");
  ASSERT_TRUE(months.ok());
  EXPECT_EQ(months->months, 13);
  EXPECT_EQ(months->ToString(), "13mo");
  absl::StatusOr<Retention> years = Retention::Parse("2y");
  ASSERT_TRUE(years.ok());
  EXPECT_EQ(years->months, 24);
  EXPECT_EQ(years->ToString(), "2y");
  absl::StatusOr<Retention> days = Retention::Parse("400d");
  ASSERT_TRUE(days.ok());
  EXPECT_EQ(days->days, 400);
  EXPECT_EQ(days->months, 0);
  EXPECT_EQ(Retention().ToString(), "13mo");  // the default
}

TEST(RetentionTest, RefusesLessThanSixMonthsAndNonsense) {
  for (const char* text : {"5mo", "183d", "0y"}) {
    absl::StatusOr<Retention> retention = Retention::Parse(text);
    EXPECT_EQ(retention.status().code(), absl::StatusCode::kInvalidArgument) << text;
  }
  EXPECT_THAT(Retention::Parse("5mo").status().message(),
              HasSubstr("shorter than the minimum of 6 months"));
  EXPECT_TRUE(Retention::Parse("6mo").ok());
  EXPECT_TRUE(Retention::Parse("184d").ok());
  for (const char* text : {"13", "mo", "x3mo", "13 months", "-7mo", ""}) {
    absl::StatusOr<Retention> retention = Retention::Parse(text);
    EXPECT_EQ(retention.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_THAT(retention.status().message(), HasSubstr("e.g. 13mo")) << text;
  }
}

TEST(RetentionTest, CutoffIsCalendarMonthsBack) {
  Retention thirteen;
  EXPECT_EQ(thirteen.Cutoff(Utc(2026, 11, 24, 8)), Utc(2025, 10, 24, 8));
  Retention one_month{1, 0};
  // 31 March less a month is the last day of February.
  EXPECT_EQ(one_month.Cutoff(Utc(2024, 3, 31)), Utc(2024, 2, 29));
  EXPECT_EQ(one_month.Cutoff(Utc(2025, 3, 31)), Utc(2025, 2, 28));
  Retention days{0, 400};
  EXPECT_EQ(days.Cutoff(Utc(2026, 1, 1)), Utc(2026, 1, 1) - absl::Hours(24 * 400));
}

class PruneTest : public AuditStoreTest {
 protected:
  void SetUp() override {
    AuditStoreTest::SetUp();
    // One run a month through 2025, one record each: record n is from month n.
    for (int month = 1; month <= 12; ++month) {
      AddRun(absl::StrCat("r", month), Utc(2025, month, 15),
             {store::NewRecord{"", "run.created", "system", "{}"}});
    }
  }
};

TEST_F(PruneTest, RemovesWhatIsOlderThanTheRetentionAndTheRestVerifies) {
  PruneOptions options;  // 13 months
  // On 1 Dec 2026 the cutoff is 1 Nov 2025: records of January to October go.
  absl::StatusOr<PruneResult> pruned =
      PruneExpiredRecords(*store_, *key_, Utc(2026, 12, 1), options);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->cutoff, Utc(2025, 11, 1));
  EXPECT_EQ(pruned->removed, 10);
  EXPECT_EQ(pruned->cut_seq, 10);
  EXPECT_EQ(pruned->cuts, 1);
  absl::StatusOr<std::vector<store::Record>> rest = store_->ScanRecords(0, 0);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ(rest->front().run_id, "r11");

  VerifyOptions verify;
  verify.trusted_key = &key_->public_key();
  absl::StatusOr<VerifyReport> report = VerifyChain(*store_, verify);
  ASSERT_TRUE(report.ok());
  EXPECT_FALSE(report->finding.has_value()) << report->finding->message;
  EXPECT_EQ(report->first_seq, 11);

  // Nothing more to do the same day.
  pruned = PruneExpiredRecords(*store_, *key_, Utc(2026, 12, 1), options);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed, 0);
  EXPECT_EQ(pruned->cuts, 0);
}

TEST_F(PruneTest, ABacklogIsCutInBatchesAndADryRunRemovesNothing) {
  PruneOptions options;
  options.retention = Retention{6, 0};
  options.dry_run = true;
  // On 1 Dec 2025 the cutoff is 1 Jun 2025: January to May go.
  absl::StatusOr<PruneResult> planned =
      PruneExpiredRecords(*store_, *key_, Utc(2025, 12, 1), options);
  ASSERT_TRUE(planned.ok());
  EXPECT_EQ(planned->removed, 5);
  EXPECT_EQ(planned->cuts, 0);
  EXPECT_EQ(store_->ScanRecords(0, 0)->size(), 12u);

  options.dry_run = false;
  options.batch = 2;
  absl::StatusOr<PruneResult> pruned =
      PruneExpiredRecords(*store_, *key_, Utc(2025, 12, 1), options);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed, 5);
  EXPECT_EQ(pruned->cuts, 3);  // 2 + 2 + 1
  absl::StatusOr<std::vector<store::Checkpoint>> checkpoints = store_->ListCheckpoints(0, 0);
  ASSERT_TRUE(checkpoints.ok());
  ASSERT_EQ(checkpoints->size(), 1u);  // each cut supersedes the one before
  EXPECT_TRUE(checkpoints->front().cut);
  EXPECT_EQ(checkpoints->front().seq, 5);
  EXPECT_EQ(checkpoints->front().reason, "retention");
}

TEST_F(PruneTest, NothingExpiredNothingRemoved) {
  absl::StatusOr<PruneResult> pruned =
      PruneExpiredRecords(*store_, *key_, Utc(2026, 1, 1), PruneOptions{});
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->removed, 0);
  absl::StatusOr<std::optional<store::Checkpoint>> latest = store_->LatestCheckpoint();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
}

}  // namespace
}  // namespace flowline::audit
