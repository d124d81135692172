// The conformance suite: trigger state (src/triggers/, docs/triggers.md), what each trigger
// source keeps across restarts.
#include <optional>
#include <string>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

TEST_P(StoreConformanceTest, TriggerStateIsAbsentUntilSavedThenTheLastSaveWins) {
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> none,
                       store().GetTriggerState("reports", "schedule"));
  EXPECT_FALSE(none.has_value());

  ASSERT_OK(
      store().PutTriggerState("reports", "schedule", R"({"last_tick":"2026-01-05T06:00:00Z"})"));
  ASSERT_OK(
      store().PutTriggerState("reports", "schedule", R"({"last_tick":"2026-01-06T06:00:00Z"})"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> saved,
                       store().GetTriggerState("reports", "schedule"));
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(*saved, R"({"last_tick":"2026-01-06T06:00:00Z"})");
}

TEST_P(StoreConformanceTest, TriggerStateIsKeptPerWorkflowAndTrigger) {
  ASSERT_OK(store().PutTriggerState("reports", "schedule", "a"));
  ASSERT_OK(store().PutTriggerState("reports", "schedule-2", "b"));
  ASSERT_OK(store().PutTriggerState("invoices", "schedule", ""));  // empty is a value

  ASSERT_OK_AND_ASSIGN(std::optional<std::string> a,
                       store().GetTriggerState("reports", "schedule"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> b,
                       store().GetTriggerState("reports", "schedule-2"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> empty,
                       store().GetTriggerState("invoices", "schedule"));
  ASSERT_OK_AND_ASSIGN(std::optional<std::string> other,
                       store().GetTriggerState("invoices", "schedule-2"));
  EXPECT_EQ(a, std::optional<std::string>("a"));
  EXPECT_EQ(b, std::optional<std::string>("b"));
  EXPECT_EQ(empty, std::optional<std::string>(""));
  EXPECT_FALSE(other.has_value());
}

TEST_P(StoreConformanceTest, TriggerStateNeedsAWorkflowAndATriggerId) {
  EXPECT_EQ(store().PutTriggerState("", "schedule", "x").code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().PutTriggerState("reports", "", "x").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().GetTriggerState("", "schedule").status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace flowline::store::testing
