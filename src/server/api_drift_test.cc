// Drift and alerts over HTTP: the latest report for the dashboard, a check on demand, and the
// alert life cycle. The history is written into the store as runs with records at past times
// (the server's clock is the real one), so the windows are full.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "monitor/invoice_stream.h"
#include "server/test_server.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

class ApiDriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Deploy(monitor::testing::kAmountSpec);
    auto workflow = server_.store().GetWorkflow("scored");
    ASSERT_TRUE(workflow.ok());
    version_ = workflow->live_version;
  }

  void WriteHistory() {
    ASSERT_TRUE(monitor::testing::WriteAmountHistory(server_.store(), version_, absl::Now()).ok());
  }

  TestServer server_;
  std::string version_;
};

TEST_F(ApiDriftTest, TheDashboardReadsTheLatestCheck) {
  ApiResponse none = server_.Get("/api/v1/workflows/scored/drift", server_.Token("viewer"));
  EXPECT_EQ(none.status, 404);
  EXPECT_THAT(none.body["error"]["message"].get<std::string>(), HasSubstr("no drift check yet"));
  EXPECT_EQ(server_.Get("/api/v1/workflows/nope/drift", server_.Token("viewer")).status, 404);

  WriteHistory();
  ApiResponse checked =
      server_.Post("/api/v1/workflows/scored/drift/check", "", server_.Token("operator"));
  ASSERT_EQ(checked.status, 200) << checked.body.dump(2);
  EXPECT_EQ(checked.body["drifted"], 1);
  ASSERT_EQ(checked.body["alerts_opened"].size(), 1u);

  ApiResponse latest = server_.Get("/api/v1/workflows/scored/drift", server_.Token("viewer"));
  ASSERT_EQ(latest.status, 200) << latest.body.dump(2);
  EXPECT_EQ(latest.body["workflow"], "scored");
  EXPECT_EQ(latest.body["version"], version_);
  EXPECT_EQ(latest.body["ready"], true);
  EXPECT_TRUE(latest.body["windows"]["reference"].contains("from"));
  const Json& features = latest.body["features"];
  ASSERT_EQ(features.size(), 1u);  // input.amount, derived from the input schema
  const Json& amount = features[0];
  EXPECT_EQ(amount["feature"], "input.amount");
  EXPECT_EQ(amount["from"], "input.amount");
  EXPECT_EQ(amount["type"], "numeric");
  EXPECT_EQ(amount["test"], "psi+ks");
  EXPECT_EQ(amount["status"], "drift");
  EXPECT_EQ(amount["statistics"][0]["name"], "psi");
  EXPECT_EQ(amount["statistics"][0]["threshold"], 0.2);
  // Reference and recent side by side over the reference's deciles.
  const Json& bins = amount["distribution"]["bins"];
  ASSERT_EQ(bins.size(), 10u);
  double reference = 0;
  double recent = 0;
  for (const Json& bin : bins) {
    EXPECT_LE(bin["lower"].get<double>(), bin["upper"].get<double>());
    reference += bin["reference"].get<double>();
    recent += bin["current"].get<double>();
  }
  EXPECT_NEAR(reference, 1, 1e-9);
  EXPECT_NEAR(recent, 1, 1e-9);
  EXPECT_GT(bins[9]["current"].get<double>(), 0.5);  // most recent amounts above the old top
}

