// PostgresStore: the Store on PostgreSQL, shared by any number of flowline processes on any
// number of hosts (docs/scale-out.md, docs/design/store.md).
//
// Every method is one transaction on a pooled connection (pg_pool.h), retried from the start on
// a serialization failure or deadlock. Claiming uses `FOR UPDATE SKIP LOCKED`, so concurrent
// workers never wait for each other's rows and never claim the same step; commits are fenced by
// the lease token. Decision records are appended under the chain head's row lock
// (record_chain_head), so concurrent writers extend one chain.
//
// Times are the callers' (`now` arguments), as in the SQLite store: hosts must keep their clocks
// in sync (NTP); leases (60 s by default) are far longer than any skew NTP leaves.
//
// Wake-ups: a transaction that makes a step claimable sends `NOTIFY flowline_work` at commit;
// SetWorkListener starts a thread that LISTENs on its own connection and calls the listener.
//
// Schema: Open applies pending migrations (pg_migrations.h) under an advisory lock unless
// options.migrate is false, in which case a schema behind this flowline is refused.
//
// Thread-safety: thread-safe; any number of threads may call any method at once.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "store/postgres/pg_counters.h"
#include "store/store.h"

namespace flowline::store::postgres {

class PgPool;

struct PostgresStoreOptions {
  // libpq conninfo: a `postgresql://` URL or `key=value` pairs. Required. A password belongs in
  // PGPASSWORD or ~/.pgpass rather than here; flowline never prints it either way.
  std::string conninfo;
  // The schema holding flowline's tables (created if missing). Default "public". Tests give each
  // test its own.
  std::string schema = "public";
  // Most connections the store opens at once for its methods (plus one for SetWorkListener).
  // Default 8; at least 1.
  int connections = 8;
  // true (default): Open applies pending migrations. false: Open refuses (FailedPrecondition) a
  // schema that is not at this flowline's version (run `flowline migrate` first).
  bool migrate = true;
  // Stamps schema_migrations.applied_at. Default (nullptr): the system clock.
  const common::Clock* clock = nullptr;
};

// Where a schema stands: the newest migration applied and the newest this flowline knows.
struct PgSchemaState {
  int applied = 0;
  int latest = 0;
  // Each applied migration: (version, when it was applied), oldest first.
  std::vector<std::pair<int, absl::Time>> applied_at;
};

class PostgresStore final : public Store {
 public:
  // Connects and brings the schema up to date (see options.migrate). InvalidArgument for bad
  // options; Unavailable if the server cannot be reached; FailedPrecondition for a schema from a
  // newer flowline (or, with migrate = false, one that needs migrating).
  static absl::StatusOr<std::unique_ptr<PostgresStore>> Open(const PostgresStoreOptions& options);

  // `flowline migrate`: applies pending migrations; returns the state before and after.
  static absl::StatusOr<std::pair<PgSchemaState, PgSchemaState>> Migrate(
      const PostgresStoreOptions& options);
  // `flowline migrate --status`: changes nothing.
  static absl::StatusOr<PgSchemaState> SchemaState(const PostgresStoreOptions& options);

  // Stops the listener thread and closes the connections.
  ~PostgresStore() override;

  // Transactions, statements and round trips so far (bench/scaleout).
  PgCounters counters() const;

  void SetWorkListener(std::function<void()> on_work) override;

