// The conformance suite: what monitor/ keeps in the store — the record feed, drift histograms
// behind their cursor, drift reports, and alerts with their life cycle and webhook outbox.
#include <optional>
#include <string>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

DriftBucket Bucket(const std::string& feature, absl::Time start, const std::string& json,
                   const std::string& workflow = "wf") {
  return DriftBucket{workflow, feature, start, "numeric", json};
}

// "feature@seconds" (from the tests' epoch) of each bucket.
std::vector<std::string> Starts(const std::vector<DriftBucket>& buckets, absl::Time epoch) {
  std::vector<std::string> out;
  for (const DriftBucket& b : buckets) {
    out.push_back(b.feature + "@" + std::to_string(absl::ToInt64Seconds(b.start - epoch)));
  }
  return out;
}

AlertRaise Raise(const std::string& id, const std::string& subject, absl::Time now,
                 const std::string& summary = "PSI 0.8") {
  AlertRaise raise;
  raise.alert_id = id;
  raise.workflow = "wf";
  raise.kind = "drift";
  raise.subject = subject;
  raise.summary = summary;
  raise.detail_json = R"({"psi":0.8})";
  raise.now = now;
  raise.notify_url = "https://hooks.example/drift";
  raise.notification_json = R"({"event":"alert.opened","alert_id":")" + id + R"("})";
  return raise;
}

AlertResolve Resolution(const std::string& id, absl::Time now) {
  AlertResolve resolve;
  resolve.alert_id = id;
  resolve.by = "ann";
  resolve.resolution = "new supplier contract, expected";
  resolve.now = now;
  resolve.notify_url = "https://hooks.example/drift";
  resolve.notification_json = R"({"event":"alert.resolved"})";
  return resolve;
}

std::vector<std::string> Ids(const std::vector<Alert>& alerts) {
  std::vector<std::string> out;
  for (const Alert& a : alerts) out.push_back(a.alert_id);
  return out;
}

// ---- The record feed ------------------------------------------------------------------------

TEST_P(StoreConformanceTest, RecordFeedReadsAfterTheCursorWithEachRecordsRun) {
  Create(MakeRun("r1", ChainSteps(), At(1)));
  NewRun other = MakeRun("r2", ChainSteps(), At(2));
  other.workflow = "other";
  other.version = "v9";
  other.input_json = R"({"total":12.5})";
  Create(other);
  ClaimedStep a = ClaimStep("r1", "a", At(3));
  StepCommit commit = MakeCommit(a, StepResolution::kCompleted, At(4));
  commit.output_json = R"({"x":1})";
  commit.dependents = {"b", "c"};
  commit.records = {NewRecord{"a", "step.completed", "ai:extract", R"({"output":{"x":1}})"}};
  ASSERT_OK(store().CommitStep(commit).status());

  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> all, store().ListRecordsAfter({0, {}, 100}));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].record.kind, "run.created");
  EXPECT_EQ(all[0].workflow, "wf");
  EXPECT_EQ(all[0].version, "v1");
  EXPECT_EQ(all[0].run_input_json, R"({"n":1})");
  EXPECT_EQ(all[1].workflow, "other");
  EXPECT_EQ(all[1].run_input_json, R"({"total":12.5})");
  EXPECT_EQ(all[2].record.kind, "step.completed");
  EXPECT_EQ(all[2].record.step_id, "a");
  EXPECT_EQ(all[2].record.actor, "ai:extract");
  EXPECT_EQ(all[2].record.payload_json, R"({"output":{"x":1}})");
  EXPECT_EQ(all[2].record.at, At(4));
  EXPECT_EQ(all[2].run_input_json, "");  // only run.created records carry the input
  EXPECT_LT(all[0].record.seq, all[1].record.seq);
  EXPECT_LT(all[1].record.seq, all[2].record.seq);

  // After a seq, by kind, with a limit.
  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> after,
                       store().ListRecordsAfter({all[0].record.seq, {}, 100}));
  EXPECT_EQ(after.size(), 2u);
  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> steps,
                       store().ListRecordsAfter({0, {"step.completed", "task.resolved"}, 100}));
  ASSERT_EQ(steps.size(), 1u);
  EXPECT_EQ(steps[0].record.seq, all[2].record.seq);
  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> one, store().ListRecordsAfter({0, {}, 1}));
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].record.seq, all[0].record.seq);
  ASSERT_OK_AND_ASSIGN(std::vector<FeedRecord> none,
                       store().ListRecordsAfter({all[2].record.seq, {}, 100}));
  EXPECT_THAT(none, IsEmpty());
}

