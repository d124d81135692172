#include "store/postgres/pg_migrations.h"

#include <algorithm>
#include <iterator>
#include <string>

#include "absl/strings/str_cat.h"
#include "store/postgres/pg_pool.h"

namespace flowline::store::postgres {
namespace {

// Migrations are append-only: a released migration is never edited, a change is a new one.
//
// Differences from SQLite, and why:
// - Creation-order keys (`seq`) are identity columns. Unlike SQLite's single writer, concurrent
//   transactions may commit their identity values out of order: only records.seq (assigned
//   from record_chain_head under its row lock, store.md) is commit-ordered, so no reader may
//   use another table's seq as a cursor that must not miss rows.
// - record_chain_head: the chain's newest (seq, hash) in one row that appenders lock, so many
//   writers serialise their appends and the chain cannot fork.
// - steps_claim: claiming scans due ready/waiting steps by available_at and expired leases by
//   lease_expires_at, as SQLite's partial indexes do.
constexpr const char* kMigrations[] = {
    // 1: the whole schema of the SQLite store at its migration 8, plus the chain head and the
    // worker heartbeats.
    R"sql(
CREATE TABLE workflows (
  workflow       TEXT PRIMARY KEY,
  live_version   TEXT NOT NULL,
  updated_at     BIGINT NOT NULL,
  paused         BOOLEAN NOT NULL DEFAULT FALSE,
  paused_by      TEXT NOT NULL DEFAULT '',
  paused_at      BIGINT,
  shadow_version TEXT NOT NULL DEFAULT '',
  canary_version TEXT NOT NULL DEFAULT '',
  canary_share   DOUBLE PRECISION NOT NULL DEFAULT 0
);

CREATE TABLE versions (
  seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow    TEXT NOT NULL,
  version     TEXT NOT NULL,
  spec_source TEXT NOT NULL,
  source_name TEXT NOT NULL,
  deployed_at BIGINT NOT NULL,
  stage       TEXT NOT NULL DEFAULT 'retired',
  UNIQUE (workflow, version)
);

CREATE TABLE runs (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id        TEXT NOT NULL UNIQUE,
  workflow      TEXT NOT NULL,
  version       TEXT NOT NULL,
  business_key  TEXT NOT NULL,
  status        TEXT NOT NULL,
  input_json    TEXT NOT NULL,
  output_json   TEXT NOT NULL DEFAULT '',
  error         TEXT NOT NULL DEFAULT '',
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  finished_at   BIGINT,
  mode          TEXT NOT NULL DEFAULT 'normal',
  parent_run_id TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX runs_business_key ON runs (workflow, business_key)
  WHERE business_key <> '' AND mode = 'normal';
CREATE INDEX runs_workflow ON runs (workflow, seq);
CREATE INDEX runs_shadow ON runs (workflow, seq) WHERE mode = 'shadow';

CREATE TABLE steps (
  run_id           TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  position         INTEGER NOT NULL,
  status           TEXT NOT NULL,
  attempt          INTEGER NOT NULL DEFAULT 0,
  deps_remaining   INTEGER NOT NULL,
  available_at     BIGINT,
  lease_owner      TEXT NOT NULL DEFAULT '',
  lease_token      TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT,
  params_json      TEXT NOT NULL DEFAULT '',
  output_json      TEXT NOT NULL DEFAULT '',
  confidence       DOUBLE PRECISION,
  error            TEXT NOT NULL DEFAULT '',
  resume_json      TEXT NOT NULL DEFAULT '',
  task_id          TEXT NOT NULL DEFAULT '',
  started_at       BIGINT,
  finished_at      BIGINT,
  duration_us      BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (run_id, step_id)
);
CREATE INDEX steps_due ON steps (available_at, run_id, position)
  WHERE status IN ('ready', 'waiting') AND available_at IS NOT NULL;
CREATE INDEX steps_lease ON steps (lease_expires_at, run_id, position) WHERE status = 'running';

CREATE TABLE tasks (
  seq                 BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id             TEXT NOT NULL UNIQUE,
  run_id              TEXT NOT NULL,
  step_id             TEXT NOT NULL,
  workflow            TEXT NOT NULL,
  queue               TEXT NOT NULL,
  title               TEXT NOT NULL,
  priority            INTEGER NOT NULL,
  status              TEXT NOT NULL,
  payload_json        TEXT NOT NULL,
  created_at          BIGINT NOT NULL,
  due_at              BIGINT,
  claimed_by          TEXT NOT NULL DEFAULT '',
  claim_expires_at    BIGINT,
  resolved_by         TEXT NOT NULL DEFAULT '',
  resolved_at         BIGINT,
  decision            TEXT NOT NULL DEFAULT '',
  resolution_json     TEXT NOT NULL DEFAULT '',
  escalate_to         TEXT NOT NULL DEFAULT '',
  notify_url          TEXT NOT NULL DEFAULT '',
  escalated_at        BIGINT,
  four_eyes           BOOLEAN NOT NULL DEFAULT FALSE,
  first_by            TEXT NOT NULL DEFAULT '',
  first_decision_json TEXT NOT NULL DEFAULT '',
  claimed_at          BIGINT
);
CREATE INDEX tasks_inbox ON tasks (status, queue, priority DESC, created_at);
CREATE INDEX tasks_run ON tasks (run_id);
CREATE INDEX tasks_escalation ON tasks (due_at)
  WHERE status IN ('open', 'claimed') AND escalate_to <> '' AND escalated_at IS NULL;

-- seq is assigned from record_chain_head (never an identity: its values would be lost on
-- rollback and leave gaps in the chain).
CREATE TABLE records (
  seq          BIGINT PRIMARY KEY,
  run_id       TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  actor        TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  at           BIGINT NOT NULL,
  version      TEXT NOT NULL DEFAULT '',
  prev_hash    BYTEA NOT NULL,
  hash         BYTEA NOT NULL
);
CREATE INDEX records_run ON records (run_id, seq);

CREATE TABLE record_chain_head (
  id   INTEGER PRIMARY KEY CHECK (id = 1),
  seq  BIGINT NOT NULL,
  hash BYTEA NOT NULL
);
INSERT INTO record_chain_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE checkpoints (
  id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  seq       BIGINT NOT NULL,
  hash      BYTEA NOT NULL,
  signed_at BIGINT NOT NULL,
  reason    TEXT NOT NULL,
  key_id    TEXT NOT NULL,
  signature BYTEA NOT NULL,
  cut       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX checkpoints_cut ON checkpoints (seq) WHERE cut;

CREATE TABLE tokens (
  token_id   TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  role       TEXT NOT NULL,
  token_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked    BOOLEAN NOT NULL DEFAULT FALSE,
  expires_at BIGINT,
  session    BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX tokens_hash ON tokens (token_hash);

CREATE TABLE users (
  name          TEXT PRIMARY KEY,
  role          TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  disabled      BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE notifications (
  seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  url             TEXT NOT NULL,
  payload_json    TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL
);
CREATE INDEX notifications_due ON notifications (next_attempt_at);

CREATE TABLE corrections (
  seq              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id           TEXT NOT NULL,
  step_id          TEXT NOT NULL,
  task_id          TEXT NOT NULL,
  workflow         TEXT NOT NULL,
  version          TEXT NOT NULL,
  document_json    TEXT NOT NULL,
  field            TEXT NOT NULL,
  ai_value_json    TEXT NOT NULL,
  ai_confidence    DOUBLE PRECISION,
  human_value_json TEXT NOT NULL,
  changed          BOOLEAN NOT NULL,
  by               TEXT NOT NULL,
  at               BIGINT NOT NULL
);
CREATE INDEX corrections_workflow ON corrections (workflow, seq);
CREATE INDEX corrections_run ON corrections (run_id);

CREATE TABLE drift_state (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO drift_state (name, value) VALUES ('cursor', 0);

CREATE TABLE drift_buckets (
  seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  workflow       TEXT NOT NULL,
  feature        TEXT NOT NULL,
  start          BIGINT NOT NULL,
  type           TEXT NOT NULL,
  histogram_json TEXT NOT NULL,
  UNIQUE (workflow, feature, start)
);
CREATE INDEX drift_buckets_time ON drift_buckets (workflow, start);

CREATE TABLE drift_reports (
  workflow    TEXT PRIMARY KEY,
  checked_at  BIGINT NOT NULL,
  report_json TEXT NOT NULL
);

CREATE TABLE alerts (
  seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  alert_id        TEXT NOT NULL UNIQUE,
  workflow        TEXT NOT NULL,
  kind            TEXT NOT NULL,
  subject         TEXT NOT NULL,
  status          TEXT NOT NULL,
  summary         TEXT NOT NULL,
  detail_json     TEXT NOT NULL,
  opened_at       BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  occurrences     BIGINT NOT NULL DEFAULT 1,
  acknowledged_by TEXT NOT NULL DEFAULT '',
  acknowledged_at BIGINT,
  resolved_by     TEXT NOT NULL DEFAULT '',
  resolved_at     BIGINT,
  resolution      TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX alerts_ongoing ON alerts (workflow, kind, subject) WHERE status <> 'resolved';
CREATE INDEX alerts_workflow ON alerts (workflow, seq);

CREATE TABLE measures (
  granularity BIGINT NOT NULL,
  workflow    TEXT NOT NULL,
  step        TEXT NOT NULL,
  start       BIGINT NOT NULL,
  version     TEXT NOT NULL,
  measure     TEXT NOT NULL,
  label       TEXT NOT NULL,
  count       BIGINT NOT NULL,
  sum         DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (granularity, workflow, step, start, version, measure, label)
);

CREATE TABLE measure_cursor (
  id  INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL
);
INSERT INTO measure_cursor (id, seq) VALUES (1, 0);

CREATE TABLE datasets (
  name             TEXT PRIMARY KEY,
  description      TEXT NOT NULL,
  workflow         TEXT NOT NULL,
  validation_share DOUBLE PRECISION NOT NULL,
  test_share       DOUBLE PRECISION NOT NULL,
  split_seed       BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  latest_version   INTEGER NOT NULL DEFAULT 0,
  feed_seq         BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE dataset_cases (
  seq           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  dataset       TEXT NOT NULL REFERENCES datasets (name),
  case_key      TEXT NOT NULL,
  input_json    TEXT NOT NULL,
  expected_json TEXT NOT NULL,
  source        TEXT NOT NULL,
  source_ref    TEXT NOT NULL,
  slices_json   TEXT NOT NULL,
  removed       BOOLEAN NOT NULL,
  added_at      BIGINT NOT NULL
);
CREATE INDEX dataset_cases_key ON dataset_cases (dataset, case_key, seq);

CREATE TABLE dataset_versions (
  dataset      TEXT NOT NULL REFERENCES datasets (name),
  version      INTEGER NOT NULL,
  max_seq      BIGINT NOT NULL,
  content_hash TEXT NOT NULL,
  case_count   BIGINT NOT NULL,
  note         TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  PRIMARY KEY (dataset, version)
);

CREATE TABLE shadow_comparisons (
  seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  shadow_run_id  TEXT NOT NULL UNIQUE,
  live_run_id    TEXT NOT NULL,
  workflow       TEXT NOT NULL,
  shadow_version TEXT NOT NULL,
  live_version   TEXT NOT NULL,
  business_key   TEXT NOT NULL,
  compared_at    BIGINT NOT NULL,
  agree          BOOLEAN NOT NULL,
  live_routing   TEXT NOT NULL,
  shadow_routing TEXT NOT NULL,
  fields_json    TEXT NOT NULL
);
CREATE INDEX shadow_comparisons_workflow ON shadow_comparisons (workflow, shadow_version, seq);

CREATE TABLE evaluations (
  seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  evaluation_id   TEXT NOT NULL UNIQUE,
  workflow        TEXT NOT NULL,
  version         TEXT NOT NULL,
  dataset         TEXT NOT NULL,
  dataset_version INTEGER NOT NULL,
  split           TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  created_by      TEXT NOT NULL,
  summary_json    TEXT NOT NULL,
  report_json     TEXT NOT NULL
);
CREATE INDEX evaluations_subject ON evaluations (workflow, version, dataset, dataset_version, split);
CREATE INDEX evaluations_time ON evaluations (created_at);

-- The processes sharing the store (health endpoint, docs/scale-out.md): one row per process,
-- replaced by each heartbeat.
CREATE TABLE worker_heartbeats (
  worker_id        TEXT PRIMARY KEY,
  host             TEXT NOT NULL,
  pid              BIGINT NOT NULL,
  role             TEXT NOT NULL,
  flowline_version TEXT NOT NULL,
  started_at       BIGINT NOT NULL,
  seen_at          BIGINT NOT NULL,
  workers          INTEGER NOT NULL,
  steps_running    INTEGER NOT NULL
);
CREATE INDEX worker_heartbeats_seen ON worker_heartbeats (seen_at);
)sql",
    // 2: trigger state (issue 9, docs/triggers.md), as SQLite's migration 10.
    R"sql(
CREATE TABLE trigger_state (
  workflow   TEXT NOT NULL,
  trigger_id TEXT NOT NULL,
  value      TEXT NOT NULL,
  PRIMARY KEY (workflow, trigger_id)
);
)sql",
    // 3: the decision record is linked in batches (docs/design/store.md, "The chain on
    // PostgreSQL"). An appending transaction only inserts its records into records_pending,
    // taking no lock, so appends commit concurrently (and share WAL flushes); after its COMMIT
    // the writer calls flowline_link_records(), which links everything pending — under one
    // advisory lock per schema, in pending order — into the chain: seq, prev_hash and hash
    // exactly as store/record_chain.h encodes them, then moves record_chain_head. One call, one
    // round trip, one WAL flush for however many appends arrived meanwhile.
    R"sql(
-- One append (a store call's records) is one batch: n orders its records, and batches link in
-- the order of their numbers, so a call's records stay together and in order.
CREATE SEQUENCE records_pending_batch;
CREATE TABLE records_pending (
  batch        BIGINT NOT NULL,
  n            INTEGER NOT NULL,
  run_id       TEXT NOT NULL,
  step_id      TEXT NOT NULL,
  kind         TEXT NOT NULL,
  actor        TEXT NOT NULL,
  payload_json TEXT NOT NULL,
  at           BIGINT NOT NULL,
  version      TEXT NOT NULL,
  PRIMARY KEY (batch, n)
);

-- Links every committed pending record into the chain; returns how many. Linkers take turns on
-- an advisory lock ("flol" and the schema) held to the end of the calling transaction, so the
-- chain cannot fork, seq has no gaps and records become visible in seq order.
--
-- A writer passes its batch. While another linker holds the lock, it waits for that linker to
-- finish — on a second key ("flom"), which the linker holds exclusively and waiters take shared
-- and drop at once, so everyone waiting wakes together — then looks again: most find their
-- batch taken by that linker and return without a write (so without a WAL flush of their own);
-- one of the rest becomes the next linker. One link and one flush so serve every append that
-- committed while the previous link was flushing, and nobody queues for the linkers' lock just
-- to learn that its records are in. NULL (a read of the chain): link whatever is pending,
-- waiting for the lock.
CREATE FUNCTION flowline_link_records(mine BIGINT) RETURNS BIGINT
LANGUAGE plpgsql AS $fn$
DECLARE
  lock_key  INTEGER := hashtext(current_schema());
  head_seq  BIGINT;
  head_hash BYTEA;
  p         RECORD;
  batches   BIGINT[] := '{}';
  ns        INTEGER[] := '{}';
  seqs      BIGINT[] := '{}';
  prevs     BYTEA[] := '{}';
  hashes    BYTEA[] := '{}';
BEGIN
  -- Each statement sees what committed before it began: a finished linker's work included.
  IF mine IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM records_pending) THEN
      RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(1718382444, lock_key);
  ELSE
    LOOP
      IF NOT EXISTS (SELECT 1 FROM records_pending WHERE batch = mine) THEN
        RETURN 0;
      END IF;
      EXIT WHEN pg_try_advisory_xact_lock(1718382444, lock_key);
      PERFORM pg_advisory_lock_shared(1718382445, lock_key);
      PERFORM pg_advisory_unlock_shared(1718382445, lock_key);
    END LOOP;
  END IF;
  -- Held until COMMIT, like the first: what the waiters above wait for.
  PERFORM pg_advisory_xact_lock(1718382445, lock_key);
  SELECT h.seq, h.hash INTO head_seq, head_hash FROM record_chain_head h WHERE h.id = 1;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the record chain''s head row is missing: the schema was changed outside flowline'
      USING ERRCODE = 'XX001';
  END IF;
  FOR p IN SELECT * FROM records_pending ORDER BY batch, n LOOP
    head_seq := head_seq + 1;
    batches := batches || p.batch;
    ns := ns || p.n;
    seqs := seqs || head_seq;
    prevs := prevs || head_hash;
    -- SHA-256 of the canonical encoding v1 (store/record_chain.h, docs/audit.md): the tag and
    -- a zero byte, seq (8 bytes big-endian), each text field as a 4-byte big-endian length and
    -- its UTF-8 bytes, at (8 bytes big-endian microseconds), prev_hash. Written out, not in a
    -- helper function: a function call per record costs ~25 times the expression.
    head_hash := sha256(convert_to('flowline.record.v1', 'UTF8') || '\x00'::bytea
      || int8send(head_seq)
      || int4send(octet_length(convert_to(p.run_id, 'UTF8'))) || convert_to(p.run_id, 'UTF8')
      || int4send(octet_length(convert_to(p.step_id, 'UTF8'))) || convert_to(p.step_id, 'UTF8')
      || int4send(octet_length(convert_to(p.version, 'UTF8'))) || convert_to(p.version, 'UTF8')
      || int4send(octet_length(convert_to(p.kind, 'UTF8'))) || convert_to(p.kind, 'UTF8')
      || int4send(octet_length(convert_to(p.actor, 'UTF8'))) || convert_to(p.actor, 'UTF8')
      || int4send(octet_length(convert_to(p.payload_json, 'UTF8')))
      || convert_to(p.payload_json, 'UTF8')
      || int8send(p.at) || head_hash);
    hashes := hashes || head_hash;
  END LOOP;
  IF cardinality(batches) = 0 THEN
    RETURN 0;
  END IF;
  INSERT INTO records (seq, run_id, step_id, kind, actor, payload_json, at, version, prev_hash,
                       hash)
  SELECT l.seq, q.run_id, q.step_id, q.kind, q.actor, q.payload_json, q.at, q.version, l.prev,
         l.hash
  FROM unnest(batches, ns, seqs, prevs, hashes) AS l(batch, n, seq, prev, hash)
  JOIN records_pending q ON q.batch = l.batch AND q.n = l.n;
  -- A batch is one transaction's: all of it was seen, so all of it was linked.
  DELETE FROM records_pending WHERE batch = ANY (batches);
  UPDATE record_chain_head SET seq = head_seq, hash = head_hash WHERE id = 1;
  RETURN cardinality(batches);
END
$fn$;
)sql",
};

constexpr int kMigrationCount = static_cast<int>(std::size(kMigrations));

// pg_advisory_lock's first key: "flowline" migrations; the second is the schema's hash, so
// migrations of different schemas in one database do not wait for each other.
constexpr int kMigrationLockKey = 0x666c6f77;  // "flow"

}  // namespace

int LatestPgSchemaVersion() { return kMigrationCount; }

absl::StatusOr<int> PgSchemaVersion(pqxx::connection& connection) {
  try {
    pqxx::work work(connection);
    pqxx::result exists = work.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return 0;
    pqxx::result version = work.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
    int current = version[0][0].as<int>();
    work.commit();
    return current;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("reading the PostgreSQL schema version: ", RedactConninfo(e.what())));
  }
}

absl::StatusOr<std::vector<std::pair<int, absl::Time>>> PgAppliedMigrations(
    pqxx::connection& connection) {
  std::vector<std::pair<int, absl::Time>> applied;
  try {
    pqxx::work work(connection);
    pqxx::result exists = work.exec("SELECT to_regclass('schema_migrations') IS NOT NULL");
    if (!exists[0][0].as<bool>()) return applied;
    for (const pqxx::row& row :
         work.exec("SELECT version, applied_at FROM schema_migrations ORDER BY version")) {
      applied.emplace_back(row[0].as<int>(), absl::FromUnixMicros(row[1].as<int64_t>()));
    }
    work.commit();
    return applied;
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("reading the PostgreSQL schema's migrations: ", RedactConninfo(e.what())));
  }
}

absl::StatusOr<int> MigratePg(pqxx::connection& connection, const std::string& schema,
                              absl::Time now) {
  const std::string lock_args =
      absl::StrCat(kMigrationLockKey, ", hashtext(", connection.quote(schema), ")");
  int applied = 0;
  int version = 0;
  try {
    {
      pqxx::nontransaction lock(connection);
      lock.exec(absl::StrCat("SELECT pg_advisory_lock(", lock_args, ")"));
    }
    struct Unlock {
      pqxx::connection& connection;
      std::string args;
      ~Unlock() {
        try {
          pqxx::nontransaction unlock(connection);
          unlock.exec(absl::StrCat("SELECT pg_advisory_unlock(", args, ")"));
        } catch (const std::exception&) {
          // The session's end releases it anyway.
        }
      }
    } unlock{connection, lock_args};
    {
      pqxx::work work(connection);
      work.exec(absl::StrCat("CREATE SCHEMA IF NOT EXISTS ", QuoteIdentifier(schema)));
      work.exec(
          "CREATE TABLE IF NOT EXISTS schema_migrations ("
          "version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)");
      version =
          work.exec("SELECT coalesce(max(version), 0) FROM schema_migrations")[0][0].as<int>();
      work.commit();
    }
    if (version > kMigrationCount) {
      return absl::FailedPreconditionError(
          absl::StrCat("the PostgreSQL schema ", schema, " is at version ", version,
                       " but this flowline knows only up to ", kMigrationCount,
                       ": it was written by a newer flowline; upgrade flowline to use it"));
    }
    for (++version; version <= kMigrationCount; ++version) {
      pqxx::work work(connection);
      work.exec(kMigrations[version - 1]);
      work.exec_params("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                       version, absl::ToUnixMicros(now));
      work.commit();
      ++applied;
    }
    return applied;
  } catch (const pqxx::sql_error& e) {
    std::string message = e.what();
    message.resize(std::min(message.size(), message.find('\n')));
    return absl::InternalError(absl::StrCat("applying PostgreSQL schema migration ", version,
                                            " to schema ", schema, ": SQLSTATE ", e.sqlstate(),
                                            ": ", message));
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("applying PostgreSQL schema migration ", version,
                                               ": ", RedactConninfo(e.what())));
  }
}

}  // namespace flowline::store::postgres
