// The measures over HTTP: the dashboard's series and Prometheus' /metrics.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "monitor/measure_rollup.h"
#include "monitor/prices.h"
#include "monitor/prometheus.h"
#include "monitor/prometheus_parser.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

// One extra metric family, as another part of flowline (drift alerts) would add.
class AlertsSource final : public monitor::MetricsSource {
 public:
  explicit AlertsSource(std::string family) : family_(std::move(family)) {}
  absl::Status Collect(monitor::PrometheusWriter& out) override {
    out.Family(family_, "gauge", "Open alerts.");
    out.Sample(family_, {{"workflow", "greet"}}, 2);
    return absl::OkStatus();
  }

 private:
  std::string family_;
};

monitor::PriceTable Prices() {
  return *monitor::PriceTable::Parse("currency: EUR\npeople:\n  - hourly_rate: 30\n", "p.yaml");
}

class ApiMeasuresTest : public ::testing::Test {
 protected:
  ApiMeasuresTest() : server_(Options()) {}

  ApiServerOptions Options() {
    ApiServerOptions options;
    options.prices = &prices_;
    options.metrics_sources = {&alerts_};
    return options;
  }

  // Runs `n` greetings to their end, then folds the record into the measures.
  void RunGreetings(int n) {
    server_.Deploy(kGreetSpec);
    for (int i = 0; i < n; ++i) {
      ApiResponse started = server_.Post("/api/v1/workflows/greet/runs?wait=20s",
                                         Json{{"id", absl::StrCat("g", i)}, {"name", "x"}}.dump(),
                                         server_.Token("operator"));
      ASSERT_TRUE(started.status == 200 || started.status == 201) << started.body.dump();
      ASSERT_EQ(started.body["status"], "completed");
    }
    monitor::MeasureRollup rollup(server_.store(), common::SystemClock::Get());
    ASSERT_TRUE(rollup.CatchUp().ok());
  }

  monitor::PriceTable prices_ = Prices();
  AlertsSource alerts_{"flowline_alerts_open"};
  TestServer server_;
};

TEST_F(ApiMeasuresTest, TheSeriesHasEveryBucketAndThePeriodsTotals) {
  RunGreetings(3);
  ApiResponse response = server_.Get(
      "/api/v1/workflows/greet/measures?granularity=minute&step=hello", server_.Token("viewer"));
  ASSERT_EQ(response.status, 200) << response.body.dump(2);
  const Json& body = response.body;
  EXPECT_EQ(body["workflow"], "greet");
  EXPECT_EQ(body["granularity"], "minute");
  EXPECT_EQ(body["currency"], "EUR");
  EXPECT_EQ(body["buckets"].size(), 180u);  // the default 3 hours of minutes
  const Json& totals = body["totals"];
  EXPECT_EQ(totals["runs"]["started"], 3);
  EXPECT_EQ(totals["runs"]["completed"], 3);
  EXPECT_EQ(totals["runs"]["automated"], 3);
  EXPECT_EQ(totals["straight_through_rate"], 1.0);
  EXPECT_EQ(totals["latency_seconds"]["run"]["count"], 3);
  EXPECT_TRUE(totals["latency_seconds"]["run"]["p50"].is_number());
  EXPECT_EQ(totals["accuracy"]["audit_cases"]["n"], 0);
  EXPECT_TRUE(totals["accuracy"]["audit_cases"]["accuracy"].is_null());
  EXPECT_EQ(totals["cost"]["model"], 0.0);
  EXPECT_EQ(totals["step"]["step"], "hello");
  EXPECT_EQ(totals["step"]["completed"], 3);
  EXPECT_TRUE(totals["time_saved_minutes"].is_null());  // the spec states no manual_minutes
  ASSERT_EQ(body["steps"].size(), 1u);
  EXPECT_EQ(body["steps"][0]["step"], "hello");
  int64_t started = 0;
  for (const Json& bucket : body["buckets"]) started += bucket["runs"]["started"].get<int64_t>();
  EXPECT_EQ(started, 3);
  EXPECT_THAT(body["notes"].dump(), HasSubstr("manual_minutes"));

  // A version prefix narrows it; the whole hash works as well.
  const std::string version =
      server_.Get("/api/v1/workflows/greet", server_.Token("viewer")).body["live_version"];
  ApiResponse one = server_.Get(
      "/api/v1/workflows/greet/"
      "measures?granularity=hour&from=2000-01-01T00:00:00Z&until=2000-01-02&version=" +
          version.substr(0, 8),
      server_.Token("viewer"));
  ASSERT_EQ(one.status, 200) << one.body.dump(2);
  EXPECT_EQ(one.body["version"], version);
  EXPECT_EQ(one.body["buckets"].size(), 24u);
  EXPECT_EQ(one.body["totals"]["runs"]["started"], 0);  // the year 2000 saw no greetings
}

