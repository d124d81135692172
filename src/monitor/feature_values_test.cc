#include "monitor/feature_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace flowline::monitor {
namespace {

FeatureSpec From(const std::string& name, const std::string& from, FeatureType type) {
  std::string error;
  std::optional<FeatureSpec> feature = ParseFeatureFrom(from, &error);
  EXPECT_TRUE(feature.has_value()) << error;
  feature->name = name;
  feature->type = type;
  return *feature;
}

MonitorConfig Config() {
  MonitorConfig config;
  config.workflow = "invoice";
  config.gate_step = "review";
  config.features = {
      From("input.pages", "input.meta.pages", FeatureType::kNumeric),
      From("read.confidence", "steps.read.confidence", FeatureType::kConfidence),
      From("fields.total", "steps.fields.output.values.total_amount", FeatureType::kNumeric),
      From("fields.currency", "steps.fields.output.values.currency", FeatureType::kCategorical),
      From("first_line", "steps.fields.output.lines.0.qty", FeatureType::kNumeric),
      From("straight_through", "straight_through", FeatureType::kRate),
      From("audit_accuracy", "audit_accuracy", FeatureType::kRate),
      From("corrected", "outputs.corrected", FeatureType::kRate),
  };
  return config;
}

store::FeedRecord Fed(const std::string& kind, const std::string& step, const std::string& payload,
                      const std::string& input = "") {
  store::FeedRecord fed;
  fed.record.kind = kind;
  fed.record.step_id = step;
  fed.record.payload_json = payload;
  fed.workflow = "invoice";
  fed.version = "v1";
  fed.run_input_json = input;
  return fed;
}

std::vector<FeatureValue> Values(const MonitorConfig& config, const store::FeedRecord& fed,
                                 const TaskLookup& lookup = nullptr) {
  std::vector<FeatureValue> out;
  absl::Status status = ValuesOfRecord(config, fed, lookup, out);
  EXPECT_TRUE(status.ok()) << status;
  return out;
}

// "name=value" or "name=missing" for each value.
std::vector<std::string> Shown(const std::vector<FeatureValue>& values) {
  std::vector<std::string> out;
  for (const FeatureValue& v : values) {
    std::string shown = v.missing                                      ? "missing"
                        : v.feature->type == FeatureType::kCategorical ? v.category
                                                                       : absl::StrCat(v.number);
    out.push_back(v.feature->name + "=" + shown);
  }
  return out;
}

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FeatureValuesTest, RunInputFeedsInputFeatures) {
  const MonitorConfig config = Config();
  EXPECT_THAT(Shown(Values(config, Fed("run.created", "", "{}", R"({"meta":{"pages":3}})"))),
              ElementsAre("input.pages=3"));
  EXPECT_THAT(Shown(Values(config, Fed("run.created", "", "{}", R"({"file":"a.pdf"})"))),
              ElementsAre("input.pages=missing"));
}

TEST(FeatureValuesTest, StepOutputsFeedTheirStepsFeatures) {
  const MonitorConfig config = Config();
  const std::string payload =
      R"({"attempt":1,"output":{"values":{"total_amount":"1234.50","currency":"EUR"},)"
      R"("lines":[{"qty":2},{"qty":5}]},"confidence":0.91})";
  EXPECT_THAT(Shown(Values(config, Fed("step.completed", "fields", payload))),
              ElementsAre("fields.total=1234.5", "fields.currency=EUR", "first_line=2"));
  // A null amount and a missing currency count as missing; an unreadable number too.
  EXPECT_THAT(
      Shown(Values(config, Fed("step.completed", "fields",
                               R"({"output":{"values":{"total_amount":"n/a","currency":null}}})"))),
      ElementsAre("fields.total=missing", "fields.currency=missing", "first_line=missing"));
  // The read step: only its confidence (its output is never built).
  EXPECT_THAT(
      Shown(Values(config, Fed("step.completed", "read",
                               R"({"output":{"pages":[{"text":"..."}]},"confidence":0.5})"))),
      ElementsAre("read.confidence=0.5"));
  EXPECT_THAT(Values(config, Fed("step.completed", "other", R"({"output":{}})")), IsEmpty());
  EXPECT_THAT(Values(config, Fed("step.completed", "fields", "not json")), IsEmpty());
}

TEST(FeatureValuesTest, TheGateGivesTheStraightThroughRate) {
  const MonitorConfig config = Config();
  EXPECT_THAT(
      Shown(Values(config, Fed("step.completed", "review",
                               R"({"output":{"decision":"auto","routed":"straight_through"}})"))),
      ElementsAre("straight_through=1"));
  EXPECT_THAT(Shown(Values(config, Fed("task.opened", "review", R"({"task_id":"t1"})"))),
              ElementsAre("straight_through=0"));
  // The gate completing after a person decided is not another case.
  EXPECT_THAT(
      Values(config, Fed("step.completed", "review", R"({"output":{"decision":"approve"}})")),
      IsEmpty());
  // A task opened elsewhere (a step that exhausted its retries) is not the gate's.
  EXPECT_THAT(Values(config, Fed("task.opened", "fields", R"({"task_id":"t2"})")), IsEmpty());
}