// ---- Drift histograms -----------------------------------------------------------------------

TEST_P(StoreConformanceTest, DriftIngestMovesTheCursorWithItsBuckets) {
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetDriftCursor());
  EXPECT_EQ(cursor, 0);
  ASSERT_OK(store().CommitDriftIngest(
      {0, 7, {Bucket("amount", At(3600), R"({"n":1})"), Bucket("amount", At(0), R"({"n":2})")}}));
  ASSERT_OK_AND_ASSIGN(cursor, store().GetDriftCursor());
  EXPECT_EQ(cursor, 7);

  // A bucket written again is replaced, not added.
  ASSERT_OK(store().CommitDriftIngest({7, 9, {Bucket("amount", At(3600), R"({"n":5})")}}));
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> buckets,
                       store().ListDriftBuckets({"wf", "amount"}));
  ASSERT_EQ(buckets.size(), 2u);
  EXPECT_EQ(buckets[0].start, At(0));
  EXPECT_EQ(buckets[0].histogram_json, R"({"n":2})");
  EXPECT_EQ(buckets[1].start, At(3600));
  EXPECT_EQ(buckets[1].histogram_json, R"({"n":5})");
  EXPECT_EQ(buckets[1].type, "numeric");
}

TEST_P(StoreConformanceTest, DriftIngestFromAStaleCursorChangesNothing) {
  ASSERT_OK(store().CommitDriftIngest({0, 5, {Bucket("amount", At(0), R"({"n":1})")}}));
  // A second process read from 0 too and tries to write its (now stale) merge.
  absl::Status stale = store().CommitDriftIngest({0, 6, {Bucket("amount", At(0), R"({"n":9})")}});
  EXPECT_EQ(CodeOf(stale), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(stale), HasSubstr("read them again"));
  ASSERT_OK_AND_ASSIGN(int64_t cursor, store().GetDriftCursor());
  EXPECT_EQ(cursor, 5);
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> buckets, store().ListDriftBuckets({"wf", ""}));
  ASSERT_EQ(buckets.size(), 1u);
  EXPECT_EQ(buckets[0].histogram_json, R"({"n":1})");
}

TEST_P(StoreConformanceTest, DriftBucketsAreListedByWorkflowFeatureAndTime) {
  ASSERT_OK_AND_ASSIGN(std::optional<absl::Time> first, store().FirstDriftBucket("wf"));
  EXPECT_FALSE(first.has_value());
  ASSERT_OK(store().CommitDriftIngest(
      {0,
       1,
       {Bucket("b", At(7200), "{}"), Bucket("a", At(3600), "{}"), Bucket("a", At(7200), "{}"),
        Bucket("a", At(10800), "{}"), Bucket("a", At(0), "{}", "other")}}));
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> all, store().ListDriftBuckets({"wf", ""}));
  EXPECT_THAT(Starts(all, At(0)), ElementsAre("a@3600", "a@7200", "a@10800", "b@7200"));
  // [from, until)
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> range,
                       store().ListDriftBuckets({"wf", "", At(3600), At(10800)}));
  EXPECT_THAT(Starts(range, At(0)), ElementsAre("a@3600", "a@7200", "b@7200"));
  ASSERT_OK_AND_ASSIGN(std::vector<DriftBucket> b, store().ListDriftBuckets({"wf", "b"}));
  EXPECT_THAT(Starts(b, At(0)), ElementsAre("b@7200"));
  ASSERT_OK_AND_ASSIGN(first, store().FirstDriftBucket("wf"));
  EXPECT_EQ(first, At(3600));
  EXPECT_EQ(CodeOf(store().ListDriftBuckets({"", ""})), absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreConformanceTest, TheLatestDriftReportReplacesTheOneBefore) {
  EXPECT_EQ(CodeOf(store().GetDriftReport("wf")), absl::StatusCode::kNotFound);
  ASSERT_OK(store().PutDriftReport({"wf", At(10), R"({"n":1})"}));
  ASSERT_OK(store().PutDriftReport({"wf", At(20), R"({"n":2})"}));
  ASSERT_OK(store().PutDriftReport({"other", At(15), R"({"n":3})"}));
  ASSERT_OK_AND_ASSIGN(DriftReportRow report, store().GetDriftReport("wf"));
  EXPECT_EQ(report.workflow, "wf");
  EXPECT_EQ(report.checked_at, At(20));
  EXPECT_EQ(report.report_json, R"({"n":2})");
}

