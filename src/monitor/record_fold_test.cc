// The fold on hand-written records: model usage and tokens, tolerance of payloads it does not
// know, and records it cannot place.
#include "monitor/record_fold.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "monitor/measure_names.h"

namespace flowline::monitor {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

class FakeFacts final : public FactSource {
 public:
  absl::StatusOr<RunFacts> Run(const std::string& run_id) override {
    if (run_id == "gone") return absl::NotFoundError("no run gone");
    if (run_id == "broken") return absl::UnavailableError("store down");
    return RunFacts{"wf", "v1", kT0};
  }
  absl::StatusOr<TaskFacts> Task(const std::string& task_id) override {
    if (task_id == "t-missing") return absl::NotFoundError("no task");
    TaskFacts facts;
    facts.created_at = kT0;
    facts.audit_sample = task_id == "t-audit";
    if (task_id == "t-two") facts.reasons = {"check_failed", "low_confidence"};
    return facts;
  }
  absl::StatusOr<bool> HadPerson(const std::string& run_id) override {
    return run_id == "r-person";
  }
};

store::Record Rec(std::string run, std::string step, std::string kind, std::string actor,
                  std::string payload, double seconds_after = 0) {
  static int64_t seq = 0;
  store::Record record;
  record.seq = ++seq;
  record.run_id = std::move(run);
  record.step_id = std::move(step);
  record.kind = std::move(kind);
  record.actor = std::move(actor);
  record.payload_json = std::move(payload);
  record.at = kT0 + absl::Seconds(seconds_after);
  return record;
}

// measure/label/step → (count, sum) of the all-time deltas.
std::map<std::string, std::pair<int64_t, double>> Totals(MeasureFold& fold) {
  std::map<std::string, std::pair<int64_t, double>> out;
  for (const store::MeasureBucket& d : fold.TakeDeltas()) {
    if (d.granularity_s != kTotal) continue;
    auto& cell = out[absl::StrCat(d.step, d.step.empty() ? "" : ":", d.measure,
                                  d.label.empty() ? "" : "/", d.label)];
    cell.first += d.count;
    cell.second += d.sum;
  }
  return out;
}

TEST(MeasureFoldTest, ModelUseComesFromUsageOrTheActor) {
  FakeFacts facts;
  MeasureFold fold(facts);
  // An LLM step reporting its usage (and fields the fold does not know).
  ASSERT_TRUE(
      fold
          .Add(Rec(
              "r1", "ask", "step.completed", "ai:llm",
              R"({"attempt":1,"output":{"usage":{"input_tokens":999}},"duration_us":1500000,)"
              R"("usage":{"model":"gpt-x","input_tokens":1200,"output_tokens":300},"new_field":[1,2]})"))
          .ok());
  // A retried attempt still cost a call.
  ASSERT_TRUE(fold.Add(Rec("r1", "ask", "step.retry", "ai:llm",
                           R"({"usage":{"model":"gpt-x","input_tokens":1000,"calls":2}})"))
                  .ok());
  // A local model names none: the actor stands for it; a "model" member names it.
  ASSERT_TRUE(
      fold.Add(Rec("r1", "kind", "step.completed", "ai:classify", R"({"attempt":1})")).ok());
  ASSERT_TRUE(
      fold.Add(Rec("r1", "fields", "step.completed", "ai:extract",
                   R"({"model":{"name":"invoice-fields","sha256":"ab12"},"duration_us":20000})"))
          .ok());
  ASSERT_TRUE(
      fold.Add(Rec("r2", "fields", "step.completed", "ai:extract", R"({"model":"invoice-fields"})"))
          .ok());
  // System steps call no model.
  ASSERT_TRUE(
      fold.Add(Rec("r1", "post", "step.completed", "system:sql", R"({"duration_us":3000})")).ok());
  // An llm step answered from its cache, or switched off (mode: off), called nothing.
  ASSERT_TRUE(fold.Add(Rec("r1", "cached", "step.completed", "ai:llm",
                           R"({"usage":{"model":"gpt-x","calls":0,"cached":1}})"))
                  .ok());
  ASSERT_TRUE(
      fold.Add(Rec("r1", "off", "step.completed", "ai:llm", R"({"usage":{"calls":0}})")).ok());
  EXPECT_EQ(fold.skipped(), 0);
  auto t = Totals(fold);
  EXPECT_EQ(t["ask:model.calls/gpt-x"].first, 3);
  // And for the run as a whole, summed over its steps.
  EXPECT_EQ(t["model.calls/gpt-x"].first, 3);
  EXPECT_EQ(t["model.tokens.input/gpt-x"].first, 2200);
  EXPECT_EQ(t["model.calls/ai:classify"].first, 1);
  EXPECT_FALSE(t.contains("cached:model.calls/gpt-x"));
  EXPECT_FALSE(t.contains("model.calls/ai:llm"));
  EXPECT_EQ(t["ask:model.tokens.input/gpt-x"].first, 2200);
  EXPECT_EQ(t["ask:model.tokens.output/gpt-x"].first, 300);
  EXPECT_EQ(t["ask:steps.completed"].first, 1);
  EXPECT_EQ(t["ask:steps.retried"].first, 1);
  EXPECT_EQ(t["ask:latency.step/2.5"].first, 1);
  EXPECT_DOUBLE_EQ(t["ask:latency.step/2.5"].second, 1.5);
  EXPECT_EQ(t["kind:model.calls/ai:classify"].first, 1);
  EXPECT_EQ(t["fields:model.calls/invoice-fields"].first, 2);
  EXPECT_EQ(t["post:latency.step/0.005"].first, 1);
  EXPECT_FALSE(t.contains("post:model.calls/system:sql"));
}

TEST(MeasureFoldTest, TasksCountEachReasonKindOnce) {
  FakeFacts facts;
  MeasureFold fold(facts);
  ASSERT_TRUE(
      fold.Add(Rec("r1", "review", "task.opened", "human:review", R"({"task_id":"t-two"})")).ok());
  ASSERT_TRUE(
      fold.Add(Rec("r2", "review", "task.opened", "human:review", R"({"task_id":"t-plain"})"))
          .ok());
  auto t = Totals(fold);
  EXPECT_EQ(t["tasks.opened"].first, 2);
  EXPECT_EQ(t["exceptions/check_failed"].first, 1);
  EXPECT_EQ(t["exceptions/low_confidence"].first, 1);
  EXPECT_EQ(t["exceptions/review"].first, 1);  // opened with no reason: a review step
}

TEST(MeasureFoldTest, RecordsItCannotPlaceAreSkippedNotFatal) {
  FakeFacts facts;
  MeasureFold fold(facts);
  EXPECT_TRUE(fold.Add(Rec("gone", "", "run.created", "system", "{}")).ok());
  EXPECT_TRUE(fold.Add(Rec("r1", "a", "step.completed", "ai:x", "not json")).ok());
  EXPECT_TRUE(fold.Add(Rec("r1", "review", "task.opened", "system", R"({"queue":"q"})")).ok());
  EXPECT_TRUE(
      fold.Add(Rec("r1", "", "task.resolved", "human:ann", R"({"task_id":"t-missing"})")).ok());
  EXPECT_TRUE(fold.Add(Rec("r1", "", "routing.decided", "system", "{}")).ok());   // not a measure
  EXPECT_TRUE(fold.Add(Rec("r1", "", "audit.checkpoint", "system", "{}")).ok());  // a kind to come
  EXPECT_EQ(fold.skipped(), 4);
  // A store that does not answer stops the pass: nothing may be lost silently.
  EXPECT_EQ(fold.Add(Rec("broken", "", "run.created", "system", "{}")).code(),
            absl::StatusCode::kUnavailable);
}

TEST(MeasureFoldTest, EveryDeltaIsWrittenAtEveryGranularity) {
  FakeFacts facts;
  MeasureFold fold(facts);
  ASSERT_TRUE(fold.Add(Rec("r-person", "", "run.completed", "system", "{}", 3725)).ok());
  std::vector<store::MeasureBucket> deltas = fold.TakeDeltas();
  std::map<int64_t, std::vector<std::string>> by_granularity;
  for (const store::MeasureBucket& d : deltas) {
    by_granularity[d.granularity_s].push_back(d.measure + "/" + d.label);
    EXPECT_EQ(d.start, BucketStart(kT0 + absl::Seconds(3725), d.granularity_s));
  }
  ASSERT_EQ(by_granularity.size(), 4u);
  for (const auto& [granularity, measures] : by_granularity) {
    // Completed with a person: counted and timed (3725 s: up to 2 h), not straight through.
    EXPECT_THAT(measures, ::testing::UnorderedElementsAre("runs.completed/", "latency.run/7200"))
        << granularity;
  }
  EXPECT_TRUE(fold.TakeDeltas().empty());
  EXPECT_EQ(BucketStart(absl::FromUnixSeconds(86400 * 3 + 7000), kDay),
            absl::FromUnixSeconds(86400 * 3));
  EXPECT_EQ(BucketStart(absl::FromUnixSeconds(7261), kHour), absl::FromUnixSeconds(7200));
  EXPECT_EQ(BucketStart(absl::FromUnixSeconds(7261), kMinute), absl::FromUnixSeconds(7260));
  EXPECT_EQ(BucketStart(absl::FromUnixSeconds(-1), kMinute), absl::FromUnixSeconds(-60));
}

}  // namespace
}  // namespace flowline::monitor