TEST(FeatureValuesTest, OnlyPureAuditSamplesGiveTheAuditAccuracy) {
  const MonitorConfig config = Config();
  store::Task audit;
  audit.step_id = "review";
  audit.payload_json = R"({"routing":[{"kind":"audit_sample","message":"random audit"}]})";
  store::Task elsewhere = audit;
  elsewhere.step_id = "fields";  // a task of another step (exhausted retries)
  store::Task flagged;
  flagged.step_id = "review";
  flagged.payload_json =
      R"({"routing":[{"kind":"audit_sample"},{"kind":"low_confidence","name":"total"}]})";
  const TaskLookup lookup = [&](const std::string& id) -> absl::StatusOr<store::Task> {
    if (id == "audit") return audit;
    if (id == "flagged") return flagged;
    if (id == "elsewhere") return elsewhere;
    return absl::NotFoundError("no such task");
  };
  auto resolved = [&](const std::string& task, const std::string& decision, int changed) {
    return Shown(
        Values(config,
               Fed("task.resolved", "review",
                   absl::StrCat(R"({"task_id":")", task, R"(","decision":")", decision,
                                R"(","corrections":{"fields":7,"changed":)", changed, "}}")),
               lookup));
  };
  EXPECT_THAT(resolved("audit", "approve", 0), ElementsAre("audit_accuracy=1"));
  EXPECT_THAT(resolved("audit", "correct", 2), ElementsAre("audit_accuracy=0"));
  EXPECT_THAT(resolved("audit", "reject", 0), ElementsAre("audit_accuracy=0"));
  EXPECT_THAT(resolved("flagged", "approve", 0), IsEmpty());  // not a random sample alone
  EXPECT_THAT(resolved("gone", "approve", 0), IsEmpty());
  EXPECT_THAT(resolved("elsewhere", "approve", 0), IsEmpty());

  const TaskLookup broken = [](const std::string&) -> absl::StatusOr<store::Task> {
    return absl::UnavailableError("the store is down");
  };
  std::vector<FeatureValue> out;
  EXPECT_EQ(
      ValuesOfRecord(config, Fed("task.resolved", "review", R"({"task_id":"audit"})"), broken, out)
          .code(),
      absl::StatusCode::kUnavailable);
}

TEST(FeatureValuesTest, RunOutputsFeedOutputFeatures) {
  const MonitorConfig config = Config();
  EXPECT_THAT(Shown(Values(config, Fed("run.completed", "", R"({"output":{"corrected":true}})"))),
              ElementsAre("corrected=1"));
  EXPECT_THAT(
      Shown(Values(config, Fed("run.completed", "", R"({"output":{"corrected":"maybe"}})"))),
      ElementsAre("corrected=missing"));
}

TEST(FeatureValuesTest, ValuesConvertByType) {
  FeatureSpec categorical = From("c", "input.c", FeatureType::kCategorical);
  const Json number = 3;
  const Json flag = true;
  const Json empty = "";
  const Json object = Json::object();
  EXPECT_EQ(ConvertValue(categorical, &number).category, "3");
  EXPECT_EQ(ConvertValue(categorical, &flag).category, "true");
  EXPECT_TRUE(ConvertValue(categorical, &empty).missing);
  EXPECT_TRUE(ConvertValue(categorical, &object).missing);
  EXPECT_TRUE(ConvertValue(categorical, nullptr).missing);
  FeatureSpec numeric = From("n", "input.n", FeatureType::kNumeric);
  EXPECT_EQ(ConvertValue(numeric, &flag).number, 1);
  EXPECT_TRUE(ConvertValue(numeric, &object).missing);
}

TEST(FeatureValuesTest, FromNamesWhereAValueComesFrom) {
  std::string error;
  std::optional<FeatureSpec> f = ParseFeatureFrom("steps.fields.output.values.total", &error);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->source, FeatureSource::kStepOutput);
  EXPECT_EQ(f->step, "fields");
  EXPECT_THAT(f->path, ElementsAre("values", "total"));
  f = ParseFeatureFrom("steps.read.confidence", &error);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->source, FeatureSource::kStepConfidence);
  EXPECT_EQ(f->type, FeatureType::kConfidence);
  for (const char* bad : {"steps.read", "steps.read.output", "input", "input..x",
                          "stepz.a.output.b", "steps..confidence", "outputs."}) {
    EXPECT_FALSE(ParseFeatureFrom(bad, &error).has_value()) << bad;
    EXPECT_THAT(error, ::testing::HasSubstr(std::string("'") + bad + "'")) << bad;
  }
}

}  // namespace
}  // namespace flowline::monitor
