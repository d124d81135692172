// The store: where every run, step result, human task, decision record, workflow version and API
// token lives.
//
// The interface speaks the domain, not SQL. Every method is one transaction: it either happens
// completely or not at all. Implementations (SqliteStore and PostgresStore) pass one
// conformance suite (store/store_conformance.h) and are thread-safe: any number of threads may
// call any method at once.
//
// Payloads (run input, step params and output, task payloads, record payloads) are JSON text;
// the store keeps them verbatim and never parses them.
//
// Leases: a step is executed by whoever holds its lease. Claiming a step bumps its attempt count
// and gives a fresh lease token; CommitStep succeeds only with the current token of a live lease
// (fencing), so a worker that lost its lease cannot overwrite the result of the one that took
// over. The idempotency key of a step is stable across attempts: `<run_id>/<step_id>`.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::store {

// The id of the node every run has after its last steps; it is "ready" when all steps are done
// and then completes the run (evaluates outputs).
inline constexpr char kEndStepId[] = "$end";

enum class RunStatus { kRunning, kCompleted, kFailed, kRejected, kCancelled };
enum class StepStatus {
  kPending,  // waiting for its dependencies
  kReady,    // may be claimed once available_at has passed
  kRunning,  // leased to a worker
  kWaiting,  // waiting for a person (task) or a timer (available_at)
  kCompleted,
  kSkipped,  // its `when:` was false
  kFailed,
  kCancelled,  // the run ended before it could run
};

const char* RunStatusName(RunStatus status);
const char* StepStatusName(StepStatus status);
std::optional<RunStatus> ParseRunStatus(std::string_view name);
std::optional<StepStatus> ParseStepStatus(std::string_view name);
bool IsTerminal(RunStatus status);
bool IsTerminal(StepStatus status);

// ---- Versions -------------------------------------------------------------------------------

// A version's place in its release life cycle (docs/releases.md): deployed as a draft, tried in
// the shadow of the live version, live (new runs start on it), retired (kept for rollback and
// for the runs pinned to it). A workflow has at most one live and at most one shadow version.
enum class VersionStage { kDraft, kShadow, kLive, kRetired };
const char* VersionStageName(VersionStage stage);
std::optional<VersionStage> ParseVersionStage(std::string_view name);

// What a run is for. Only normal runs are the business's cases: the others suppress side
// effects (their http/sql steps record the request they would have made), are not counted in
// the measures or drift, and never open a human task (shadow) or run in a scratch store
// (replay, evaluation).
enum class RunMode { kNormal, kShadow, kReplay, kEvaluation };
const char* RunModeName(RunMode mode);
std::optional<RunMode> ParseRunMode(std::string_view name);

struct VersionInfo {
  std::string workflow;     // the spec's `workflow:` name
  std::string version;      // content hash of the spec (hex SHA-256)
  std::string spec_source;  // the YAML text as deployed
  std::string source_name;  // where it was deployed from (file name), for people
  absl::Time deployed_at;
  // PutVersion: the stage a new version starts in (live: it becomes the workflow's live
  // version). Read back: its stage now.
  VersionStage stage = VersionStage::kLive;
};

struct WorkflowInfo {
  std::string workflow;
  std::string live_version;  // the version new runs start on; empty while only drafts exist
  absl::Time updated_at;
  // The version that runs a suppressed copy of every new live case; empty: none.
  std::string shadow_version;
  // The version that takes `canary_share` (0 < share < 1) of new live cases; empty: none.
  std::string canary_version;
  double canary_share = 0;
  // The stop switch: while paused, no step of the workflow's runs is claimed or leased (so no
  // case completes automatically and new runs wait); tasks can still be resolved.
  bool paused = false;
  std::string paused_by;
  std::optional<absl::Time> paused_at;
};

// ---- Runs and steps -------------------------------------------------------------------------

struct Run {
  std::string run_id;
  std::string workflow;
  std::string version;
  std::string business_key;  // empty: no de-duplication
  RunMode mode = RunMode::kNormal;
  std::string parent_run_id;  // a shadow run: the live run it copies; else empty
  RunStatus status = RunStatus::kRunning;
  std::string input_json;
  std::string output_json;  // set when completed
  std::string error;        // set when failed or rejected
  absl::Time created_at;
  absl::Time updated_at;
  std::optional<absl::Time> finished_at;
};

struct StepState {
  std::string run_id;
  std::string step_id;
  StepStatus status = StepStatus::kPending;
  int attempt = 0;  // claims so far
  int deps_remaining = 0;
  std::optional<absl::Time> available_at;  // ready/waiting: not before this time
  std::string lease_owner;
  std::string lease_token;
  std::optional<absl::Time> lease_expires_at;
  std::string params_json;  // the evaluated `with:` of the last attempt
  std::string output_json;
  std::optional<double> confidence;
  std::string error;        // last error, kept after a successful retry for the timeline
  std::string resume_json;  // what a waiting step is resumed with (task resolution, timer)
  std::string task_id;      // the open or resolved task of a review step
  std::optional<absl::Time> started_at;
  std::optional<absl::Time> finished_at;
  int64_t duration_us = 0;  // time spent executing, summed over attempts
};

struct RunDetail {
  Run run;
  std::vector<StepState> steps;  // in creation order (the plan's order), $end last
};

struct NewStep {
  std::string step_id;
  int deps_remaining = 0;  // 0: ready at once
};

struct LeaseRequest {
  std::string owner;  // worker id
  absl::Duration duration = absl::Seconds(60);
};

