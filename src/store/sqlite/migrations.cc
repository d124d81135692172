#include "store/sqlite/migrations.h"

#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/chain.h"

namespace flowline::store::sqlite {
namespace {

// Migrations are append-only: a released migration is never edited, a change is a new one.
//
// Times are INTEGER microseconds since the Unix epoch; JSON payloads are TEXT kept verbatim.
// Most tables have an INTEGER PRIMARY KEY `seq`: it gives creation order for free and keeps
// the hot unique key run_id in a small secondary index. `steps` is the exception: every write
// of the hot path finds a step by (run_id, step_id), so that is its primary key in a WITHOUT
// ROWID table (one b-tree per lookup instead of index + table); run ids are time-ordered, so
// new steps still append at the right edge, and `position` keeps the plan order.
constexpr const char* kMigrations[] = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE workflows (
  workflow     TEXT PRIMARY KEY,
  live_version TEXT NOT NULL,
  updated_at   INTEGER NOT NULL
);

CREATE TABLE versions (
  seq         INTEGER PRIMARY KEY,
  workflow    TEXT NOT NULL,
  version     TEXT NOT NULL,
  spec_source TEXT NOT NULL,
  source_name TEXT NOT NULL,
  deployed_at INTEGER NOT NULL,
  UNIQUE (workflow, version)
);

CREATE TABLE runs (
  seq          INTEGER PRIMARY KEY,
  run_id       TEXT NOT NULL UNIQUE,
  workflow     TEXT NOT NULL,
  version      TEXT NOT NULL,
  business_key TEXT NOT NULL,
  status       TEXT NOT NULL,
  input_json   TEXT NOT NULL,
  output_json  TEXT NOT NULL DEFAULT '',
  error        TEXT NOT NULL DEFAULT '',
  created_at   INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  finished_at  INTEGER
);
-- De-duplication of triggers: one run per (workflow, non-empty business key).
CREATE UNIQUE INDEX runs_business_key ON runs (workflow, business_key) WHERE business_key <> '';
-- ListRuns by workflow, newest first (the index implicitly ends with seq).
CREATE INDEX runs_workflow ON runs (workflow);

CREATE TABLE steps (
  run_id           TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  position         INTEGER NOT NULL,  -- plan order within the run
  status           TEXT NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  deps_remaining   INTEGER NOT NULL,
  available_at     INTEGER,
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_token      TEXT NOT NULL DEFAULT '',
  lease_expires_at INTEGER,
  params_json      TEXT NOT NULL DEFAULT '',
  output_json      TEXT NOT NULL DEFAULT '',
  confidence       REAL,
  error            TEXT NOT NULL DEFAULT '',
  resume_json      TEXT NOT NULL DEFAULT '',
  task_id          TEXT NOT NULL DEFAULT '',
  started_at       INTEGER,
  finished_at      INTEGER,
  duration_us      INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, step_id)
) WITHOUT ROWID;
-- Claiming: both partial indexes hold only the rows that can become due, so a claim is a range
-- scan over the due prefix and the indexes stay as small as the work in flight. Equal times are
-- claimed oldest run first, in plan order: (run_id, position) makes the index give that order.
CREATE INDEX steps_due ON steps (available_at, run_id, position)
  WHERE status IN ('ready', 'waiting') AND available_at IS NOT NULL;
CREATE INDEX steps_lease ON steps (lease_expires_at, run_id, position) WHERE status = 'running';

CREATE TABLE tasks (
  seq              INTEGER PRIMARY KEY,
  task_id          TEXT NOT NULL UNIQUE,
  run_id           TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  workflow         TEXT NOT NULL,
  queue            TEXT NOT NULL,
  title            TEXT NOT NULL,
  priority         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  payload_json     TEXT NOT NULL,
  created_at       INTEGER NOT NULL,
  due_at           INTEGER,
  claimed_by       TEXT NOT NULL DEFAULT '',
  claim_expires_at INTEGER,
  resolved_by      TEXT NOT NULL DEFAULT '',
  resolved_at      INTEGER,
  decision         TEXT NOT NULL DEFAULT '',
  resolution_json  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_inbox ON tasks (status, queue, priority DESC, created_at);
CREATE INDEX tasks_run ON tasks (run_id);

CREATE TABLE records (
  seq          INTEGER PRIMARY KEY,
  run_id       TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  actor        TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  at           INTEGER NOT NULL
);
CREATE INDEX records_run ON records (run_id);

CREATE TABLE tokens (
  token_id   TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_hash ON tokens (token_hash);
)sql",
    // 2: people's work (issue 4): the stop switch, escalation and four-eyes on tasks, the
    // webhook outbox, corrections as labels, users and sign-in sessions.
    R"sql(
ALTER TABLE workflows ADD COLUMN paused INTEGER NOT NULL DEFAULT 0;
ALTER TABLE workflows ADD COLUMN paused_by TEXT NOT NULL DEFAULT '';
ALTER TABLE workflows ADD COLUMN paused_at INTEGER;

ALTER TABLE tasks ADD COLUMN escalate_to TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN notify_url TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN escalated_at INTEGER;
ALTER TABLE tasks ADD COLUMN four_eyes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE tasks ADD COLUMN first_by TEXT NOT NULL DEFAULT '';
ALTER TABLE tasks ADD COLUMN first_decision_json TEXT NOT NULL DEFAULT '';
-- The escalation sweep: only unresolved tasks that still have an escalation ahead of them.
CREATE INDEX tasks_escalation ON tasks (due_at)
  WHERE status IN ('open', 'claimed') AND escalate_to <> '' AND escalated_at IS NULL;

CREATE TABLE notifications (
  seq             INTEGER PRIMARY KEY,
  url             TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at);

CREATE TABLE corrections (
  seq              INTEGER PRIMARY KEY,
  run_id           TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  task_id          TEXT NOT NULL,
  workflow         TEXT NOT NULL,
  version          TEXT NOT NULL,
  document_json    TEXT NOT NULL,
  field            TEXT NOT NULL,
  ai_value_json    TEXT NOT NULL,
  ai_confidence    REAL,
  human_value_json TEXT NOT NULL,
  changed          INTEGER NOT NULL,
  by               TEXT NOT NULL,
  at               INTEGER NOT NULL
);
CREATE INDEX corrections_workflow ON corrections (workflow, seq);
CREATE INDEX corrections_run ON corrections (run_id);

CREATE TABLE users (
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0
);

ALTER TABLE tokens ADD COLUMN expires_at INTEGER;
ALTER TABLE tokens ADD COLUMN session INTEGER NOT NULL DEFAULT 0;
)sql",
    // 3: the decision record's hash chain (issue 5, docs/audit.md). Records written before it
    // get their links when the store opens (ChainUnlinkedRecords, chain.h).
    R"sql(
ALTER TABLE records ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE records ADD COLUMN prev_hash BLOB;
ALTER TABLE records ADD COLUMN hash BLOB;

-- Signed statements of the chain's head (audit/checkpoints.h). `cut`: a retention cut, the
-- records up to `seq` were removed and the chain starts after it.
CREATE TABLE checkpoints (
  id        INTEGER PRIMARY KEY,
  seq       INTEGER NOT NULL,
  hash      BLOB NOT NULL,
  signed_at INTEGER NOT NULL,
  reason    TEXT NOT NULL,
  key_id    TEXT NOT NULL,
  signature BLOB NOT NULL,
  cut       INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkpoints_cut ON checkpoints (seq) WHERE cut;
)sql",
    // 4: drift detection and alerts (issue 5, docs/drift.md): drift histograms per workflow,
    // feature and hour, filled from the decision record behind a cursor; the latest drift check
    // per workflow; alerts, one unresolved row per finding.
    R"sql(
CREATE TABLE drift_state (
  name  TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO drift_state (name, value) VALUES ('cursor', 0);

CREATE TABLE drift_buckets (
  seq            INTEGER PRIMARY KEY,
  workflow       TEXT NOT NULL,
  feature        TEXT NOT NULL,
  start          INTEGER NOT NULL,
  type           TEXT NOT NULL,
  histogram_json TEXT NOT NULL,
  UNIQUE (workflow, feature, start)
);
-- A check reads a workflow's buckets by time (all features of a window), and its first bucket.
CREATE INDEX drift_buckets_time ON drift_buckets (workflow, start);

CREATE TABLE drift_reports (
  workflow    TEXT PRIMARY KEY,
  checked_at  INTEGER NOT NULL,
  report_json TEXT NOT NULL
);

CREATE TABLE alerts (
  seq             INTEGER PRIMARY KEY,
  alert_id        TEXT NOT NULL UNIQUE,
  workflow        TEXT NOT NULL,
  kind            TEXT NOT NULL,
  subject         TEXT NOT NULL,
  status          TEXT NOT NULL,
  summary         TEXT NOT NULL,
  detail_json     TEXT NOT NULL,
  opened_at       INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  occurrences     INTEGER NOT NULL DEFAULT 1,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  acknowledged_at INTEGER,
  resolved_by     TEXT NOT NULL DEFAULT '',
  resolved_at     INTEGER,
  resolution      TEXT NOT NULL DEFAULT ''
);
-- An ongoing finding is one alert: at most one unresolved row per (workflow, kind, subject).
CREATE UNIQUE INDEX alerts_ongoing ON alerts (workflow, kind, subject) WHERE status <> 'resolved';
CREATE INDEX alerts_workflow ON alerts (workflow, seq);
)sql",
    // 5: measures (issue 5, docs/measures.md): when a task's current claim began (working
    // time), the time-bucketed measures the rollup folds from the record log, and its cursor.
    // Measures are one row per (granularity, workflow, step, bucket start, version, measure,
    // label): a dashboard's series (run level, or one step) over a period is one range of the
    // primary key, and the all-time totals (granularity 0) that /metrics reads are a prefix.
    R"sql(
ALTER TABLE tasks ADD COLUMN claimed_at INTEGER;

CREATE TABLE measures (
  granularity INTEGER NOT NULL,  -- seconds: 60, 3600, 86400; 0 for all-time totals
  workflow    TEXT NOT NULL,
  step        TEXT NOT NULL,     -- '' for run-level measures
  start       INTEGER NOT NULL,  -- the bucket's first instant (0 for totals)
  version     TEXT NOT NULL,
  measure     TEXT NOT NULL,
  label       TEXT NOT NULL,
  count       INTEGER NOT NULL,
  sum         REAL NOT NULL,
  PRIMARY KEY (granularity, workflow, step, start, version, measure, label)
) WITHOUT ROWID;

CREATE TABLE measure_cursor (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  seq INTEGER NOT NULL
);
INSERT INTO measure_cursor (id, seq) VALUES (1, 0);
)sql",
    // 6: datasets (issue 6, docs/datasets.md): named datasets, their append-only case rows and
    // their immutable numbered versions. A version's cases are the newest row per case key with
    // seq <= max_seq that does not remove the case: one seek per key on dataset_cases_key.
    R"sql(
