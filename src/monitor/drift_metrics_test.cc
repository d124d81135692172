// Drift detection's /metrics families, read back with the strict exposition parser.
#include "monitor/drift_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/temp_dir.h"
#include "monitor/drift.h"
#include "monitor/drift_check.h"
#include "monitor/prometheus_parser.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::monitor {
namespace {

using testing::SampleValue;

class DriftMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options =
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db"));
    auto opened = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = *std::move(opened);
    for (const char* workflow : {"invoice", "claims"}) {
      ASSERT_TRUE(store_->PutVersion({workflow, "v1", "spec", "spec.yaml", absl::Now()}).ok());
    }
  }

  void Raise(const std::string& id, const std::string& workflow, const std::string& subject) {
    store::AlertRaise raise;
    raise.alert_id = id;
    raise.workflow = workflow;
    raise.kind = "drift";
    raise.subject = subject;
    raise.summary = subject + " drifted";
    raise.detail_json = "{}";
    raise.now = absl::Now();
    ASSERT_TRUE(store_->RaiseAlert(raise).ok());
  }

  std::string Scrape() {
    PrometheusWriter out;
    absl::Status collected = DriftMetrics(*store_).Collect(out);
    EXPECT_TRUE(collected.ok()) << collected;
    return out.Take();
  }

  common::TempDir dir_;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
};

TEST_F(DriftMetricsTest, AlertsAndTheLatestChecksFindingsAreGauges) {
  Raise("alert_1", "invoice", "fields.total_amount");
  Raise("alert_2", "invoice", "fields.vendor_name");
  Raise("alert_3", "invoice", "read.confidence");
  ASSERT_TRUE(store_->AcknowledgeAlert("alert_2", "ann", absl::Now()).ok());
  ASSERT_TRUE(store_->ResolveAlert({"alert_3", "ann", "", absl::Now(), "", ""}).ok());

  // The invoice workflow's latest check: the amount drifted, the vendor did not.
  DriftReport report;
  report.workflow = "invoice";
  report.checked_at = absl::FromUnixSeconds(1767225600);
  FeatureDrift amount;
  amount.feature = "fields.total_amount";
  amount.status = DriftStatus::kDrift;
  amount.statistics = {
      {"psi", 1.84, 0.2, true}, {"ks_d", 0.52, std::nullopt, false}, {"ks_p", 1e-41, 0.01, true}};
  FeatureDrift vendor;
  vendor.feature = "fields.vendor_name";
  vendor.type = FeatureType::kCategorical;
  vendor.statistics = {
      {"chi2", 3.1, std::nullopt, false}, {"chi2_p", 0.54, 0.01, false}, {"js", 0.004, 0.1, false}};
  report.features = {amount, vendor};
  ASSERT_TRUE(
      store_->PutDriftReport({"invoice", report.checked_at, common::CanonicalJson(report.ToJson())})
          .ok());

  const std::string text = Scrape();
  auto families = testing::ParsePrometheusText(text);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << text;
  EXPECT_EQ(families->at("flowline_alerts_open").type, "gauge");
  EXPECT_EQ(*SampleValue(*families, "flowline_alerts_open",
                         {{"workflow", "invoice"}, {"kind", "drift"}, {"status", "open"}}),
            1);
  EXPECT_EQ(*SampleValue(*families, "flowline_alerts_open",
                         {{"workflow", "invoice"}, {"kind", "drift"}, {"status", "acknowledged"}}),
            1);
  EXPECT_EQ(families->at("flowline_alerts_open").samples.size(), 2u);  // resolved: not counted
  EXPECT_EQ(*SampleValue(*families, "flowline_drift_feature_drifted",
                         {{"workflow", "invoice"}, {"feature", "fields.total_amount"}}),
            1);
  EXPECT_EQ(*SampleValue(*families, "flowline_drift_feature_drifted",
                         {{"workflow", "invoice"}, {"feature", "fields.vendor_name"}}),
            0);
  EXPECT_DOUBLE_EQ(
      *SampleValue(
          *families, "flowline_drift_statistic",
          {{"workflow", "invoice"}, {"feature", "fields.total_amount"}, {"statistic", "psi"}}),
      1.84);
  EXPECT_DOUBLE_EQ(
      *SampleValue(
          *families, "flowline_drift_statistic",
          {{"workflow", "invoice"}, {"feature", "fields.total_amount"}, {"statistic", "ks_p"}}),
      1e-41);
  EXPECT_DOUBLE_EQ(
      *SampleValue(
          *families, "flowline_drift_statistic",
          {{"workflow", "invoice"}, {"feature", "fields.vendor_name"}, {"statistic", "js"}}),
      0.004);
  EXPECT_EQ(*SampleValue(*families, "flowline_drift_checked_timestamp_seconds",
                         {{"workflow", "invoice"}}),
            1767225600);
  // The claims workflow has no check yet: no series of its own.
  EXPECT_FALSE(
      SampleValue(*families, "flowline_drift_checked_timestamp_seconds", {{"workflow", "claims"}})
          .ok());
}

TEST_F(DriftMetricsTest, AStoreWithoutAlertsOrChecksStillDeclaresItsFamilies) {
  const std::string text = Scrape();
  auto families = testing::ParsePrometheusText(text);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << text;
  for (const char* family :
       {"flowline_alerts_open", "flowline_drift_feature_drifted", "flowline_drift_statistic",
        "flowline_drift_checked_timestamp_seconds"}) {
    ASSERT_TRUE(families->contains(family)) << family;
    EXPECT_TRUE(families->at(family).samples.empty()) << family;
  }
}

}  // namespace
}  // namespace flowline::monitor
