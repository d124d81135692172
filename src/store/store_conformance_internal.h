// Assertion helpers shared by the conformance suite's files (private to them).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/store.h"

#define FLOWLINE_CONF_CONCAT_INNER(a, b) a##b
#define FLOWLINE_CONF_CONCAT(a, b) FLOWLINE_CONF_CONCAT_INNER(a, b)

#define ASSERT_OK(expr)                                               \
  do {                                                                \
    const ::absl::Status flowline_conf_status_ = (expr);              \
    ASSERT_TRUE(flowline_conf_status_.ok()) << flowline_conf_status_; \
  } while (0)

#define EXPECT_OK(expr)                                               \
  do {                                                                \
    const ::absl::Status flowline_conf_status_ = (expr);              \
    EXPECT_TRUE(flowline_conf_status_.ok()) << flowline_conf_status_; \
  } while (0)

#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  FLOWLINE_CONF_ASSIGN_IMPL(FLOWLINE_CONF_CONCAT(flowline_conf_statusor_, __LINE__), lhs, rexpr)

#define FLOWLINE_CONF_ASSIGN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  ASSERT_TRUE(statusor.ok()) << statusor.status();      \
  lhs = std::move(statusor).value()

// The status code of a Status or StatusOr.
template <typename T>
absl::StatusCode CodeOf(const absl::StatusOr<T>& value) {
  return value.status().code();
}
inline absl::StatusCode CodeOf(const absl::Status& status) { return status.code(); }

// The message of a Status or StatusOr.
template <typename T>
std::string MessageOf(const absl::StatusOr<T>& value) {
  return std::string(value.status().message());
}
inline std::string MessageOf(const absl::Status& status) { return std::string(status.message()); }

namespace flowline::store::testing {

// "<run_id>/<step_id>" of each claim, in order.
inline std::vector<std::string> StepIds(const std::vector<ClaimedStep>& claims) {
  std::vector<std::string> ids;
  for (const ClaimedStep& claim : claims) ids.push_back(claim.run_id + "/" + claim.step_id);
  return ids;
}

}  // namespace flowline::store::testing