// A step whose lease the caller now holds.
struct ClaimedStep {
  std::string run_id;
  std::string workflow;
  std::string version;
  std::string step_id;
  int attempt = 0;  // 1 for the first execution
  std::string lease_token;
  absl::Time lease_expires_at;
  std::string resume_json;  // non-empty when resumed after a task or timer
  std::string idempotency_key;
};

// A decision-record entry, appended in the same transaction as the change it describes.
struct NewRecord {
  std::string step_id;  // empty for run-level records
  std::string kind;     // "run.created", "step.completed", "task.resolved", ...
  std::string actor;    // "system", "ai:<kind>", "human:<user>"
  std::string payload_json;
};

// A decision record as stored: a link of the store-wide hash chain (store/record_chain.h and
// docs/audit.md). The store assigns seq, version, at and both hashes when it appends; nobody
// else ever writes them.
struct Record {
  int64_t seq = 0;  // store-wide order: 1, 2, 3, ... with no gaps (until retention cuts)
  std::string run_id;
  std::string step_id;
  std::string version;  // the version the run is pinned to
  std::string kind;
  std::string actor;
  std::string payload_json;
  absl::Time at;
  std::string prev_hash;  // 32 raw bytes: the hash of record seq - 1 (zeros before record 1)
  std::string hash;       // 32 raw bytes: SHA-256 of this record's canonical encoding
};

// The newest link of the chain: the last record's seq and hash. An empty chain has seq 0 and a
// hash of 32 zero bytes; a chain whose records were all removed by retention has the cut's.
struct RecordChainHead {
  int64_t seq = 0;
  std::string hash;  // 32 raw bytes
};

// A signed statement that the chain's record `seq` had hash `hash` at `signed_at`
// (audit/checkpoints.h makes and checks them; the store keeps them verbatim).
struct Checkpoint {
  int64_t id = 0;    // assigned by the store: checkpoints in the order they were added
  int64_t seq = 0;   // the last record it covers
  std::string hash;  // 32 raw bytes: that record's hash
  absl::Time signed_at;
  std::string reason;     // "interval", "shutdown", "manual", "retention"
  std::string key_id;     // which key signed it (a fingerprint of its public key)
  std::string signature;  // raw signature bytes
  // A retention cut: the records up to `seq` were removed; the chain now starts after it.
  bool cut = false;
};

struct NewRun {
  std::string run_id;
  std::string workflow;
  std::string version;
  std::string business_key;  // empty: never de-duplicated; only normal runs are de-duplicated
  RunMode mode = RunMode::kNormal;
  std::string parent_run_id;  // see Run::parent_run_id
  std::string input_json;
  absl::Time now;
  std::vector<NewStep> steps;  // every step of the plan plus kEndStepId
  // If set, the steps that start ready are leased to this owner at once (eager start), and
  // returned in CreateRunResult::leased.
  std::optional<LeaseRequest> lease;
  std::vector<NewRecord> records;
};

struct CreateRunResult {
  std::string run_id;  // the new run, or the existing one with the same business key
  bool created = false;
  RunStatus status = RunStatus::kRunning;
  std::vector<ClaimedStep> leased;
};

enum class StepResolution {
  kCompleted,  // output committed; dependents' counts drop
  kSkipped,    // `when:` was false; dependents' counts drop as for completed
  kFailed,     // final failure; the run fails (finish must say so)
  kRetry,      // attempt failed, try again at retry_at
  kWaitTask,   // open `task`; the step waits for its resolution
  kWaitTimer,  // the step waits until retry_at, then runs again with resume_json
};

struct NewTask {
  std::string task_id;
  std::string queue;
  std::string title;
  int priority = 0;  // higher first
  std::optional<absl::Time> due_at;
  std::string payload_json;
  std::string escalate_to;  // after due_at, the task moves to this queue (empty: it stays)
  std::string notify_url;   // and this webhook is told (empty: nobody)
  bool four_eyes = false;   // two different people must decide (see TaskResolution)
};

struct RunFinish {
  RunStatus status = RunStatus::kCompleted;
  std::string output_json;
  std::string error;
};

struct StepCommit {
  std::string run_id;
  std::string step_id;
  std::string lease_token;  // must match the current lease (fencing)
  absl::Time now;
  StepResolution resolution = StepResolution::kCompleted;
  std::string params_json;
  std::string output_json;
  std::optional<double> confidence;
  std::string error;
  absl::Time retry_at;          // kRetry, kWaitTimer
  std::string resume_json;      // kWaitTimer: handed to the step when it runs again
  std::optional<NewTask> task;  // kWaitTask
  int64_t duration_us = 0;
  // Steps (kEndStepId included) whose dependency count drops by one (kCompleted, kSkipped).
  std::vector<std::string> dependents;
  // Ends the run in this transaction: the engine sets it on a failure, or when it knows this
  // step is the last (then kEndStepId must reach zero here). Pending/ready/waiting steps of the
  // run are cancelled and open tasks are closed.
  std::optional<RunFinish> finish;
  // If set, dependents that become ready are leased to this owner (continuation on the same
  // worker) and returned in CommitResult::leased; otherwise they wait to be claimed.
  std::optional<LeaseRequest> lease_next;
  std::vector<NewRecord> records;
};

struct CommitResult {
  std::vector<ClaimedStep> leased;
  bool run_finished = false;
};

// ---- Tasks ----------------------------------------------------------------------------------

enum class TaskStatus { kOpen, kClaimed, kResolved, kCancelled };
const char* TaskStatusName(TaskStatus status);
std::optional<TaskStatus> ParseTaskStatus(std::string_view name);

