// The /metrics exposition: the writer, a strict parser that holds it to the text format 0.0.4,
// and the measures as metrics over a real store.
#include "monitor/prometheus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <set>

#include "common/clock.h"
#include "common/temp_dir.h"
#include "monitor/measure_metrics.h"
#include "monitor/measure_names.h"
#include "monitor/prometheus_parser.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::monitor {
namespace {

using ::testing::HasSubstr;
using testing::ParsePrometheusText;
using testing::SampleValue;

TEST(PrometheusWriterTest, WritesFamiliesTheStrictParserAccepts) {
  PrometheusWriter out;
  out.Family("jobs_total", "counter", "Jobs done.\nSecond line \\ backslash.");
  out.Sample("jobs_total", {{"queue", "a\"b\\c\nd"}}, 3);
  out.Sample("jobs_total", {{"queue", "plain"}}, 1e15);
  out.Family("temperature", "gauge", "A gauge.");
  out.Sample("temperature", {}, 0.1);
  out.Sample("temperature", {{"where", "inf"}}, std::numeric_limits<double>::infinity());
  LatencyHistogram h;
  ASSERT_TRUE(h.Add("0.5", 2, 0.7));
  ASSERT_TRUE(h.Add("+Inf", 1, 900000));
  out.Family("latency_seconds", "histogram", "A histogram.");
  out.HistogramSamples("latency_seconds", {{"step", "read"}}, h);
  ASSERT_TRUE(out.status().ok()) << out.status();
  const std::string text = out.Take();

  auto families = ParsePrometheusText(text);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << text;
  EXPECT_EQ(families->at("jobs_total").help, "Jobs done.\\nSecond line \\\\ backslash.");
  EXPECT_EQ(*SampleValue(*families, "jobs_total", {{"queue", "a\"b\\c\nd"}}), 3);
  EXPECT_EQ(*SampleValue(*families, "jobs_total", {{"queue", "plain"}}), 1e15);
  EXPECT_THAT(text, HasSubstr("jobs_total{queue=\"plain\"} 1000000000000000\n"));
  EXPECT_THAT(text, HasSubstr("temperature 0.1\n"));
  EXPECT_THAT(text, HasSubstr("temperature{where=\"inf\"} +Inf\n"));
  EXPECT_EQ(*SampleValue(*families, "latency_seconds_bucket", {{"step", "read"}, {"le", "0.25"}}),
            0);
  EXPECT_EQ(*SampleValue(*families, "latency_seconds_bucket", {{"step", "read"}, {"le", "0.5"}}),
            2);
  EXPECT_EQ(*SampleValue(*families, "latency_seconds_bucket", {{"step", "read"}, {"le", "604800"}}),
            2);
  EXPECT_EQ(*SampleValue(*families, "latency_seconds_bucket", {{"step", "read"}, {"le", "+Inf"}}),
            3);
  EXPECT_EQ(*SampleValue(*families, "latency_seconds_count", {{"step", "read"}}), 3);
  EXPECT_DOUBLE_EQ(*SampleValue(*families, "latency_seconds_sum", {{"step", "read"}}), 900000.7);
}

TEST(PrometheusWriterTest, RefusesBadNamesAndRepeatedFamilies) {
  PrometheusWriter out;
  EXPECT_TRUE(out.Family("ok_total", "counter", "fine"));
  EXPECT_FALSE(out.Family("ok_total", "counter", "again"));
  EXPECT_THAT(std::string(out.status().message()), HasSubstr("written twice"));
  PrometheusWriter names;
  EXPECT_FALSE(names.Family("2bad", "gauge", "x"));
  PrometheusWriter labels;
  labels.Family("x", "gauge", "x");
  labels.Sample("x", {{"bad-label", "v"}}, 1);
  EXPECT_FALSE(labels.status().ok());
  EXPECT_EQ(FormatSampleValue(2.5), "2.5");
  EXPECT_EQ(FormatSampleValue(-3), "-3");
  EXPECT_EQ(FormatSampleValue(std::nan("")), "NaN");
}

// The parser is only worth something if it refuses what Prometheus would.
TEST(PrometheusParserTest, RefusesWhatTheFormatForbids) {
  const char* bad[] = {
      "x 1",                                              // no newline at the end
      "x 1\n",                                            // no TYPE
      "# TYPE x gauge\nx{a=\"1\"} one\n",                 // bad value
      "# TYPE x gauge\nx{a=1} 1\n",                       // unquoted label value
      "# TYPE x gauge\nx{a=\"\\t\"} 1\n",                 // unknown escape
      "# TYPE x gauge\nx{a=\"1\",a=\"2\"} 1\n",           // label twice
      "# TYPE x gauge\nx 1\nx 2\n",                       // series twice
      "# TYPE x gauge\n# TYPE x gauge\nx 1\n",            // TYPE twice
      "# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n",  // family split up
      "# TYPE x counter\nx_total 1\n",                    // counter sample renamed
      "# TYPE x frequency\nx 1\n",                        // unknown type
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
      "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_sum 1\nh_count 2\n",     // no +Inf
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 3\n",  // count differs
  };
  for (const char* text : bad) {
    EXPECT_FALSE(ParsePrometheusText(text).ok()) << text;
  }
  EXPECT_TRUE(
      ParsePrometheusText("# a comment\n# TYPE x gauge\nx{a=\"1\"} 1 1700000000000\n").ok());
}

store::MeasureBucket Total(std::string version, std::string step, std::string measure,
                           std::string label, int64_t count, double sum) {
  store::MeasureBucket b;
  b.granularity_s = kTotal;
  b.start = absl::UnixEpoch();
  b.workflow = "invoice";
  b.version = std::move(version);
  b.step = std::move(step);
  b.measure = std::move(measure);
  b.label = std::move(label);
  b.count = count;
  b.sum = sum;
  return b;
}

TEST(MeasureMetricsTest, TheStoredTotalsBecomeCountersHistogramsAndGauges) {
  common::TempDir dir;
  store::sqlite::SqliteStoreOptions options;
  options.path = dir.File("flowline.db");
  auto store = store::sqlite::SqliteStore::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  store::VersionInfo version;
  version.workflow = "invoice";
  version.version = "0123456789abcdef";
  version.spec_source = "workflow: invoice";
  version.source_name = "invoice.yaml";
  ASSERT_TRUE((*store)->PutVersion(version).ok());

  const std::string v = "0123456789abcdef";
  store::MeasureBatch batch;
  batch.from_seq = 0;
  batch.to_seq = 40;
  batch.deltas = {
      Total(v, "", measure::kRunsStarted, "", 10, 0),
      Total(v, "", measure::kRunsCompleted, "", 8, 0),
      Total(v, "", measure::kRunsRejected, "", 1, 0),
      Total(v, "", measure::kRunsAutomated, "", 6, 0),
      Total(v, "", measure::kExceptions, "low_confidence", 2, 0),
      Total(v, "", measure::kExceptions, "audit_sample", 1, 0),
      Total(v, "", measure::kFields, "all", 20, 3),
      Total(v, "", measure::kFields, "audit", 5, 0),
      Total(v, "", measure::kRunLatency, "0.5", 6, 2.4),
      Total(v, "", measure::kRunLatency, "3600", 3, 5000),
      Total(v, "read", measure::kStepsCompleted, "", 10, 0),
      Total(v, "read", measure::kStepLatency, "0.05", 10, 0.3),
      Total(v, "read", measure::kModelCalls, "ai:document.read", 10, 0),
      Total(v, "read", measure::kInputTokens, "ai:document.read", 1200, 0),
  };
  ASSERT_TRUE((*store)->ApplyMeasures(batch).ok());

  common::FakeClock clock;
  MeasureMetrics metrics(**store, clock);
  PrometheusWriter out;
  ASSERT_TRUE(metrics.Collect(out).ok());
  ASSERT_TRUE(out.status().ok()) << out.status();
  const std::string text = out.Take();
  auto families = ParsePrometheusText(text);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << text;

  const std::map<std::string, std::string> run = {{"workflow", "invoice"},
                                                  {"version", "0123456789ab"}};
  auto with = [&](std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> labels = run;
    labels.insert(extra.begin(), extra.end());
    return labels;
  };
  EXPECT_EQ(*SampleValue(*families, "flowline_runs_started_total", run), 10);
  EXPECT_EQ(
      *SampleValue(*families, "flowline_runs_finished_total", with({{"status", "completed"}})), 8);
  EXPECT_EQ(*SampleValue(*families, "flowline_runs_finished_total", with({{"status", "rejected"}})),
            1);
  EXPECT_EQ(*SampleValue(*families, "flowline_runs_straight_through_total", run), 6);
  EXPECT_EQ(
      *SampleValue(*families, "flowline_exceptions_total", with({{"reason", "low_confidence"}})),
      2);
  EXPECT_EQ(*SampleValue(*families, "flowline_reviewed_fields_total", with({{"sample", "all"}})),
            20);
  EXPECT_EQ(*SampleValue(*families, "flowline_corrected_fields_total", with({{"sample", "all"}})),
            3);
  EXPECT_EQ(*SampleValue(*families, "flowline_corrected_fields_total", with({{"sample", "audit"}})),
            0);
  EXPECT_EQ(*SampleValue(*families, "flowline_run_duration_seconds_bucket", with({{"le", "0.5"}})),
            6);
  EXPECT_EQ(*SampleValue(*families, "flowline_run_duration_seconds_bucket", with({{"le", "1800"}})),
            6);
  EXPECT_EQ(*SampleValue(*families, "flowline_run_duration_seconds_bucket", with({{"le", "+Inf"}})),
            9);
  EXPECT_DOUBLE_EQ(*SampleValue(*families, "flowline_run_duration_seconds_sum", run), 5002.4);
  EXPECT_EQ(*SampleValue(*families, "flowline_step_executions_total",
                         with({{"step", "read"}, {"outcome", "completed"}})),
            10);
  EXPECT_EQ(
      *SampleValue(*families, "flowline_step_duration_seconds_count", with({{"step", "read"}})),
      10);
  EXPECT_EQ(
      *SampleValue(*families, "flowline_model_tokens_total",
                   with({{"step", "read"}, {"model", "ai:document.read"}, {"direction", "input"}})),
      1200);
  EXPECT_EQ(*SampleValue(*families, "flowline_workflow_paused", {{"workflow", "invoice"}}), 0);
  EXPECT_EQ(*SampleValue(*families, "flowline_measures_cursor", {}), 40);
  // Families without data are still announced (typed, no samples).
  EXPECT_EQ(families->at("flowline_tasks_escalated_total").type, "counter");
  // Labels stay low-cardinality: nothing names a single run, task or business key.
  const std::set<std::string> allowed = {"workflow",  "version", "step",    "reason",
                                         "sample",    "status",  "outcome", "model",
                                         "direction", "queue",   "state",   "le"};
  for (const auto& [name, family] : *families) {
    for (const auto& sample : family.samples) {
      for (const auto& [label, value] : sample.labels) {
        EXPECT_TRUE(allowed.contains(label)) << name << " has label " << label;
      }
    }
  }
}

}  // namespace
}  // namespace flowline::monitor
