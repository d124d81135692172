#include "lifecycle/shadow.h"

#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lifecycle/lifecycle_release_test_util.h"

namespace flowline::lifecycle {
namespace {

// An extraction (the total, doubled for case B by the shadow's "improvement") behind a gate that
// sends totals above LIMIT to a person.
constexpr char kSpec[] = R"yaml(
workflow: inv
key: ${{ input.id }}
steps:
  - id: fields
    uses: script
    actor: ai
    with:
      code: |
        local total = input.total
        if DOUBLE and input.id == 'B' then total = total * 2 end
        return { fields = { total = { value = total, normalized = total, confidence = 0.99 } } }
  - id: review
    uses: review
    actor: human
    needs: [fields]
    with:
      gate: true
      queue: ap
      decisions: [approve, reject]
exceptions:
  rules:
    - name: large
      when: ${{ input.total > LIMIT }}
outputs:
  total: ${{ steps.fields.output.fields.total.normalized }}
)yaml";

std::string Spec(bool doubled, int limit) {
  return absl::StrReplaceAll(
      kSpec, {{"DOUBLE", doubled ? "true" : "false"}, {"LIMIT", absl::StrCat(limit)}});
}

class ShadowTest : public testing::ReleaseFixture {};

TEST_F(ShadowTest, ComparesFieldsAndRoutingOfEveryFinishedPair) {
  Deploy(Spec(false, 1000), store::VersionStage::kLive);
  const std::string shadow = Deploy(Spec(true, 10), store::VersionStage::kShadow);
  Start("inv", {{"id", "A"}, {"total", 5}});   // both straight through, same total
  Start("inv", {{"id", "B"}, {"total", 50}});  // shadow: to a person, total doubled
  const std::string c = Start("inv", {{"id", "C"}, {"total", 5000}}).run_id;  // both: person
  RunAll();

  // C's live run waits for a person: only A and B are compared so far.
  auto report = BuildShadowReport(*store_, "inv", "", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->shadow_version, shadow);
  EXPECT_TRUE(report->current_shadow);
  EXPECT_EQ(report->pairs, 2);

  Approve(c);
  report = BuildShadowReport(*store_, "inv", "", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs, 3);
  EXPECT_EQ(report->agreeing, 2);  // A and C
  EXPECT_EQ(report->both_straight_through, 1);
  EXPECT_EQ(report->both_person, 1);
  EXPECT_EQ(report->routing_differs, 1);
  std::map<std::string, std::pair<int, int>> fields;
  for (const FieldAgreement& f : report->fields) fields[f.field] = {f.compared, f.equal};
  EXPECT_EQ(fields["fields.total"], std::make_pair(3, 2));
  EXPECT_EQ(fields["outputs.total"], std::make_pair(3, 2));
  EXPECT_EQ(fields["status"], std::make_pair(3, 3));
  ASSERT_EQ(report->disagreements.size(), 1u);
  const ShadowDisagreement& b = report->disagreements[0];
  EXPECT_EQ(b.comparison.business_key, "B");
  EXPECT_EQ(b.comparison.live_routing, "straight_through");
  EXPECT_EQ(b.comparison.shadow_routing, "person");
  EXPECT_EQ(b.differing, Json::parse(R"([{"field":"fields.total","live":50,"shadow":100},
                                         {"field":"outputs.total","live":50,"shadow":100}])"));

  // Each pair is compared once and kept.
  auto again = CompareFinishedShadowRuns(*store_, "inv", clock_.Now());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  Json json = ShadowReportJson(*report);
  EXPECT_EQ(json["routing"]["differ"], 1);
  EXPECT_DOUBLE_EQ(json["agreement"].get<double>(), 2.0 / 3);
}

TEST_F(ShadowTest, AWorkflowWithoutAShadowReportsNothing) {
  Deploy(Spec(false, 1000), store::VersionStage::kLive);
  Start("inv", {{"id", "A"}, {"total", 5}});
  RunAll();
  auto report = BuildShadowReport(*store_, "inv", "", clock_.Now());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->pairs, 0);
  EXPECT_EQ(report->shadow_version, "");
  EXPECT_EQ(BuildShadowReport(*store_, "nope", "", clock_.Now()).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flowline::lifecycle