TEST_F(ApiDriftTest, AlertsAreListedAcknowledgedAndResolved) {
  WriteHistory();
  ASSERT_EQ(
      server_.Post("/api/v1/workflows/scored/drift/check", "", server_.Token("operator")).status,
      200);
  ApiResponse open = server_.Get("/api/v1/alerts?workflow=scored", server_.Token("viewer"));
  ASSERT_EQ(open.status, 200) << open.body.dump(2);
  ASSERT_EQ(open.body["alerts"].size(), 1u);
  const Json alert = open.body["alerts"][0];
  const std::string id = alert["alert_id"];
  EXPECT_EQ(alert["kind"], "drift");
  EXPECT_EQ(alert["subject"], "input.amount");
  EXPECT_EQ(alert["status"], "open");
  EXPECT_EQ(alert["occurrences"], 1);
  EXPECT_THAT(alert["summary"].get<std::string>(), HasSubstr("input.amount drifted: PSI"));
  EXPECT_EQ(alert["detail"]["status"], "drift");  // the finding, as JSON
  EXPECT_TRUE(alert["acknowledged_at"].is_null());

  // The webhook is in the outbox.
  auto due = server_.store().ListDueNotifications(absl::Now(), 10);
  ASSERT_TRUE(due.ok());
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ(due->at(0).url, "https://hooks.example/drift");
  EXPECT_THAT(due->at(0).payload_json, HasSubstr(id));

  ApiResponse one = server_.Get("/api/v1/alerts/" + id, server_.Token("viewer"));
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(one.body["alert_id"], id);
  EXPECT_EQ(server_.Get("/api/v1/alerts/alert_nope", server_.Token("viewer")).status, 404);

  ApiResponse seen =
      server_.Post("/api/v1/alerts/" + id + "/acknowledge", "", server_.Token("operator"));
  ASSERT_EQ(seen.status, 200) << seen.body.dump(2);
  EXPECT_EQ(seen.body["status"], "acknowledged");
  EXPECT_FALSE(seen.body["acknowledged_by"].get<std::string>().empty());
  EXPECT_EQ(
      server_.Post("/api/v1/alerts/" + id + "/acknowledge", "", server_.Token("operator")).status,
      409);

  // Checking again: still one alert, still acknowledged, seen twice.
  ASSERT_EQ(
      server_.Post("/api/v1/workflows/scored/drift/check", "", server_.Token("operator")).status,
      200);
  ApiResponse again = server_.Get("/api/v1/alerts/" + id, server_.Token("viewer"));
  EXPECT_EQ(again.body["status"], "acknowledged");
  EXPECT_EQ(again.body["occurrences"], 2);

  ApiResponse resolved = server_.Post("/api/v1/alerts/" + id + "/resolve",
                                      R"({"note": "prices went up"})", server_.Token("operator"));
  ASSERT_EQ(resolved.status, 200) << resolved.body.dump(2);
  EXPECT_EQ(resolved.body["status"], "resolved");
  EXPECT_EQ(resolved.body["resolution"], "prices went up");
  EXPECT_EQ(
      server_.Post("/api/v1/alerts/" + id + "/resolve", "{}", server_.Token("operator")).status,
      409);

  // Unresolved by default; `status=all` and `status=resolved` show it.
  EXPECT_TRUE(server_.Get("/api/v1/alerts", server_.Token("viewer")).body["alerts"].empty());
  EXPECT_EQ(
      server_.Get("/api/v1/alerts?status=resolved", server_.Token("viewer")).body["alerts"].size(),
      1u);
  EXPECT_EQ(server_.Get("/api/v1/alerts?status=all&limit=5", server_.Token("viewer"))
                .body["alerts"]
                .size(),
            1u);
  ApiResponse bad = server_.Get("/api/v1/alerts?status=closed", server_.Token("viewer"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body["error"]["message"].get<std::string>(), HasSubstr("unresolved"));
  EXPECT_EQ(server_.Get("/api/v1/alerts?before=x", server_.Token("viewer")).status, 400);
}

TEST_F(ApiDriftTest, AYoungWorkflowIsWarmingUp) {
  ApiResponse checked =
      server_.Post("/api/v1/workflows/scored/drift/check", "", server_.Token("admin"));
  ASSERT_EQ(checked.status, 200) << checked.body.dump(2);
  EXPECT_EQ(checked.body["ready"], false);
  EXPECT_EQ(checked.body["features"][0]["status"], "warming_up");
  EXPECT_EQ(server_.Post("/api/v1/workflows/nope/drift/check", "", server_.Token("admin")).status,
            404);
}

}  // namespace
}  // namespace flowline::server