struct Task {
  std::string task_id;
  std::string run_id;
  std::string step_id;
  std::string workflow;
  std::string queue;
  std::string title;
  int priority = 0;
  TaskStatus status = TaskStatus::kOpen;
  std::string payload_json;
  absl::Time created_at;
  std::optional<absl::Time> due_at;
  std::string claimed_by;
  // When the current claim began (a claimer renewing their own live claim keeps it); unset
  // while nobody holds the task. Kept on a resolved task: resolved_at - claimed_at is the
  // resolver's working time.
  std::optional<absl::Time> claimed_at;
  std::optional<absl::Time> claim_expires_at;
  std::string resolved_by;
  std::optional<absl::Time> resolved_at;
  std::string decision;
  std::string resolution_json;
  std::string escalate_to;
  std::string notify_url;
  std::optional<absl::Time> escalated_at;
  bool four_eyes = false;
  // Four-eyes: who made the first decision, and what it was (JSON, as the engine wrote it).
  // Empty until then.
  std::string first_by;
  std::string first_decision_json;
};

struct TaskFilter {
  std::string queue;                     // empty: all
  std::optional<TaskStatus> status;      // unset: open and claimed
  std::string run_id;                    // empty: all
  std::string workflow;                  // empty: all
  std::optional<absl::Time> due_before;  // only tasks due before this time
  int limit = 100;
};

// Per queue: how many tasks are open, claimed, and past their due time at `now`.
struct QueueCounts {
  std::string queue;
  int64_t open = 0;
  int64_t claimed = 0;
  int64_t overdue = 0;
};

// What a person changed (or confirmed) of one AI-extracted field; a labelled case for
// evaluation and training. Written with the resolution that decided it.
struct NewCorrection {
  std::string field;
  std::string ai_value_json;  // the AI's value (JSON), "null" when it found none
  std::optional<double> ai_confidence;
  std::string human_value_json;  // the value the person accepted or entered (JSON)
  bool changed = false;
};

struct Correction {
  int64_t seq = 0;
  std::string run_id;
  std::string step_id;  // the AI step whose output the fields came from
  std::string task_id;
  std::string workflow;
  std::string version;
  std::string document_json;  // which document (e.g. {"file","sha256","pages"}); "" if none
  NewCorrection value;
  std::string by;
  absl::Time at;
};

struct CorrectionFilter {
  std::string workflow;  // empty: all
  std::string run_id;    // empty: all
  bool changed_only = false;
  int64_t after_seq = 0;  // paging: corrections after this one
  int limit = 1000;
};

struct TaskResolution {
  std::string task_id;
  std::string user;
  std::string decision;         // e.g. "approve", "reject"
  std::string resolution_json;  // handed to the waiting step as its resume_json
  absl::Time now;
  std::vector<NewRecord> records;
  // Four-eyes. `first_of_two`: this is a first decision: the store keeps it (first_by = user,
  // first_decision_json = resolution_json), gives the task back to its queue (open, unclaimed)
  // and does not resume the step. Otherwise, on a four-eyes task with a first decision, the
  // store refuses (FailedPrecondition) when `user` is the first decider. Either way, when
  // `expected_first_by` is set the row's first_by must still equal it (the engine decided on
  // what it read; a concurrent decision makes it refuse instead of overwrite).
  bool first_of_two = false;
  std::optional<std::string> expected_first_by;
  // Corrections as labels, written in the same transaction (final decisions only).
  std::string correction_step_id;
  std::string correction_document_json;
  std::vector<NewCorrection> corrections;
};

// A task moved to its escalation queue, and the webhook notification to deliver about it.
struct TaskEscalation {
  std::string task_id;
  absl::Time now;
  std::string notification_json;  // the body to POST to the task's notify_url ("" for none)
  std::vector<NewRecord> records;
};

// A webhook notification waiting to be delivered (an outbox: written in the transaction of the
// change it reports, delivered at least once).
struct Notification {
  int64_t seq = 0;
  std::string url;
  std::string payload_json;
  int attempts = 0;
  absl::Time next_attempt_at;
};

// ---- Drift and alerts -----------------------------------------------------------------------

// A decision record with what a reader of the whole record needs of its run (monitor/: drift
// histograms are filled from the record, in seq order, behind a cursor).
struct FeedRecord {
  Record record;
  std::string workflow;
  std::string version;
  std::string run_input_json;  // the run's input, for run.created records only ("" otherwise)
};

struct RecordFeedRequest {
  int64_t after_seq = 0;           // records with a larger seq, oldest first
  std::vector<std::string> kinds;  // only these kinds; empty: every kind
  int limit = 1000;
};

// The drift histogram (monitor/histogram.h) of one workflow's feature over one time bucket.
struct DriftBucket {
  std::string workflow;
  std::string feature;
  absl::Time start;            // the bucket's first instant (an hour boundary)
  std::string type;            // the feature type the histogram was written with
  std::string histogram_json;  // kept verbatim
};

struct DriftBucketFilter {
  std::string workflow;                       // required
  std::string feature;                        // empty: every feature
  absl::Time from = absl::InfinitePast();     // buckets starting at or after
  absl::Time until = absl::InfiniteFuture();  // and before
};

// One step of filling the drift histograms: `buckets` replace the stored ones with the same
// (workflow, feature, start), and the cursor moves from `expected_cursor` to `next_cursor`.
struct DriftIngest {
  int64_t expected_cursor = 0;
  int64_t next_cursor = 0;
  std::vector<DriftBucket> buckets;
};

// The latest drift check of a workflow, as its JSON report (monitor/drift_check.h).
struct DriftReportRow {
  std::string workflow;
  absl::Time checked_at;
  std::string report_json;
};

enum class AlertStatus { kOpen, kAcknowledged, kResolved };
const char* AlertStatusName(AlertStatus status);
std::optional<AlertStatus> ParseAlertStatus(std::string_view name);

