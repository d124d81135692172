// Assertion helpers shared by the conformance suite's files (private to them).
#pragma once

#include <optional>
#include <string>
#include <utility>
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

// A plain (not four-eyes) resolution with no records or corrections.
inline TaskResolution Decide(std::string task_id, std::string user, std::string decision,
                             std::string resolution_json, absl::Time now) {
  TaskResolution resolution;
  resolution.task_id = std::move(task_id);
  resolution.user = std::move(user);
  resolution.decision = std::move(decision);
  resolution.resolution_json = std::move(resolution_json);
  resolution.now = now;
  return resolution;
}

inline TokenInfo Token(std::string id, std::string name, std::string role, std::string hash,
                       absl::Time created_at) {
  TokenInfo token;
  token.token_id = std::move(id);
  token.name = std::move(name);
  token.role = std::move(role);
  token.token_hash = std::move(hash);
  token.created_at = created_at;
  return token;
}

inline NewTask MakeTask(std::string task_id, std::string queue, std::string title, int priority,
                        std::optional<absl::Time> due_at, std::string payload_json) {
  NewTask task;
  task.task_id = std::move(task_id);
  task.queue = std::move(queue);
  task.title = std::move(title);
  task.priority = priority;
  task.due_at = due_at;
  task.payload_json = std::move(payload_json);
  return task;
}

// Creates run `run_id` of workflow "wf" (review → $end) at `at` and parks its review step on
// `task` (params {"queue":"q"}). Returns false, with the failure reported, if the store refuses.
inline bool OpenTaskWith(Store& store, const std::string& run_id, NewTask task, absl::Time at) {
  NewRun run;
  run.run_id = run_id;
  run.workflow = "wf";
  run.version = "v1";
  run.input_json = "{}";
  run.now = at;
  run.steps = {{"review", 0}, {kEndStepId, 1}};
  run.lease = LeaseRequest{"worker-1", absl::Seconds(60)};
  run.records.push_back(NewRecord{"", "run.created", "system", "{}"});
  absl::StatusOr<CreateRunResult> created = store.CreateRun(run);
  EXPECT_TRUE(created.ok()) << created.status();
  if (!created.ok() || created->leased.size() != 1) return false;
  StepCommit commit;
  commit.run_id = run_id;
  commit.step_id = "review";
  commit.lease_token = created->leased[0].lease_token;
  commit.now = at;
  commit.resolution = StepResolution::kWaitTask;
  commit.params_json = R"({"queue":"q"})";
  commit.task = std::move(task);
  commit.records.push_back(NewRecord{"review", "task.opened", "system", "{}"});
  absl::Status status = store.CommitStep(commit).status();
  EXPECT_TRUE(status.ok()) << status;
  return status.ok();
}

}  // namespace flowline::store::testing