CREATE TABLE datasets (
  name             TEXT PRIMARY KEY,
  description      TEXT NOT NULL,
  workflow         TEXT NOT NULL,
  validation_share REAL NOT NULL,
  test_share       REAL NOT NULL,
  split_seed       INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  latest_version   INTEGER NOT NULL DEFAULT 0,
  feed_seq         INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE dataset_cases (
  seq           INTEGER PRIMARY KEY,
  dataset       TEXT NOT NULL REFERENCES datasets (name),
  case_key      TEXT NOT NULL,
  input_json    TEXT NOT NULL,
  expected_json TEXT NOT NULL,
  source        TEXT NOT NULL,
  source_ref    TEXT NOT NULL,
  slices_json   TEXT NOT NULL,
  removed       INTEGER NOT NULL,
  added_at      INTEGER NOT NULL
);
CREATE INDEX dataset_cases_key ON dataset_cases (dataset, case_key, seq);

CREATE TABLE dataset_versions (
  dataset      TEXT NOT NULL REFERENCES datasets (name),
  version      INTEGER NOT NULL,
  max_seq      INTEGER NOT NULL,
  content_hash TEXT NOT NULL,
  case_count   INTEGER NOT NULL,
  note         TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  PRIMARY KEY (dataset, version)
);
)sql",
    // 7: releases (issue 6, docs/releases.md): version stages (the live version of each
    // workflow is live, every older one retired), the shadow and the canary of a workflow, the
    // mode of a run (shadow copies are linked to their live run), and the shadow's comparisons.
    // Only normal runs are de-duplicated by business key: a shadow copy has its live run's key.
    R"sql(