// Something a person should look at, found by a check (drift: a feature's distribution moved).
// An ongoing finding is ONE alert (same workflow, kind and subject, not resolved), refreshed by
// every check that sees it again.
struct Alert {
  int64_t seq = 0;
  std::string alert_id;
  std::string workflow;
  std::string kind;     // "drift"
  std::string subject;  // what it is about: the feature's name
  AlertStatus status = AlertStatus::kOpen;
  std::string summary;      // one line for people, from the latest check
  std::string detail_json;  // the latest finding (statistics, windows, distributions)
  absl::Time opened_at;
  absl::Time updated_at;    // the last check that saw it
  int64_t occurrences = 1;  // checks that saw it
  std::string acknowledged_by;
  std::optional<absl::Time> acknowledged_at;
  std::string resolved_by;  // a person, or "flowline" when a check found it over
  std::optional<absl::Time> resolved_at;
  std::string resolution;  // why it was resolved
};

struct AlertRaise {
  std::string alert_id;  // used if a new alert is opened
  std::string workflow;
  std::string kind;
  std::string subject;
  std::string summary;
  std::string detail_json;
  absl::Time now;
  // Queued in the same transaction when the alert is opened (not when refreshed); "" for none.
  std::string notify_url;
  std::string notification_json;
};

struct AlertRaised {
  Alert alert;
  bool opened = false;  // false: an ongoing alert was refreshed
};

struct AlertResolve {
  std::string alert_id;
  std::string by;
  std::string resolution;
  absl::Time now;
  std::string notify_url;  // queued with the resolution; "" for none
  std::string notification_json;
};

struct AlertFilter {
  std::string workflow;               // empty: all
  std::string kind;                   // empty: all
  std::string subject;                // empty: all
  std::optional<AlertStatus> status;  // unset: all
  bool unresolved_only = false;       // open and acknowledged (overrides `status`)
  int64_t before_seq = 0;             // paging: alerts older than this one; 0: from the newest
  int limit = 100;
};

// Unresolved alerts by workflow, kind and status (for /metrics).
struct AlertCount {
  std::string workflow;
  std::string kind;
  AlertStatus status = AlertStatus::kOpen;
  int64_t count = 0;
};

// ---- Queries --------------------------------------------------------------------------------

struct RunFilter {
  std::string workflow;             // empty: all
  std::optional<RunStatus> status;  // unset: all
  std::string before_run_id;        // paging: runs created before this one
  std::string version_prefix;       // empty: all; else versions starting with it
  std::string key_contains;         // empty: all; else business keys containing it (any case)
  std::optional<absl::Time> created_from;   // created at or after
  std::optional<absl::Time> created_until;  // created before
  std::optional<RunMode> mode;              // unset: every mode
  bool finished_only = false;               // only runs in a terminal status
  int limit = 50;
};

// ---- Measures -------------------------------------------------------------------------------
// Time-bucketed measures per workflow, version and step. monitor/ computes them from the record
// log (docs/measures.md); the store keeps them and never interprets them.

// One time bucket of one measure: how many observations (`count`) and their total (`sum`), e.g.
// 12 runs completed (count 12), or 12 run latencies taking 840 s together (count 12, sum 840).
// A histogram is one bucket per bound (`label` is the bound), so histograms add up over time.
struct MeasureBucket {
  int64_t granularity_s = 0;  // 60, 3600 or 86400; 0: all-time totals (start is the Unix epoch)
  absl::Time start;           // the bucket's first instant
  std::string workflow;
  std::string version;
  std::string step;     // "" for run-level measures
  std::string measure;  // "runs.completed", "latency.run", ...
  std::string label;    // a reason, a model, a histogram bound; "" for none
  int64_t count = 0;
  double sum = 0;
};

// What one pass of the rollup adds, and the record-log cursor it moves.
struct MeasureBatch {
  int64_t from_seq = 0;  // the cursor the batch was folded from: must be the stored one
  int64_t to_seq = 0;    // the cursor after it: the seq of the last record folded
  std::vector<MeasureBucket> deltas;  // added to the stored buckets (missing ones start at 0)
};

struct MeasureFilter {
  std::string workflow;  // required
  int64_t granularity_s = 3600;
  absl::Time from = absl::InfinitePast();     // buckets starting at or after
  absl::Time until = absl::InfiniteFuture();  // and before
  std::optional<std::string> version;         // unset: every version
  std::optional<std::string> step;            // unset: run level and every step; "": run level only
};

// ---- Releases -------------------------------------------------------------------------------
// Stage changes of versions (promote, rollback) and the shadow's comparisons with live
// (docs/releases.md). lifecycle/ decides; the store keeps the invariants (one live, one
// shadow, one canary per workflow) and appends the decision records in the same transaction.

struct StageChange {
  std::string workflow;
  std::string version;
  // The new stage. to kLive: the previous live version is retired, and the version stops being
  // the shadow or the canary. to kShadow: the previous shadow goes back to draft. The live
  // version cannot leave live this way (promote another one instead).
  VersionStage to = VersionStage::kLive;
  // Set: instead of changing the stage, the version becomes the canary with this share
  // (0 < share < 1; it replaces any other canary) or, with 0, stops being the canary.
  std::optional<double> canary_share;
  // Set: the version's stage must still be this one (the caller's records say "from").
  std::optional<VersionStage> expected_from;
  absl::Time now;
  // Appended to the record chain under the version, with no run ("version.promoted", ...).
  std::vector<NewRecord> records;
};