TEST_F(ApiMeasuresTest, BadQueriesSayWhatIsWrong) {
  server_.Deploy(kGreetSpec);
  const std::string& token = server_.Token("viewer");
  auto expect = [&](const std::string& query, int status, const std::string& text) {
    ApiResponse response = server_.Get("/api/v1/workflows/greet/measures?" + query, token);
    EXPECT_EQ(response.status, status) << query << ": " << response.body.dump();
    EXPECT_THAT(response.body["error"]["message"].get<std::string>(), HasSubstr(text)) << query;
  };
  expect("granularity=week", 400, "granularity must be minute, hour or day");
  expect("from=yesterday", 400, "from must be an RFC 3339 time");
  expect("from=2026-01-02&until=2026-01-01", 400, "must be before until");
  expect("granularity=minute&from=2026-01-01&until=2026-02-01", 400, "at most 2000");
  expect("step=nope", 400, "has no step 'nope'");
  expect("version=ffffffffffff", 404, "has no version");
  ApiResponse unknown = server_.Get("/api/v1/workflows/nope/measures", token);
  EXPECT_EQ(unknown.status, 404);
}

TEST_F(ApiMeasuresTest, MetricsAreStrictPrometheusTextWithEverySourcesFamilies) {
  RunGreetings(2);
  ApiResponse response = server_.Get("/metrics", server_.Token("viewer"));
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(response.content_type, "text/plain; version=0.0.4; charset=utf-8");
  ASSERT_TRUE(response.body.is_string());
  const std::string text = response.body.get<std::string>();
  auto families = monitor::testing::ParsePrometheusText(text);
  ASSERT_TRUE(families.ok()) << families.status() << "\n" << text;
  const std::string version =
      server_.Get("/api/v1/workflows/greet", server_.Token("viewer")).body["live_version"];
  const std::map<std::string, std::string> labels = {{"workflow", "greet"},
                                                     {"version", version.substr(0, 12)}};
  EXPECT_EQ(*monitor::testing::SampleValue(*families, "flowline_runs_started_total", labels), 2);
  EXPECT_EQ(
      *monitor::testing::SampleValue(*families, "flowline_runs_straight_through_total", labels), 2);
  EXPECT_EQ(
      *monitor::testing::SampleValue(*families, "flowline_run_duration_seconds_count", labels), 2);
  // The extension point: another source's family follows the measures'.
  EXPECT_EQ(
      *monitor::testing::SampleValue(*families, "flowline_alerts_open", {{"workflow", "greet"}}),
      2);

  EXPECT_EQ(server_.Get("/metrics", "").status, 401);
}

// Prometheus' own checker, when there is one: $PROMTOOL, else `promtool` on the PATH (Debian's
// `prometheus` package has it; scripts/setup.sh does not install it, docs/measures.md says why).
TEST_F(ApiMeasuresTest, PromtoolAcceptsTheExposition) {
  const char* env = std::getenv("PROMTOOL");
  const std::string promtool = env != nullptr && *env ? env : "promtool";
  if (std::system(("command -v " + promtool + " > /dev/null 2>&1").c_str()) != 0) {
    GTEST_SKIP() << "promtool not found (set $PROMTOOL to run this check)";
  }
  RunGreetings(2);
  server_.Deploy(kReviewSpec);
  server_.WaitForTask(server_.StartRun("approve-it", {{"id", "p1"}}));
  ApiResponse response = server_.Get("/metrics", server_.Token("viewer"));
  ASSERT_EQ(response.status, 200);
  const std::string file = ::testing::TempDir() + "/flowline-metrics.txt";
  std::ofstream(file) << response.body.get<std::string>();
  const std::string command = promtool + " check metrics < " + file + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string said;
  char buffer[512];
  while (size_t n = fread(buffer, 1, sizeof(buffer), pipe)) said.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << said;
  EXPECT_EQ(said, "") << "promtool's lint findings";
}

TEST(ApiMetricsTest, ASourceRepeatingAFamilyIsAServerErrorNotABrokenExposition) {
  AlertsSource clash("flowline_runs_started_total");
  ApiServerOptions options;
  options.metrics_sources = {&clash};
  TestServer server(options);
  ApiResponse response = server.Get("/metrics", server.Token("viewer"));
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body["error"]["code"], "internal");
}

}  // namespace
}  // namespace flowline::server
