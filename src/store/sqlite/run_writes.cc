#include "store/sqlite/run_writes.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "store/request_checks.h"
#include "store/sqlite/chain.h"

namespace flowline::store::sqlite {
namespace {}  // namespace

LeaseTokens::LeaseTokens() {
  std::random_device device;
  prefix_ = (static_cast<uint64_t>(device()) << 32) ^ device();
}

std::string LeaseTokens::Next() {
  return absl::StrFormat("%016x-%x", prefix_, counter_.fetch_add(1, std::memory_order_relaxed));
}

absl::StatusOr<ClaimedStep> LeaseStep(Connection& db, LeaseTokens& tokens,
                                      const std::string& step_id, const LeaseRequest& lease,
                                      absl::Time now, const std::string& run_id,
                                      const std::string& workflow, const std::string& version) {
  std::string token = tokens.Next();
  absl::Time expires_at = now + lease.duration;
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE steps SET status = 'running', "
                                         "attempt = attempt + 1, available_at = NULL, "
                                         "lease_owner = ?2, lease_token = ?3, "
                                         "lease_expires_at = ?4, "
                                         "started_at = coalesce(started_at, ?5) "
                                         "WHERE run_id = ?1 AND step_id = ?6 "
                                         "RETURNING attempt, resume_json"));
  stmt->Bind(1, run_id);
  stmt->Bind(6, step_id);
  stmt->Bind(2, lease.owner);
  stmt->Bind(3, token);
  stmt->Bind(4, expires_at);
  stmt->Bind(5, now);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) return absl::InternalError("a step to lease disappeared");
  return MakeClaim(run_id, workflow, version, step_id, static_cast<int>(stmt->Int(0)),
                   std::move(token), expires_at, stmt->Text(1));
}