ALTER TABLE versions ADD COLUMN stage TEXT NOT NULL DEFAULT 'retired';
UPDATE versions SET stage = 'live'
  WHERE version IN (SELECT live_version FROM workflows WHERE workflows.workflow = versions.workflow);

ALTER TABLE workflows ADD COLUMN shadow_version TEXT NOT NULL DEFAULT '';
ALTER TABLE workflows ADD COLUMN canary_version TEXT NOT NULL DEFAULT '';
ALTER TABLE workflows ADD COLUMN canary_share REAL NOT NULL DEFAULT 0;

ALTER TABLE runs ADD COLUMN mode TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE runs ADD COLUMN parent_run_id TEXT NOT NULL DEFAULT '';
DROP INDEX runs_business_key;
CREATE UNIQUE INDEX runs_business_key ON runs (workflow, business_key)
  WHERE business_key <> '' AND mode = 'normal';
CREATE INDEX runs_shadow ON runs (workflow, seq) WHERE mode = 'shadow';

CREATE TABLE shadow_comparisons (
  seq            INTEGER PRIMARY KEY,
  shadow_run_id  TEXT NOT NULL UNIQUE,
  live_run_id    TEXT NOT NULL,
  workflow       TEXT NOT NULL,
  shadow_version TEXT NOT NULL,
  live_version   TEXT NOT NULL,
  business_key   TEXT NOT NULL,
  compared_at    INTEGER NOT NULL,
  agree          INTEGER NOT NULL,
  live_routing   TEXT NOT NULL,
  shadow_routing TEXT NOT NULL,
  fields_json    TEXT NOT NULL
);
CREATE INDEX shadow_comparisons_workflow ON shadow_comparisons (workflow, shadow_version, seq);
)sql",
    // 8: stored evaluations (issue 6, docs/evaluation.md): a version scored on a dataset, its
    // summary (the gated measures) and its report. Gates look up the newest evaluation of a
    // version on a dataset version and split; listings go newest first.
    R"sql(