// ---- Alerts ---------------------------------------------------------------------------------

TEST_P(StoreConformanceTest, AnOngoingFindingIsOneAlertAndNotifiesOnce) {
  ASSERT_OK_AND_ASSIGN(AlertRaised first, store().RaiseAlert(Raise("al_1", "amount", At(10))));
  EXPECT_TRUE(first.opened);
  EXPECT_EQ(first.alert.alert_id, "al_1");
  EXPECT_EQ(first.alert.status, AlertStatus::kOpen);
  EXPECT_EQ(first.alert.opened_at, At(10));
  EXPECT_EQ(first.alert.occurrences, 1);

  ASSERT_OK_AND_ASSIGN(AlertRaised again,
                       store().RaiseAlert(Raise("al_2", "amount", At(20), "PSI 1.2")));
  EXPECT_FALSE(again.opened);
  EXPECT_EQ(again.alert.alert_id, "al_1");
  EXPECT_EQ(again.alert.summary, "PSI 1.2");
  EXPECT_EQ(again.alert.opened_at, At(10));
  EXPECT_EQ(again.alert.updated_at, At(20));
  EXPECT_EQ(again.alert.occurrences, 2);
  EXPECT_EQ(CodeOf(store().GetAlert("al_2")), absl::StatusCode::kNotFound);

  // Another subject is another alert.
  ASSERT_OK_AND_ASSIGN(AlertRaised vendor, store().RaiseAlert(Raise("al_3", "vendor", At(20))));
  EXPECT_TRUE(vendor.opened);

  // One notification per opened alert, none for the refresh.
  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(30), 10));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[0].url, "https://hooks.example/drift");
  EXPECT_THAT(due[0].payload_json, HasSubstr("al_1"));
  EXPECT_THAT(due[1].payload_json, HasSubstr("al_3"));
}

TEST_P(StoreConformanceTest, AlertsAreAcknowledgedThenResolved) {
  ASSERT_OK(store().RaiseAlert(Raise("al_1", "amount", At(10))).status());
  ASSERT_OK_AND_ASSIGN(Alert seen, store().AcknowledgeAlert("al_1", "ann", At(11)));
  EXPECT_EQ(seen.status, AlertStatus::kAcknowledged);
  EXPECT_EQ(seen.acknowledged_by, "ann");
  EXPECT_EQ(seen.acknowledged_at, At(11));
  EXPECT_EQ(CodeOf(store().AcknowledgeAlert("al_1", "bob", At(12))),
            absl::StatusCode::kFailedPrecondition);

  // Seen again by a check: still one alert, still acknowledged.
  ASSERT_OK_AND_ASSIGN(AlertRaised again, store().RaiseAlert(Raise("al_2", "amount", At(13))));
  EXPECT_FALSE(again.opened);
  EXPECT_EQ(again.alert.status, AlertStatus::kAcknowledged);

  ASSERT_OK_AND_ASSIGN(Alert resolved, store().ResolveAlert(Resolution("al_1", At(14))));
  EXPECT_EQ(resolved.status, AlertStatus::kResolved);
  EXPECT_EQ(resolved.resolved_by, "ann");
  EXPECT_EQ(resolved.resolved_at, At(14));
  EXPECT_EQ(resolved.resolution, "new supplier contract, expected");
  absl::StatusOr<Alert> twice = store().ResolveAlert(Resolution("al_1", At(15)));
  EXPECT_EQ(CodeOf(twice), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(twice), HasSubstr("already resolved"));
  EXPECT_EQ(CodeOf(store().AcknowledgeAlert("al_1", "ann", At(15))),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(store().ResolveAlert(Resolution("nope", At(15)))), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().AcknowledgeAlert("nope", "ann", At(15))), absl::StatusCode::kNotFound);

  // The opening and the resolution were both notified.
  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(30), 10));
  ASSERT_EQ(due.size(), 2u);
  EXPECT_EQ(due[1].payload_json, R"({"event":"alert.resolved"})");

  // A finding seen after its alert was resolved opens a new alert.
  ASSERT_OK_AND_ASSIGN(AlertRaised reopened, store().RaiseAlert(Raise("al_4", "amount", At(20))));
  EXPECT_TRUE(reopened.opened);
  EXPECT_EQ(reopened.alert.alert_id, "al_4");
}