absl::StatusOr<CreateRunResult> InsertRun(Connection& db, LeaseTokens& tokens, const NewRun& run) {
  RETURN_IF_ERROR(ValidateNewRun(run));
  CreateRunResult result;
  if (!run.business_key.empty() && run.mode == RunMode::kNormal) {
    // The `business_key <> ''` and `mode` terms let SQLite use the partial index
    // runs_business_key instead of scanning every run of the workflow.
    ASSIGN_OR_RETURN(auto find, db.Prepare("SELECT run_id, status FROM runs WHERE workflow = ?1 "
                                           "AND business_key = ?2 AND business_key <> '' "
                                           "AND mode = 'normal'"));
    find->Bind(1, run.workflow);
    find->Bind(2, run.business_key);
    ASSIGN_OR_RETURN(bool found, find->Step());
    if (found) {
      result.run_id = find->Text(0);
      result.created = false;
      result.status = ParseRunStatus(find->Text(1)).value_or(RunStatus::kRunning);
      return result;
    }
  }
  {
    ASSIGN_OR_RETURN(auto insert, db.Prepare("INSERT INTO runs (run_id, workflow, version, "
                                             "business_key, status, input_json, created_at, "
                                             "updated_at, mode, parent_run_id) VALUES (?1, ?2, "
                                             "?3, ?4, 'running', ?5, ?6, ?6, ?7, ?8)"));
    insert->Bind(1, run.run_id);
    insert->Bind(2, run.workflow);
    insert->Bind(3, run.version);
    insert->Bind(4, run.business_key);
    insert->Bind(5, run.input_json);
    insert->Bind(6, run.now);
    insert->Bind(7, RunModeName(run.mode));
    insert->Bind(8, run.parent_run_id);
    absl::Status status = insert->Run();
    if (absl::IsAlreadyExists(status)) {
      return absl::AlreadyExistsError(absl::StrCat("run ", run.run_id, " already exists"));
    }
    RETURN_IF_ERROR(status);
  }
  // A paused workflow's new runs wait: their first steps are ready, not leased.
  bool paused = false;
  if (run.lease.has_value()) {
    ASSIGN_OR_RETURN(auto find,
                     db.Prepare("SELECT paused FROM workflows WHERE workflow = ?1 AND paused"));
    find->Bind(1, run.workflow);
    ASSIGN_OR_RETURN(paused, find->Step());
  }
  ASSIGN_OR_RETURN(auto insert,
                   db.Prepare("INSERT INTO steps (run_id, step_id, status, "
                              "attempt, deps_remaining, available_at, lease_owner, "
                              "lease_token, lease_expires_at, started_at, position) "
                              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  int64_t position = 0;
  for (const NewStep& step : run.steps) {
    insert->Reset();
    insert->Bind(11, position++);
    insert->Bind(1, run.run_id);
    insert->Bind(2, step.step_id);
    insert->Bind(5, step.deps_remaining);
    insert->Bind(7, "");
    insert->Bind(8, "");
    std::string token;
    if (step.deps_remaining > 0) {
      insert->Bind(3, "pending");
      insert->Bind(4, 0);
    } else if (!run.lease.has_value() || paused) {
      insert->Bind(3, "ready");
      insert->Bind(4, 0);
      insert->Bind(6, run.now);
    } else {
      // Eager start: the creator executes the first steps itself, without a claim round trip.
      token = tokens.Next();
      absl::Time expires_at = run.now + run.lease->duration;
      insert->Bind(3, "running");
      insert->Bind(4, 1);
      insert->Bind(7, run.lease->owner);
      insert->Bind(8, token);
      insert->Bind(9, expires_at);
      insert->Bind(10, run.now);
      result.leased.push_back(
          MakeClaim(run.run_id, run.workflow, run.version, step.step_id, 1, token, expires_at, ""));
    }
    absl::Status status = insert->Run();
    if (absl::IsAlreadyExists(status)) {
      return absl::InvalidArgumentError(
          absl::StrCat("run ", run.run_id, " lists step ", step.step_id, " twice"));
    }
    RETURN_IF_ERROR(status);
  }
  RETURN_IF_ERROR(AppendRecords(db, run.run_id, run.version, run.records, run.now));
  result.run_id = run.run_id;
  result.created = true;
  result.status = RunStatus::kRunning;
  return result;
}

absl::StatusOr<std::vector<ClaimedStep>> ClaimDueSteps(Connection& db, LeaseTokens& tokens,
                                                       const LeaseRequest& lease, absl::Time now,
                                                       int max) {
  std::vector<ClaimedStep> claimed;
  if (max <= 0) return claimed;
  if (lease.owner.empty()) return absl::InvalidArgumentError("a claim needs a lease owner");

  struct Candidate {
    int64_t due_us;
    bool run_open;
    std::string run_id;
    int64_t position;
    std::string step_id;
    std::string workflow;
    std::string version;
  };
  // Both queries are range scans over a partial index (steps_due, steps_lease), each bounded by
  // `max`; the union is merged by due time below. Steps of paused workflows are passed by (the
  // paused set is read once per query: the workflows table is small).
  static constexpr const char* kQueries[] = {
      "SELECT s.available_at, r.status = 'running', s.run_id, s.position, s.step_id, "
      "r.workflow, r.version "
      "FROM steps s JOIN runs r ON r.run_id = s.run_id "
      "WHERE s.status IN ('ready', 'waiting') AND s.available_at IS NOT NULL "
      "AND s.available_at <= ?1 AND r.workflow NOT IN (SELECT workflow FROM workflows "
      "WHERE paused) ORDER BY s.available_at, s.run_id, s.position LIMIT ?2",
      "SELECT s.lease_expires_at, r.status = 'running', s.run_id, s.position, s.step_id, "
      "r.workflow, r.version "
      "FROM steps s JOIN runs r ON r.run_id = s.run_id "
      "WHERE s.status = 'running' AND s.lease_expires_at < ?1 AND r.workflow NOT IN "
      "(SELECT workflow FROM workflows WHERE paused) "
      "ORDER BY s.lease_expires_at, s.run_id, s.position LIMIT ?2",
  };
  // Steps of runs that already ended are cancelled rather than claimed, which can leave the
  // claim short of `max`; look again until it is full or nothing is due.
  for (;;) {
    std::vector<Candidate> candidates;
    const int64_t want = max - static_cast<int64_t>(claimed.size());
    for (const char* sql : kQueries) {
      ASSIGN_OR_RETURN(auto stmt, db.Prepare(sql));
      stmt->Bind(1, now);
      stmt->Bind(2, want);
      for (;;) {
        ASSIGN_OR_RETURN(bool row, stmt->Step());
        if (!row) break;
        candidates.push_back(Candidate{stmt->Int(0), stmt->Int(1) != 0, stmt->Text(2), stmt->Int(3),
                                       stmt->Text(4), stmt->Text(5), stmt->Text(6)});
      }
    }
    if (candidates.empty()) return claimed;
    std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
      // Equal due times: older run first (run ids are time-ordered), then plan order.
      if (a.due_us != b.due_us) return a.due_us < b.due_us;
      if (a.run_id != b.run_id) return a.run_id < b.run_id;
      return a.position < b.position;
    });
    if (static_cast<int64_t>(candidates.size()) > want) candidates.resize(want);
    bool cancelled_any = false;
    for (const Candidate& candidate : candidates) {
      if (!candidate.run_open) {
        // A step still leased when its run ended (finish leaves running steps alone so their
        // results can be recorded) must never run again.
        ASSIGN_OR_RETURN(auto cancel, db.Prepare("UPDATE steps SET status = 'cancelled', "
                                                 "available_at = NULL, lease_token = '', "
                                                 "lease_expires_at = NULL "
                                                 "WHERE run_id = ?1 AND step_id = ?2"));
        cancel->Bind(1, candidate.run_id);
        cancel->Bind(2, candidate.step_id);
        RETURN_IF_ERROR(cancel->Run());
        cancelled_any = true;
        continue;
      }
      ASSIGN_OR_RETURN(ClaimedStep claim,
                       LeaseStep(db, tokens, candidate.step_id, lease, now, candidate.run_id,
                                 candidate.workflow, candidate.version));
      claimed.push_back(std::move(claim));
    }
    if (!cancelled_any || static_cast<int>(claimed.size()) >= max) return claimed;
  }
}

absl::StatusOr<std::vector<std::string>> RenewStepLeases(Connection& db, const std::string& owner,
                                                         const std::vector<ClaimedStep>& steps,
                                                         absl::Time expires_at) {
  std::vector<std::string> lost;
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE steps SET lease_expires_at = ?4 "
                                         "WHERE run_id = ?1 AND step_id = ?2 AND "
                                         "status = 'running' AND lease_token = ?3 AND "
                                         "lease_owner = ?5"));
  for (const ClaimedStep& step : steps) {
    stmt->Reset();
    stmt->Bind(1, step.run_id);
    stmt->Bind(2, step.step_id);
    stmt->Bind(3, step.lease_token);
    stmt->Bind(4, expires_at);
    stmt->Bind(5, owner);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() == 0) lost.push_back(IdempotencyKey(step.run_id, step.step_id));
  }
  return lost;
}

absl::StatusOr<int> ExpireStepLeases(Connection& db) {
  // The Unix epoch is in the past for every clock the engine uses, real or fake.
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE steps SET lease_expires_at = 0 "
                                         "WHERE status = 'running'"));
  RETURN_IF_ERROR(stmt->Run());
  return stmt->Changes();
}

}  // namespace flowline::store::sqlite