// A shadow run compared with the live run it copied (lifecycle/shadow.h makes them).
struct ShadowComparison {
  std::string shadow_run_id;
  std::string live_run_id;
  std::string workflow;
  std::string shadow_version;
  std::string live_version;
  std::string business_key;
  absl::Time compared_at;
  bool agree = false;          // every compared field equal and the same routing
  std::string live_routing;    // "straight_through", "person", or "" (no gate)
  std::string shadow_routing;  // what the shadow's gate would have done
  std::string fields_json;     // [{"field", "live", "shadow", "equal"}], kept verbatim
};

struct ShadowComparisonFilter {
  std::string workflow;        // required
  std::string shadow_version;  // empty: every version
  bool disagreeing_only = false;
  int limit = 1000;  // newest first
};

// ---- Tokens ---------------------------------------------------------------------------------

struct TokenInfo {
  std::string token_id;
  std::string name;
  std::string role;        // admin | operator | reviewer | viewer
  std::string token_hash;  // SHA-256 hex of the secret; the secret itself is never stored
  absl::Time created_at;
  bool revoked = false;
  // A sign-in session is a token that expires; API tokens do not.
  std::optional<absl::Time> expires_at;
  bool session = false;
};

// ---- People ---------------------------------------------------------------------------------

struct UserInfo {
  std::string name;
  std::string role;           // admin | operator | reviewer | viewer
  std::string password_hash;  // an Argon2id encoded hash; never the password
  absl::Time created_at;
  bool disabled = false;
};

// ---- Datasets -------------------------------------------------------------------------------
// Named, versioned sets of labelled cases (docs/datasets.md). Cases are append-only rows; a
// version is immutable: the newest row of each case key up to the version's last seq, unless that
// row removes the case. quality/ (dataset_store.h) turns rows into labelled documents; the store
// keeps the JSON texts as they are and never interprets them.

struct DatasetInfo {
  std::string name;
  std::string description;
  std::string workflow;  // the workflow it belongs to, "" for none
  // The deterministic split by case key (quality::SplitOf); fixed when the dataset is created.
  double validation_share = 0.2;
  double test_share = 0.2;
  int64_t split_seed = 1;
  absl::Time created_at;
  int latest_version = 0;  // 0: no version yet
  // The corrections fold's cursor: the seq of the last correction folded into this dataset (0
  // before the first). Only the fold moves it (DatasetAppend::feed_*).
  int64_t feed_seq = 0;
};

// One case as a row. The JSON texts are quality's (docs/datasets.md): `input_json` is
// {"file": <artifact key or path>, "name", "sha256"} for a document or the workflow's JSON
// input; `expected_json` {"doc_type", "fields", "types", "line_items", ...}.
struct NewDatasetCase {
  std::string case_key;  // stable across versions; the split is by it
  std::string input_json = "{}";
  std::string expected_json = "{}";
  std::string source;      // "import:sroie", "review:<task id>", "audit:<task id>", ...
  std::string source_ref;  // the task, run or file it came from
  std::string slices_json = "{}";
  bool removed = false;  // the case leaves the dataset (from the version this row is in)
};

struct DatasetCase {
  int64_t seq = 0;
  std::string dataset;
  NewDatasetCase value;
  absl::Time added_at;
};

struct DatasetVersion {
  std::string dataset;
  int version = 0;
  int64_t max_seq = 0;       // the version's cases: the newest row per key with seq <= max_seq
  std::string content_hash;  // DatasetContentHash of its cases
  int64_t case_count = 0;
  std::string note;
  absl::Time created_at;
};

// Cases to add to a dataset as one new version.
struct DatasetAppend {
  // The dataset; created with these settings (description, workflow, shares, seed) if missing,
  // and otherwise only its name is read.
  DatasetInfo dataset;
  std::vector<NewDatasetCase> cases;  // each case key at most once
  // true: the cases are the whole dataset (an import): keys not among them are removed. false:
  // the cases are added or replace those with the same key (the corrections fold).
  bool replace = false;
  std::string note;
  absl::Time now;
  // The corrections fold moves the dataset's cursor in the same transaction: from `feed_from`
  // (must be the stored feed_seq) to `feed_to`. Unset: the cursor is left alone.
  std::optional<int64_t> feed_from;
  int64_t feed_to = 0;
};

struct DatasetAppendResult {
  DatasetVersion version;  // the new version, or the latest when nothing changed (0 if none)
  bool created = false;    // false: every case was already in the latest version as given
  int64_t added = 0;       // keys new to the dataset
  int64_t changed = 0;     // keys whose row differs from the latest version's
  int64_t removed = 0;     // keys removed
};

// SHA-256 (hex) over the cases' keys, inputs, expected values, sources and slices in key order:
// equal for equal contents whatever the rows' seqs. Every implementation stores this.
std::string DatasetContentHash(const std::vector<DatasetCase>& cases);

// ---- Evaluations ----------------------------------------------------------------------------
// A workflow version scored on a dataset (lifecycle/stored_evaluation.h, docs/evaluation.md).

struct EvaluationRow {
  std::string evaluation_id;
  std::string workflow;     // a workflow's name; "model:<name>" for a bare extract model
  std::string version;      // the version's content hash; "" for a bare model
  std::string dataset;      // a stored dataset's name, or the folder that was evaluated
  int dataset_version = 0;  // 0: not a stored dataset
  std::string split;        // all | train | validation | test
  absl::Time created_at;
  std::string created_by;
  std::string summary_json;  // the gated measures (quality::EvaluationSummary)
  std::string report_json;   // the whole report; "" in listings
};

struct EvaluationFilter {
  std::string workflow;                // empty: every workflow
  std::string version;                 // empty: every version
  std::string dataset;                 // empty: every dataset
  std::optional<int> dataset_version;  // unset: every version of it
  std::string split;                   // empty: every split
  int limit = 100;                     // at most this many; 0: no limit
};

