// SqliteStore: the embedded Store, on one SQLite database file.
//
// Durability: the database runs in WAL mode; with synchronous_full (the default) every
// transaction the store reports as committed survives a crash or power cut.
//
// Concurrency: every write goes through one writer thread with group commit (group_commit.h):
// concurrent writers share one transaction and one fsync, and each still succeeds or fails on
// its own. Reads run in parallel on a small pool of read connections and see every write that
// has returned. SqliteStore is thread-safe; it is the only writer to its file that the store
// coordinates with (another process writing the same file is serialised by SQLite's lock and
// waits up to busy_timeout).
//
// Checkpoints of the WAL into the database file run on a background thread (checkpointer.h), so
// the writer never waits for them.
//
// Schema: versioned migrations (migrations.h) are applied when the store opens; a database
// written by a newer flowline is refused.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/read_pool.h"
#include "store/sqlite/run_writes.h"
#include "store/store.h"

namespace flowline::store::sqlite {

struct SqliteStoreOptions {
  // The database file, created (with its -wal and -shm companions) if missing. Required.
  // ":memory:" is refused: the store uses several connections, and each would get its own
  // empty in-memory database. Tests use a file in a temporary directory.
  std::string path;
  // true (default): WAL with synchronous=FULL, so every committed transaction is on disk when
  // the call returns. false: synchronous=NORMAL, faster, but a power cut (not a process crash)
  // may lose the last transactions; for scratch stores only.
  bool synchronous_full = true;
  // How long a statement waits for a lock held by another process. Default 5 s.
  absl::Duration busy_timeout = absl::Seconds(5);
  // Most write requests the writer commits in one transaction. Default 256; at least 1.
  int max_batch = 256;
  // Most read connections open at once; more concurrent readers wait. Default 4; at least 1.
  int read_connections = 4;
  // Stamps schema_migrations.applied_at. Default (nullptr): the system clock.
  const common::Clock* clock = nullptr;
};

class SqliteStore final : public Store {
 public:
  using Stats = GroupCommitStats;

  // Opens or creates the database and brings its schema up to date. InvalidArgument for bad
  // options; FailedPrecondition if the database comes from a newer flowline or cannot use WAL;
  // other errors as SQLite reports them.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(const SqliteStoreOptions& options);

  // Waits for writes in flight, then closes the database.
  ~SqliteStore() override;

  // Write-path counters, e.g. to check that concurrent commits shared transactions.
  Stats stats() const { return committer_->stats(); }
  // How many WAL checkpoints ran in the background and on the writer.
  CheckpointStats checkpoint_stats() const { return checkpointer_->stats(); }

  // The value of `PRAGMA <name>` on the write connection (e.g. "journal_mode" → "wal",
  // "synchronous" → "2" for FULL). InvalidArgument unless `name` is a plain identifier.
  absl::StatusOr<std::string> Pragma(const std::string& name);

  absl::StatusOr<bool> PutVersion(const VersionInfo& version) override;
  absl::StatusOr<VersionInfo> GetVersion(const std::string& workflow,
                                         const std::string& version) override;
  absl::StatusOr<WorkflowInfo> GetWorkflow(const std::string& workflow) override;
  absl::StatusOr<std::vector<WorkflowInfo>> ListWorkflows() override;
  absl::StatusOr<std::vector<VersionInfo>> ListVersions(const std::string& workflow) override;

  absl::StatusOr<WorkflowInfo> SetVersionStage(const StageChange& change) override;
  absl::Status PutShadowComparison(const ShadowComparison& comparison) override;
  absl::StatusOr<std::vector<ShadowComparison>> ListShadowComparisons(
      const ShadowComparisonFilter& filter) override;
  absl::StatusOr<std::vector<Run>> ListUncomparedShadowRuns(const std::string& workflow,
                                                            int limit) override;

  absl::StatusOr<CreateRunResult> CreateRun(const NewRun& run) override;
  absl::StatusOr<std::vector<ClaimedStep>> ClaimSteps(const LeaseRequest& lease, absl::Time now,
                                                      int max) override;
  absl::StatusOr<CommitResult> CommitStep(const StepCommit& commit) override;
  // The strings returned are the idempotency keys ("<run_id>/<step_id>") of the lost steps.
  absl::StatusOr<std::vector<std::string>> RenewLeases(const std::string& owner,
                                                       const std::vector<ClaimedStep>& steps,
                                                       absl::Time expires_at) override;
  absl::StatusOr<int> ExpireAllLeases() override;
  absl::StatusOr<std::optional<absl::Time>> NextDueTime() override;

