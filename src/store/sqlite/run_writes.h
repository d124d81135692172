// The write transactions on runs and steps: create, claim, commit, renew and expire.
//
// Each function runs on the writer thread inside the savepoint GroupCommitter gives its request,
// so it may return an error after writing: the savepoint is rolled back and nothing it wrote
// survives. The semantics are those documented in store/store.h; comments here cover only what
// the SQLite schema adds.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "store/run_rules.h"
#include "store/sqlite/sqlite_db.h"
#include "store/store.h"

namespace flowline::store::sqlite {

// Lease tokens: a random 64-bit prefix chosen per store instance and a counter, so tokens are
// unique across restarts and across processes sharing a database file. Thread-safe.
class LeaseTokens {
 public:
  LeaseTokens();
  std::string Next();

 private:
  uint64_t prefix_;
  std::atomic<uint64_t> counter_{0};
};

absl::StatusOr<CreateRunResult> InsertRun(Connection& db, LeaseTokens& tokens, const NewRun& run);

absl::StatusOr<std::vector<ClaimedStep>> ClaimDueSteps(Connection& db, LeaseTokens& tokens,
                                                       const LeaseRequest& lease, absl::Time now,
                                                       int max);

// Leases step `step_id` of `run_id` to `lease.owner` until now + lease.duration: running,
// attempt + 1, a fresh token, started_at set if it was not. The caller has checked the step may
// be leased.
absl::StatusOr<ClaimedStep> LeaseStep(Connection& db, LeaseTokens& tokens,
                                      const std::string& step_id, const LeaseRequest& lease,
                                      absl::Time now, const std::string& run_id,
                                      const std::string& workflow, const std::string& version);

// Defined in step_commit.cc.
absl::StatusOr<CommitResult> ApplyStepCommit(Connection& db, LeaseTokens& tokens,
                                             const StepCommit& commit);

// Returns the idempotency keys of the steps whose lease `owner` no longer holds.
absl::StatusOr<std::vector<std::string>> RenewStepLeases(Connection& db, const std::string& owner,
                                                         const std::vector<ClaimedStep>& steps,
                                                         absl::Time expires_at);

// Sets every running step's lease to expire at the Unix epoch; returns how many.
absl::StatusOr<int> ExpireStepLeases(Connection& db);

}  // namespace flowline::store::sqlite