// ---- Workers --------------------------------------------------------------------------------
// Every `flowline serve` and `flowline worker` process writes a heartbeat every few seconds, so
// that the health endpoint can say which processes share the store (docs/scale-out.md).

struct WorkerHeartbeat {
  std::string worker_id;  // unique per process (host, pid and start time)
  std::string host;
  int64_t pid = 0;
  std::string role;  // "serve" | "worker"
  std::string flowline_version;
  absl::Time started_at;
  absl::Time seen_at;  // the time of this heartbeat
  int workers = 0;     // step-executing threads of the process (0: API only)
  int steps_running = 0;
};

// ---- The interface --------------------------------------------------------------------------

class Store {
 public:
  virtual ~Store() = default;

  // Versions. PutVersion is idempotent: storing an existing (workflow, version) changes nothing
  // and returns false. A new version enters in `version.stage`: live makes it the workflow's
  // live version (the previous one is retired), shadow its shadow (the previous one goes back
  // to draft), draft or retired only stores it. The workflow exists from its first version on.
  virtual absl::StatusOr<bool> PutVersion(const VersionInfo& version) = 0;
  // NotFound if there is no such version.
  virtual absl::StatusOr<VersionInfo> GetVersion(const std::string& workflow,
                                                 const std::string& version) = 0;
  // NotFound if the workflow was never deployed.
  virtual absl::StatusOr<WorkflowInfo> GetWorkflow(const std::string& workflow) = 0;
  virtual absl::StatusOr<std::vector<WorkflowInfo>> ListWorkflows() = 0;
  virtual absl::StatusOr<std::vector<VersionInfo>> ListVersions(const std::string& workflow) = 0;

  // Releases. Moves a version to another stage (or makes it the canary), appending the change's
  // records, in one transaction; returns the workflow after it. NotFound for an unknown
  // version; FailedPrecondition if the version is not in `expected_from`, or the change would
  // leave the workflow without its live version (the live one to another stage, a live
  // version as canary); InvalidArgument for a share outside [0, 1).
  virtual absl::StatusOr<WorkflowInfo> SetVersionStage(const StageChange& change) = 0;
  // Keeps (or replaces) the comparison of one shadow run.
  virtual absl::Status PutShadowComparison(const ShadowComparison& comparison) = 0;
  virtual absl::StatusOr<std::vector<ShadowComparison>> ListShadowComparisons(
      const ShadowComparisonFilter& filter) = 0;
  // Finished shadow runs of the workflow whose live run has finished too and that have no
  // comparison yet, oldest first.
  virtual absl::StatusOr<std::vector<Run>> ListUncomparedShadowRuns(const std::string& workflow,
                                                                    int limit) = 0;

  // Creates a run with all its steps, or, when a normal run of the same workflow has the same
  // non-empty business key, returns that run with created = false and changes nothing (runs of
  // the other modes are never de-duplicated).
  virtual absl::StatusOr<CreateRunResult> CreateRun(const NewRun& run) = 0;

  // Leases up to `max` steps that are due at `now`: ready or timer-waiting steps whose
  // available_at has passed, and running steps whose lease has expired. Each claim increments
  // the attempt count.
  virtual absl::StatusOr<std::vector<ClaimedStep>> ClaimSteps(const LeaseRequest& lease,
                                                              absl::Time now, int max) = 0;

  // Commits an attempt's result. FailedPrecondition (message says "lease") if the caller's lease
  // is no longer current; NotFound for an unknown run/step.
  virtual absl::StatusOr<CommitResult> CommitStep(const StepCommit& commit) = 0;

  // Extends the leases the caller holds; returns the ones it no longer holds.
  virtual absl::StatusOr<std::vector<std::string>> RenewLeases(
      const std::string& owner, const std::vector<ClaimedStep>& steps, absl::Time expires_at) = 0;

  // Makes every current lease expire at once. Used by an engine that knows it is the only one on
  // this store (embedded SQLite after a restart) to take over steps left in flight by a crash.
  // Returns how many leases were expired.
  virtual absl::StatusOr<int> ExpireAllLeases() = 0;

  // The earliest time a step becomes claimable (available_at or lease expiry), if any.
  virtual absl::StatusOr<std::optional<absl::Time>> NextDueTime() = 0;

  // NotFound for an unknown run.
  virtual absl::StatusOr<Run> GetRun(const std::string& run_id) = 0;
  virtual absl::StatusOr<RunDetail> GetRunDetail(const std::string& run_id) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<Run>> ListRuns(const RunFilter& filter) = 0;
  // The run's records in chain order.
  virtual absl::StatusOr<std::vector<Record>> ListRecords(const std::string& run_id) = 0;
  // The decision record's hash chain. Every method that takes NewRecords appends them to one
  // store-wide chain in its own transaction: each gets the next seq, the run's version, the
  // call's time and the hash of the record before (store/record_chain.h).
  //
  // Up to `limit` records with seq > after_seq, in seq order: the whole chain, page by page.
  // Seq order is commit order: a record is visible only once every record with a lower seq is,
  // so a reader that remembers the last seq it saw (the measures rollup) misses none.
  virtual absl::StatusOr<std::vector<Record>> ScanRecords(int64_t after_seq, int limit) = 0;
  virtual absl::StatusOr<RecordChainHead> GetRecordChainHead() = 0;
  // Keeps a signed checkpoint (cut must be false: cuts come from PruneRecords). Returns its id.
  // FailedPrecondition unless record `seq` exists and has `hash`.
  virtual absl::StatusOr<int64_t> AddCheckpoint(const Checkpoint& checkpoint) = 0;
  // Checkpoints with id > after_id, oldest first.
  virtual absl::StatusOr<std::vector<Checkpoint>> ListCheckpoints(int64_t after_id, int limit) = 0;
  // The checkpoint added last, if any.
  virtual absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() = 0;
  // Retention: in one transaction, keeps `cut` (a signed checkpoint of record cut.seq, with
  // cut = true) and removes every record up to and including cut.seq and every older checkpoint.
  // Returns how many records were removed. FailedPrecondition unless record cut.seq exists and
  // has cut.hash.
  virtual absl::StatusOr<int64_t> PruneRecords(const Checkpoint& cut) = 0;

