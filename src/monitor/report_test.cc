// The report's text and HTML, from a hand-made MeasureReport.
#include "monitor/report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "monitor/measure_names.h"

namespace flowline::monitor {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

MeasureReport TwoDays() {
  MeasureReport report;
  report.query.workflow = "invoice<&>";
  report.query.granularity_s = kDay;
  report.query.from = absl::FromUnixSeconds(1'699'920'000);  // 2023-11-14
  report.query.until = report.query.from + absl::Hours(48);
  report.currency = "EUR";
  Figures day1;
  day1.start = report.query.from;
  day1.started = 1200;
  day1.completed = 1100;
  day1.failed = 10;
  day1.rejected = 40;
  day1.automated = 900;
  day1.straight_through_rate = 900.0 / 1150;
  day1.tasks_opened = 250;
  day1.exceptions = {{"low_confidence", 180}, {"audit_sample", 20}, {"check_failed", 50}};
  day1.decisions_claimed = 240;
  day1.decisions_unclaimed = 10;
  day1.working_minutes = 750;
  day1.audit_cases = WilsonInterval(19, 20);
  day1.reviewed_fields = WilsonInterval(1900, 2000);
  day1.run_latency = {1150, 400, 0.8, 3600, 14400};
  day1.model_cost = 12.5;
  day1.human_cost = 525;
  day1.total_cost = 537.5;
  day1.time_saved_minutes = 4650;
  Figures day2;
  day2.start = report.query.from + absl::Hours(24);
  report.buckets = {day1, day2};
  report.totals = day1;
  report.totals.start = report.query.from;
  StepFigures read;
  read.step = "read";
  read.completed = 1200;
  read.latency = {1200, 0.3, 0.25, 0.6, 1.9};
  read.model.calls = 1200;
  read.model_cost = 12.5;
  report.steps = {read};
  report.notes = {"3 decisions were made without claiming the task first"};
  return report;
}

TEST(ReportTest, TheTextSaysThePeriodsFigures) {
  const std::string text = ReportText(TwoDays());
  EXPECT_THAT(text, HasSubstr("Workflow invoice<&>, 2023-11-14T00:00:00Z to 2023-11-16T00:00:00Z"));
  EXPECT_THAT(text, HasSubstr("runs started      1,200"));
  EXPECT_THAT(text, HasSubstr("straight through  900 of 1,150 finished (78.3%)"));
  EXPECT_THAT(text, HasSubstr("low_confidence  180"));
  EXPECT_THAT(text, HasSubstr("audit sample, cases   95.0% (95% interval"));
  EXPECT_THAT(text, HasSubstr("of 20 cases"));
  EXPECT_THAT(text, HasSubstr("reviewed cases        - (none reviewed)"));
  EXPECT_THAT(text, HasSubstr("all runs          p50 800 ms, p90 1 h, p99 4 h (1,150)"));
  EXPECT_THAT(text, HasSubstr("total       537.50 EUR"));
  EXPECT_THAT(text, HasSubstr("time saved  4,650 min (77.5 h)"));
  // Steps, and only the days with activity.
  EXPECT_THAT(text, HasSubstr("read      1,200"));
  EXPECT_THAT(text, HasSubstr("2023-11-14    1,200"));
  EXPECT_THAT(text, Not(HasSubstr("2023-11-15  ")));
  EXPECT_THAT(text, HasSubstr("  - 3 decisions were made without claiming"));
}

TEST(ReportTest, TheHtmlPageIsSelfContainedWithCharts) {
  const std::string html = ReportHtml(TwoDays(), absl::FromUnixSeconds(1'700'100'000));
  EXPECT_THAT(html, HasSubstr("<!DOCTYPE html>"));
  EXPECT_THAT(html, HasSubstr("<h1>Workflow invoice&lt;&amp;&gt;</h1>"));  // escaped
  EXPECT_THAT(html, Not(HasSubstr("invoice<&>")));
  // Charts are inline SVG: volume, straight-through rate, accuracy, exceptions, latency, cost and
  // time saved.
  size_t charts = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 7u);
  EXPECT_THAT(html, HasSubstr("Straight-through rate"));
  EXPECT_THAT(html, HasSubstr("Accuracy with 95% interval"));
  EXPECT_THAT(html, HasSubstr("<polygon"));  // the interval band
  EXPECT_THAT(html, HasSubstr(">low_confidence</text>"));
  // Nothing is fetched when it is opened: no scripts, links, images, imports or remote URLs
  // (the SVG namespace is a name, not a download).
  for (const char* forbidden :
       {"<script", "<link", "<img", "src=", "href=", "@import", "url(", "https://"}) {
    EXPECT_THAT(html, Not(HasSubstr(forbidden))) << forbidden;
  }
  std::string without_namespace = html;
  for (size_t at;
       (at = without_namespace.find("http://www.w3.org/2000/svg")) != std::string::npos;) {
    without_namespace.erase(at, 26);
  }
  EXPECT_THAT(without_namespace, Not(HasSubstr("http://")));
}

TEST(ReportTest, DurationsReadNaturally) {
  EXPECT_EQ(HumanDuration(0.0123), "12 ms");
  EXPECT_EQ(HumanDuration(0.00042), "0.42 ms");
  EXPECT_EQ(HumanDuration(2.5), "2.5 s");
  EXPECT_EQ(HumanDuration(200), "3 min 20 s");
  EXPECT_EQ(HumanDuration(1800), "30 min");
  EXPECT_EQ(HumanDuration(5400), "1.5 h");
  EXPECT_EQ(HumanDuration(3 * 86400), "3 d");
}

}  // namespace
}  // namespace flowline::monitor