  absl::StatusOr<Run> GetRun(const std::string& run_id) override;
  absl::StatusOr<RunDetail> GetRunDetail(const std::string& run_id) override;
  absl::StatusOr<std::vector<Run>> ListRuns(const RunFilter& filter) override;
  absl::StatusOr<std::vector<Record>> ListRecords(const std::string& run_id) override;
  absl::StatusOr<std::vector<Record>> ScanRecords(int64_t after_seq, int limit) override;
  absl::StatusOr<RecordChainHead> GetRecordChainHead() override;
  absl::StatusOr<int64_t> AddCheckpoint(const Checkpoint& checkpoint) override;
  absl::StatusOr<std::vector<Checkpoint>> ListCheckpoints(int64_t after_id, int limit) override;
  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() override;
  absl::StatusOr<int64_t> PruneRecords(const Checkpoint& cut) override;

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
  absl::StatusOr<int64_t> GetMeasureCursor() override;
  absl::Status ApplyMeasures(const MeasureBatch& batch) override;
  absl::StatusOr<std::vector<MeasureBucket>> ListMeasures(const MeasureFilter& filter) override;
  absl::StatusOr<int64_t> DeleteMeasures(int64_t granularity_s, absl::Time before) override;
  absl::StatusOr<WorkflowInfo> SetWorkflowPaused(const std::string& workflow, bool paused,
                                                 const std::string& by, absl::Time now) override;
  absl::Status PutUser(const UserInfo& user) override;
  absl::StatusOr<UserInfo> FindUser(const std::string& name) override;
  absl::StatusOr<std::vector<UserInfo>> ListUsers() override;
  absl::Status PutToken(const TokenInfo& token) override;
  absl::StatusOr<TokenInfo> FindToken(const std::string& token_hash) override;
  absl::StatusOr<std::vector<TokenInfo>> ListTokens() override;
  absl::Status RevokeToken(const std::string& token_id) override;
  absl::StatusOr<DatasetAppendResult> AppendDatasetCases(const DatasetAppend& append) override;
  absl::StatusOr<DatasetInfo> GetDataset(const std::string& name) override;
  absl::StatusOr<std::vector<DatasetInfo>> ListDatasets() override;
  absl::StatusOr<std::vector<DatasetVersion>> ListDatasetVersions(const std::string& name) override;
  absl::StatusOr<DatasetVersion> GetDatasetVersion(const std::string& name, int version) override;
  absl::StatusOr<std::vector<DatasetCase>> ListDatasetCases(const std::string& name,
                                                            int version) override;
  absl::Status PutEvaluation(const EvaluationRow& evaluation) override;
  absl::StatusOr<EvaluationRow> GetEvaluation(const std::string& evaluation_id) override;
  absl::StatusOr<std::vector<EvaluationRow>> ListEvaluations(
      const EvaluationFilter& filter) override;
  absl::Status PutWorkerHeartbeat(const WorkerHeartbeat& heartbeat) override;
  absl::StatusOr<std::vector<WorkerHeartbeat>> ListWorkers(absl::Time seen_since) override;
  absl::StatusOr<std::optional<std::string>> GetTriggerState(
      const std::string& workflow, const std::string& trigger_id) override;
  absl::Status PutTriggerState(const std::string& workflow, const std::string& trigger_id,
                               const std::string& value) override;

 private:
  SqliteStore(std::unique_ptr<ReadPool> readers, std::unique_ptr<Checkpointer> checkpointer,
              std::unique_ptr<GroupCommitter> committer);

  // Runs `write(Connection&) -> StatusOr<T>` on the writer thread; returns once it is durable.
  template <typename T, typename Write>
  absl::StatusOr<T> WriteTx(const char* operation, Write write);
  // Runs `read(Connection&) -> StatusOr<T>` on a pooled read connection.
  template <typename Read>
  auto ReadTx(const char* operation, Read read) -> decltype(read(std::declval<Connection&>()));

  LeaseTokens lease_tokens_;
  // Destroyed bottom-up: the writer drains and closes first (its WAL hook points at the
  // checkpointer), then the checkpointer, then the readers.
  std::unique_ptr<ReadPool> readers_;
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unique_ptr<GroupCommitter> committer_;
};

}  // namespace flowline::store::sqlite