  // Tasks. Highest priority first, then oldest.
  virtual absl::StatusOr<std::vector<Task>> ListTasks(const TaskFilter& filter) = 0;
  virtual absl::StatusOr<Task> GetTask(const std::string& task_id) = 0;
  // Claims for `user` until now + lease. FailedPrecondition if resolved, claimed by someone
  // else whose claim has not expired, or a four-eyes task whose first decision `user` made;
  // NotFound for an unknown task.
  virtual absl::StatusOr<Task> ClaimTask(const std::string& task_id, const std::string& user,
                                         absl::Time now, absl::Duration lease) = 0;
  // FailedPrecondition unless `user` holds the claim.
  virtual absl::Status ReleaseTask(const std::string& task_id, const std::string& user) = 0;
  // Resolves the task and makes its step ready to resume with the resolution, in one
  // transaction. FailedPrecondition if already resolved/cancelled or claimed by another user
  // whose claim has not expired. Returns the resolved task.
  virtual absl::StatusOr<Task> ResolveTask(const TaskResolution& resolution) = 0;

  // Per queue counts of unresolved tasks, by queue name.
  virtual absl::StatusOr<std::vector<QueueCounts>> CountTasks(absl::Time now) = 0;
  // Unresolved tasks past their due time that have an escalation queue and were not escalated
  // yet, oldest due first.
  virtual absl::StatusOr<std::vector<Task>> ListOverdueTasks(absl::Time now, int limit) = 0;
  // Moves the task to its escalation queue (once; its claim is dropped), appends the records
  // and queues the notification, in one transaction. FailedPrecondition if it is resolved,
  // already escalated, or not due.
  virtual absl::StatusOr<Task> EscalateTask(const TaskEscalation& escalation) = 0;
  // Notifications due at `now`, oldest first.
  virtual absl::StatusOr<std::vector<Notification>> ListDueNotifications(absl::Time now,
                                                                         int limit) = 0;
  // Delivered: removed from the outbox. Not delivered: tried again at `retry_at`.
  virtual absl::Status FinishNotification(int64_t seq, bool delivered, absl::Time retry_at) = 0;

  // Corrections (labelled cases), oldest first.
  virtual absl::StatusOr<std::vector<Correction>> ListCorrections(
      const CorrectionFilter& filter) = 0;

  // The decision record in seq order with each record's run (drift histograms read it behind a
  // cursor). Records of deleted runs, and of runs that are not normal (shadow copies), are
  // skipped.
  virtual absl::StatusOr<std::vector<FeedRecord>> ListRecordsAfter(
      const RecordFeedRequest& request) = 0;

  // Drift histograms. The cursor is the seq of the last record they include (0 at first).
  virtual absl::StatusOr<int64_t> GetDriftCursor() = 0;
  // The workflow's buckets in the filter's range, by feature then start.
  virtual absl::StatusOr<std::vector<DriftBucket>> ListDriftBuckets(
      const DriftBucketFilter& filter) = 0;
  // The start of the workflow's first bucket; nullopt before it has any.
  virtual absl::StatusOr<std::optional<absl::Time>> FirstDriftBucket(
      const std::string& workflow) = 0;
  // Writes the buckets and moves the cursor in one transaction. FailedPrecondition if the cursor
  // is no longer `expected_cursor` (another process filled them meanwhile: read again).
  virtual absl::Status CommitDriftIngest(const DriftIngest& ingest) = 0;
  // The latest drift check of a workflow: replaced by each check. NotFound before the first.
  virtual absl::Status PutDriftReport(const DriftReportRow& report) = 0;
  virtual absl::StatusOr<DriftReportRow> GetDriftReport(const std::string& workflow) = 0;

  // Alerts. RaiseAlert opens an alert, or refreshes the unresolved one with the same workflow,
  // kind and subject (summary, detail, updated_at, occurrences + 1; an acknowledged one stays
  // acknowledged), in one transaction with its notification when it opens.
  virtual absl::StatusOr<AlertRaised> RaiseAlert(const AlertRaise& raise) = 0;
  // NotFound for an unknown id.
  virtual absl::StatusOr<Alert> GetAlert(const std::string& alert_id) = 0;
  // Newest first.
  virtual absl::StatusOr<std::vector<Alert>> ListAlerts(const AlertFilter& filter) = 0;
  // Open → acknowledged (a person has seen it). FailedPrecondition if it is not open; NotFound.
  virtual absl::StatusOr<Alert> AcknowledgeAlert(const std::string& alert_id, const std::string& by,
                                                 absl::Time now) = 0;
  // Open or acknowledged → resolved, with its notification. FailedPrecondition if it is already
  // resolved; NotFound.
  virtual absl::StatusOr<Alert> ResolveAlert(const AlertResolve& resolve) = 0;
  // Unresolved alerts counted by workflow, kind and status.
  virtual absl::StatusOr<std::vector<AlertCount>> CountAlerts() = 0;
  // Measures (docs/measures.md). The rollup's cursor over the record log: the seq of the last
  // record folded into the buckets (0 before the first batch).
  virtual absl::StatusOr<int64_t> GetMeasureCursor() = 0;
  // Adds the batch's deltas to the buckets and moves the cursor to batch.to_seq, in one
  // transaction. FailedPrecondition (the message says "cursor") if the stored cursor is not
  // batch.from_seq: another rollup applied those records first, and nothing is changed.
  // InvalidArgument if to_seq < from_seq or a delta lacks a workflow or measure.
  virtual absl::Status ApplyMeasures(const MeasureBatch& batch) = 0;
  // The buckets that match, ordered by start, version, step, measure, label. InvalidArgument
  // without a workflow.
  virtual absl::StatusOr<std::vector<MeasureBucket>> ListMeasures(const MeasureFilter& filter) = 0;
  // Deletes the buckets of one granularity that start before `before` (retention); returns how
  // many. InvalidArgument for granularity 0 (totals are kept).
  virtual absl::StatusOr<int64_t> DeleteMeasures(int64_t granularity_s, absl::Time before) = 0;