TEST_P(StoreConformanceTest, AlertsAreListedNewestFirstAndCounted) {
  ASSERT_OK(store().RaiseAlert(Raise("al_1", "amount", At(1))).status());
  ASSERT_OK(store().RaiseAlert(Raise("al_2", "vendor", At(2))).status());
  AlertRaise elsewhere = Raise("al_3", "amount", At(3));
  elsewhere.workflow = "other";
  ASSERT_OK(store().RaiseAlert(elsewhere).status());
  ASSERT_OK(store().AcknowledgeAlert("al_2", "ann", At(4)).status());
  ASSERT_OK(store().RaiseAlert(Raise("al_4", "currency", At(5))).status());
  ASSERT_OK(store().ResolveAlert(Resolution("al_4", At(6))).status());

  ASSERT_OK_AND_ASSIGN(std::vector<Alert> all, store().ListAlerts({}));
  EXPECT_THAT(Ids(all), ElementsAre("al_4", "al_3", "al_2", "al_1"));
  AlertFilter wf;
  wf.workflow = "wf";
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> of_wf, store().ListAlerts(wf));
  EXPECT_THAT(Ids(of_wf), ElementsAre("al_4", "al_2", "al_1"));
  wf.unresolved_only = true;
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> unresolved, store().ListAlerts(wf));
  EXPECT_THAT(Ids(unresolved), ElementsAre("al_2", "al_1"));
  AlertFilter open;
  open.status = AlertStatus::kOpen;
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> open_ones, store().ListAlerts(open));
  EXPECT_THAT(Ids(open_ones), ElementsAre("al_3", "al_1"));
  AlertFilter subject;
  subject.subject = "amount";
  subject.kind = "drift";
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> amounts, store().ListAlerts(subject));
  EXPECT_THAT(Ids(amounts), ElementsAre("al_3", "al_1"));
  AlertFilter page;
  page.limit = 2;
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> first_page, store().ListAlerts(page));
  ASSERT_EQ(first_page.size(), 2u);
  page.before_seq = first_page.back().seq;
  ASSERT_OK_AND_ASSIGN(std::vector<Alert> second_page, store().ListAlerts(page));
  EXPECT_THAT(Ids(second_page), ElementsAre("al_2", "al_1"));

  ASSERT_OK_AND_ASSIGN(std::vector<AlertCount> counts, store().CountAlerts());
  ASSERT_EQ(counts.size(), 3u);  // resolved alerts are not counted
  EXPECT_EQ(counts[0].workflow, "other");
  EXPECT_EQ(counts[0].status, AlertStatus::kOpen);
  EXPECT_EQ(counts[0].count, 1);
  EXPECT_EQ(counts[1].workflow, "wf");
  EXPECT_EQ(counts[1].status, AlertStatus::kAcknowledged);
  EXPECT_EQ(counts[2].workflow, "wf");
  EXPECT_EQ(counts[2].kind, "drift");
  EXPECT_EQ(counts[2].status, AlertStatus::kOpen);
  EXPECT_EQ(counts[2].count, 1);
}

TEST_P(StoreConformanceTest, AnAlertWithoutAWebhookQueuesNothing) {
  AlertRaise quiet = Raise("al_1", "amount", At(1));
  quiet.notify_url = "";
  ASSERT_OK(store().RaiseAlert(quiet).status());
  ASSERT_OK_AND_ASSIGN(std::vector<Notification> due, store().ListDueNotifications(At(30), 10));
  EXPECT_THAT(due, IsEmpty());
  AlertRaise nameless = Raise("al_2", "", At(1));
  EXPECT_EQ(CodeOf(store().RaiseAlert(nameless)), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::store::testing