  // Versions and workflows (pg_catalog.cc).
  absl::StatusOr<bool> PutVersion(const VersionInfo& version) override;
  absl::StatusOr<VersionInfo> GetVersion(const std::string& workflow,
                                         const std::string& version) override;
  absl::StatusOr<WorkflowInfo> GetWorkflow(const std::string& workflow) override;
  absl::StatusOr<std::vector<WorkflowInfo>> ListWorkflows() override;
  absl::StatusOr<std::vector<VersionInfo>> ListVersions(const std::string& workflow) override;
  // Runs and steps: creating, claiming, committing, leases (pg_runs.cc).
  absl::StatusOr<CreateRunResult> CreateRun(const NewRun& run) override;
  absl::StatusOr<std::vector<ClaimedStep>> ClaimSteps(const LeaseRequest& lease, absl::Time now,
                                                      int max) override;
  absl::StatusOr<CommitResult> CommitStep(const StepCommit& commit) override;
  absl::StatusOr<std::vector<std::string>> RenewLeases(const std::string& owner,
                                                       const std::vector<ClaimedStep>& steps,
                                                       absl::Time expires_at) override;
  absl::StatusOr<int> ExpireAllLeases() override;
  absl::StatusOr<std::optional<absl::Time>> NextDueTime() override;
  absl::StatusOr<Run> GetRun(const std::string& run_id) override;
  absl::StatusOr<RunDetail> GetRunDetail(const std::string& run_id) override;
  absl::StatusOr<std::vector<Run>> ListRuns(const RunFilter& filter) override;
  // The decision record (pg_records.cc).
  absl::StatusOr<std::vector<Record>> ListRecords(const std::string& run_id) override;
  absl::StatusOr<std::vector<Record>> ScanRecords(int64_t after_seq, int limit) override;
  absl::StatusOr<RecordChainHead> GetRecordChainHead() override;
  // Checkpoints and retention (pg_checkpoints.cc).
  absl::StatusOr<int64_t> AddCheckpoint(const Checkpoint& checkpoint) override;
  absl::StatusOr<std::vector<Checkpoint>> ListCheckpoints(int64_t after_id, int limit) override;
  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() override;
  absl::StatusOr<int64_t> PruneRecords(const Checkpoint& cut) override;
  // Tasks, notifications, corrections, the record feed (pg_tasks.cc).
  absl::StatusOr<std::vector<Task>> ListTasks(const TaskFilter& filter) override;
  absl::StatusOr<Task> GetTask(const std::string& task_id) override;
  absl::StatusOr<Task> ClaimTask(const std::string& task_id, const std::string& user,
                                 absl::Time now, absl::Duration lease) override;
  absl::Status ReleaseTask(const std::string& task_id, const std::string& user) override;
  absl::StatusOr<Task> ResolveTask(const TaskResolution& resolution) override;
  absl::StatusOr<std::vector<QueueCounts>> CountTasks(absl::Time now) override;
  absl::StatusOr<std::vector<Task>> ListOverdueTasks(absl::Time now, int limit) override;
  absl::StatusOr<Task> EscalateTask(const TaskEscalation& escalation) override;
  absl::StatusOr<std::vector<Notification>> ListDueNotifications(absl::Time now,
                                                                 int limit) override;
  absl::Status FinishNotification(int64_t seq, bool delivered, absl::Time retry_at) override;
  absl::StatusOr<std::vector<Correction>> ListCorrections(const CorrectionFilter& filter) override;
  absl::StatusOr<std::vector<FeedRecord>> ListRecordsAfter(
      const RecordFeedRequest& request) override;
  // Releases, shadow comparisons, the stop switch (pg_releases.cc).
  absl::StatusOr<WorkflowInfo> SetVersionStage(const StageChange& change) override;
  absl::Status PutShadowComparison(const ShadowComparison& comparison) override;
  absl::StatusOr<std::vector<ShadowComparison>> ListShadowComparisons(
      const ShadowComparisonFilter& filter) override;
  absl::StatusOr<std::vector<Run>> ListUncomparedShadowRuns(const std::string& workflow,
                                                            int limit) override;
  absl::StatusOr<WorkflowInfo> SetWorkflowPaused(const std::string& workflow, bool paused,
                                                 const std::string& by, absl::Time now) override;
  // Users and tokens (pg_people.cc).
  absl::Status PutUser(const UserInfo& user) override;
  absl::StatusOr<UserInfo> FindUser(const std::string& name) override;
  absl::StatusOr<std::vector<UserInfo>> ListUsers() override;
  absl::Status PutToken(const TokenInfo& token) override;
  absl::StatusOr<TokenInfo> FindToken(const std::string& token_hash) override;
  absl::StatusOr<std::vector<TokenInfo>> ListTokens() override;
  absl::Status RevokeToken(const std::string& token_id) override;
  // Drift and alerts (pg_monitor.cc).
  absl::StatusOr<int64_t> GetDriftCursor() override;
  absl::StatusOr<std::vector<DriftBucket>> ListDriftBuckets(
      const DriftBucketFilter& filter) override;
  absl::StatusOr<std::optional<absl::Time>> FirstDriftBucket(const std::string& workflow) override;
  absl::Status CommitDriftIngest(const DriftIngest& ingest) override;
  absl::Status PutDriftReport(const DriftReportRow& report) override;
  absl::StatusOr<DriftReportRow> GetDriftReport(const std::string& workflow) override;
  absl::StatusOr<AlertRaised> RaiseAlert(const AlertRaise& raise) override;
  absl::StatusOr<Alert> GetAlert(const std::string& alert_id) override;
  absl::StatusOr<std::vector<Alert>> ListAlerts(const AlertFilter& filter) override;
  absl::StatusOr<Alert> AcknowledgeAlert(const std::string& alert_id, const std::string& by,
                                         absl::Time now) override;
  absl::StatusOr<Alert> ResolveAlert(const AlertResolve& resolve) override;
  absl::StatusOr<std::vector<AlertCount>> CountAlerts() override;
  // Measures (pg_measures.cc).
  absl::StatusOr<int64_t> GetMeasureCursor() override;
  absl::Status ApplyMeasures(const MeasureBatch& batch) override;
  absl::StatusOr<std::vector<MeasureBucket>> ListMeasures(const MeasureFilter& filter) override;
  absl::StatusOr<int64_t> DeleteMeasures(int64_t granularity_s, absl::Time before) override;
  // Datasets (pg_datasets.cc).
  absl::StatusOr<DatasetAppendResult> AppendDatasetCases(const DatasetAppend& append) override;
  absl::StatusOr<DatasetInfo> GetDataset(const std::string& name) override;
  absl::StatusOr<std::vector<DatasetInfo>> ListDatasets() override;
  absl::StatusOr<std::vector<DatasetVersion>> ListDatasetVersions(const std::string& name) override;
  absl::StatusOr<DatasetVersion> GetDatasetVersion(const std::string& name, int version) override;
  absl::StatusOr<std::vector<DatasetCase>> ListDatasetCases(const std::string& name,
                                                            int version) override;
  // Evaluations (pg_evaluations.cc).
  absl::Status PutEvaluation(const EvaluationRow& evaluation) override;
  absl::StatusOr<EvaluationRow> GetEvaluation(const std::string& evaluation_id) override;
  absl::StatusOr<std::vector<EvaluationRow>> ListEvaluations(
      const EvaluationFilter& filter) override;
  // Worker heartbeats (pg_workers.cc).
  absl::Status PutWorkerHeartbeat(const WorkerHeartbeat& heartbeat) override;
  absl::StatusOr<std::vector<WorkerHeartbeat>> ListWorkers(absl::Time seen_since) override;
  absl::StatusOr<std::optional<std::string>> GetTriggerState(
      const std::string& workflow, const std::string& trigger_id) override;
  absl::Status PutTriggerState(const std::string& workflow, const std::string& trigger_id,
                               const std::string& value) override;

 private:
  PostgresStore(PostgresStoreOptions options, std::unique_ptr<PgPool> pool);
  void ListenLoop(std::function<void()> on_work);

  const PostgresStoreOptions options_;
  std::unique_ptr<PgPool> pool_;
  std::atomic<bool> stopping_{false};
  std::thread listener_;
};

}  // namespace flowline::store::postgres