  // The stop switch. NotFound for a workflow that was never deployed. Returns the new state.
  virtual absl::StatusOr<WorkflowInfo> SetWorkflowPaused(const std::string& workflow, bool paused,
                                                         const std::string& by, absl::Time now) = 0;

  // People. PutUser adds the user or replaces their role, hash and disabled flag.
  virtual absl::Status PutUser(const UserInfo& user) = 0;
  // NotFound for an unknown name.
  virtual absl::StatusOr<UserInfo> FindUser(const std::string& name) = 0;
  virtual absl::StatusOr<std::vector<UserInfo>> ListUsers() = 0;

  // Tokens.
  virtual absl::Status PutToken(const TokenInfo& token) = 0;
  // NotFound if no unrevoked token has this hash.
  virtual absl::StatusOr<TokenInfo> FindToken(const std::string& token_hash) = 0;
  virtual absl::StatusOr<std::vector<TokenInfo>> ListTokens() = 0;
  // NotFound for an unknown id.
  virtual absl::Status RevokeToken(const std::string& token_id) = 0;
  // Datasets (docs/datasets.md). AppendDatasetCases writes the cases that differ from the
  // latest version (a case equal to it in input, expected values, source and slices is not
  // written again) and, if any did, a new version, all in one transaction. InvalidArgument for
  // an empty name or case key, a key given twice, or shares outside [0, 1] summing over 1;
  // FailedPrecondition (the message says "cursor") when feed_from is not the stored cursor,
  // and nothing is changed.
  virtual absl::StatusOr<DatasetAppendResult> AppendDatasetCases(const DatasetAppend& append) = 0;
  // NotFound for an unknown name.
  virtual absl::StatusOr<DatasetInfo> GetDataset(const std::string& name) = 0;
  // By name.
  virtual absl::StatusOr<std::vector<DatasetInfo>> ListDatasets() = 0;
  // Oldest first. NotFound for an unknown dataset.
  virtual absl::StatusOr<std::vector<DatasetVersion>> ListDatasetVersions(
      const std::string& name) = 0;
  // `version` 0: the newest. NotFound for an unknown dataset or version (or a dataset with no
  // version yet).
  virtual absl::StatusOr<DatasetVersion> GetDatasetVersion(const std::string& name,
                                                           int version) = 0;
  // The cases of a version (0: the newest), by case key; removed cases are not listed. NotFound
  // as GetDatasetVersion.
  virtual absl::StatusOr<std::vector<DatasetCase>> ListDatasetCases(const std::string& name,
                                                                    int version) = 0;

  // Evaluations. PutEvaluation keeps a new one: InvalidArgument without an id or workflow,
  // AlreadyExists for an id already stored (nothing is changed).
  virtual absl::Status PutEvaluation(const EvaluationRow& evaluation) = 0;
  // With its report. NotFound for an unknown id.
  virtual absl::StatusOr<EvaluationRow> GetEvaluation(const std::string& evaluation_id) = 0;
  // Newest first, without their reports.
  virtual absl::StatusOr<std::vector<EvaluationRow>> ListEvaluations(
      const EvaluationFilter& filter) = 0;

  // Workers. PutWorkerHeartbeat adds the process or replaces its previous heartbeat (by
  // worker_id). ListWorkers: the processes whose last heartbeat is at or after `seen_since`,
  // by worker_id.
  virtual absl::Status PutWorkerHeartbeat(const WorkerHeartbeat& heartbeat) = 0;
  virtual absl::StatusOr<std::vector<WorkerHeartbeat>> ListWorkers(absl::Time seen_since) = 0;

  // Trigger state (src/triggers/, docs/triggers.md): one opaque value per (workflow, trigger
  // id) that a trigger source keeps across restarts (a schedule's last tick, a database poll's
  // cursor). GetTriggerState: nullopt when nothing was saved. PutTriggerState replaces the value
  // (last writer wins: sources that several processes run must tolerate an older value, which
  // the business key makes harmless). InvalidArgument for an empty workflow or trigger id.
  virtual absl::StatusOr<std::optional<std::string>> GetTriggerState(
      const std::string& workflow, const std::string& trigger_id) = 0;
  virtual absl::Status PutTriggerState(const std::string& workflow, const std::string& trigger_id,
                                       const std::string& value) = 0;

  // Wake-ups. `on_work` is called (from a store thread, possibly often and spuriously) when
  // another process may have made a step claimable, so an idle poller can claim at once instead
  // of waiting for its next poll. Callers keep polling anyway: a wake-up can be lost. Stores
  // that only ever have one process (SQLite) ignore it. Call at most once, before any work.
  virtual void SetWorkListener(std::function<void()> on_work) { (void)on_work; }
};

}  // namespace flowline::store