CREATE TABLE evaluations (
  seq             INTEGER PRIMARY KEY,
  evaluation_id   TEXT NOT NULL UNIQUE,
  workflow        TEXT NOT NULL,
  version         TEXT NOT NULL,
  dataset         TEXT NOT NULL,
  dataset_version INTEGER NOT NULL,
  split           TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  created_by      TEXT NOT NULL,
  summary_json    TEXT NOT NULL,
  report_json     TEXT NOT NULL
);
CREATE INDEX evaluations_subject ON evaluations (workflow, version, dataset, dataset_version, split);
CREATE INDEX evaluations_time ON evaluations (created_at);
)sql",
    // 9: worker heartbeats (issue 8, docs/scale-out.md): one row per `flowline serve` or
    // `flowline worker` process, replaced every few seconds; the health endpoint lists the ones
    // seen lately.
    R"sql(
CREATE TABLE workers (
  worker_id        TEXT PRIMARY KEY,
  host             TEXT NOT NULL,
  pid              INTEGER NOT NULL,
  role             TEXT NOT NULL,
  flowline_version TEXT NOT NULL,
  started_at       INTEGER NOT NULL,
  seen_at          INTEGER NOT NULL,
  workers          INTEGER NOT NULL,
  steps_running    INTEGER NOT NULL
);
CREATE INDEX workers_seen ON workers (seen_at);
)sql",
    // 10: trigger state (issue 9, docs/triggers.md): what each trigger source keeps across
    // restarts (a schedule's last tick, a poll's cursor), one opaque value per trigger.
    R"sql(
CREATE TABLE trigger_state (
  workflow   TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (workflow, trigger_id)
);
)sql",
};

constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));
// The migration that added the hash chain: records older than it are linked after it runs.
constexpr int kChainMigration = 3;

absl::Status ApplyPending(Connection& connection, absl::Time now) {
  RETURN_IF_ERROR(
      connection.Exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
                      "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"));
  int current = 0;
  {
    ASSIGN_OR_RETURN(auto stmt,
                     connection.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (row) current = static_cast<int>(stmt->Int(0));
  }
  if (current > kMigrationCount) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the database schema is at version ", current, " but this flowline knows only up to ",
        kMigrationCount, ": it was written by a newer flowline; upgrade flowline to open it"));
  }
  for (int version = current + 1; version <= kMigrationCount; ++version) {
    absl::Status status = connection.Exec(kMigrations[version - 1]);
    if (!status.ok()) {
      return absl::Status(status.code(), absl::StrCat("applying schema migration ", version, ": ",
                                                      status.message()));
    }
    ASSIGN_OR_RETURN(auto insert, connection.Prepare("INSERT INTO schema_migrations "
                                                     "(version, applied_at) VALUES (?1, ?2)"));
    insert->Bind(1, version);
    insert->Bind(2, now);
    RETURN_IF_ERROR(insert->Run());
    if (version == kChainMigration) RETURN_IF_ERROR(ChainUnlinkedRecords(connection));
  }
  return absl::OkStatus();
}

}  // namespace

int LatestSchemaVersion() { return kMigrationCount; }

absl::StatusOr<std::vector<AppliedMigration>> ListAppliedMigrations(Connection& connection) {
  std::vector<AppliedMigration> applied;
  ASSIGN_OR_RETURN(auto exists, connection.Prepare("SELECT 1 FROM sqlite_master WHERE type = "
                                                   "'table' AND name = 'schema_migrations'"));
  ASSIGN_OR_RETURN(bool has_table, exists->Step());
  if (!has_table) return applied;
  ASSIGN_OR_RETURN(auto stmt, connection.Prepare("SELECT version, applied_at FROM "
                                                 "schema_migrations ORDER BY version"));
  for (;;) {
    ASSIGN_OR_RETURN(bool row, stmt->Step());
    if (!row) return applied;
    applied.push_back(AppliedMigration{static_cast<int>(stmt->Int(0)), stmt->Time(1)});
  }
}

absl::Status Migrate(Connection& connection, absl::Time now) {
  // IMMEDIATE: two processes opening the same new database must not both apply migration 1.
  RETURN_IF_ERROR(connection.Exec("BEGIN IMMEDIATE"));
  absl::Status status = ApplyPending(connection, now);
  if (!status.ok()) {
    connection.Exec("ROLLBACK").IgnoreError();
    return status;
  }
  status = connection.Exec("COMMIT");
  if (!status.ok()) connection.Exec("ROLLBACK").IgnoreError();
  return status;
}

}  // namespace flowline::store::sqlite
