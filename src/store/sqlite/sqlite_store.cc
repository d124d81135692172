#include "store/sqlite/sqlite_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <mutex>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/request_checks.h"
#include "store/sqlite/catalog_writes.h"
#include "store/sqlite/chain.h"
#include "store/sqlite/dataset_rows.h"
#include "store/sqlite/evaluation_rows.h"
#include "store/sqlite/measure_writes.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/monitor_rows.h"
#include "store/sqlite/reads.h"
#include "store/sqlite/release_rows.h"
#include "store/sqlite/task_writes.h"
#include "store/sqlite/trigger_rows.h"
#include "store/sqlite/wal_gather.h"
#include "store/sqlite/worker_rows.h"

namespace flowline::store::sqlite {
namespace {

// A background checkpoint every 1000 WAL pages (4 MiB, SQLite's default interval); the writer
// finishes one (so the WAL rewinds) once the WAL passes 4000 pages (16 MiB).
constexpr int kCheckpointPages = 1000;
constexpr int kRewindPages = 4000;

// Process-wide SQLite settings, before the first connection. SQLite's allocation statistics
// take a global mutex on every malloc and free; nothing here reads them. (If another part of
// the process initialised SQLite first, sqlite3_config refuses and the default stays.)
void ConfigureSqliteOnce() {
  static std::once_flag once;
  std::call_once(once, [] { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); });
}

absl::Status ValidateOptions(const SqliteStoreOptions& options) {
  if (options.path.empty()) {
    return absl::InvalidArgumentError("the SQLite store needs a database file path");
  }
  if (options.path == ":memory:" || options.path.rfind("file::memory:", 0) == 0) {
    return absl::InvalidArgumentError(
        "the SQLite store cannot use an in-memory database (each of its connections would see "
        "a different one); give it a file path, e.g. in a temporary directory");
  }
  if (options.max_batch < 1) return absl::InvalidArgumentError("max_batch must be at least 1");
  if (options.read_connections < 1) {
    return absl::InvalidArgumentError("read_connections must be at least 1");
  }
  return absl::OkStatus();
}

// Domain refusals (NotFound, FailedPrecondition) already read as complete sentences; every
// other error is prefixed with the store operation it interrupted.
absl::Status InOperation(const absl::Status& status, const char* operation) {
  if (status.ok() || absl::IsNotFound(status) || absl::IsFailedPrecondition(status)) {
    return status;
  }
  return absl::Status(status.code(), absl::StrCat(operation, ": ", status.message()));
}

absl::StatusOr<std::unique_ptr<Connection>> OpenWriter(const SqliteStoreOptions& options) {
  ConnectionOptions connection_options;
  connection_options.busy_timeout = options.busy_timeout;
  // With synchronous=FULL the writer's WAL writes of a commit go out as one (wal_gather.h).
  if (options.synchronous_full) connection_options.vfs = WalGatherVfsName();
  ASSIGN_OR_RETURN(std::unique_ptr<Connection> writer,
                   Connection::Open(options.path, connection_options));
  ASSIGN_OR_RETURN(std::string mode, writer->QueryText("PRAGMA journal_mode = WAL"));
  if (absl::AsciiStrToLower(mode) != "wal") {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot switch ", options.path, " to WAL mode (journal_mode is ", mode, ")"));
  }
  // FULL: the WAL is fsynced at every commit, so a commit that returned survives a power cut.
  RETURN_IF_ERROR(writer->Exec(options.synchronous_full ? "PRAGMA synchronous = FULL"
                                                        : "PRAGMA synchronous = NORMAL"));
  // The writer keeps the hot indexes of in-flight runs in its page cache (16 MiB).
  RETURN_IF_ERROR(writer->Exec("PRAGMA cache_size = -16384"));
  RETURN_IF_ERROR(writer->Exec("PRAGMA temp_store = MEMORY"));
  // When the WAL is rewound, truncate the file to 32 MiB instead of keeping its high-water size.
  RETURN_IF_ERROR(writer->Exec("PRAGMA journal_size_limit = 33554432"));
  absl::Time now = options.clock != nullptr ? options.clock->Now() : absl::Now();
  RETURN_IF_ERROR(Migrate(*writer, now));
  return writer;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const SqliteStoreOptions& options) {
  RETURN_IF_ERROR(ValidateOptions(options));
  ConfigureSqliteOnce();
  absl::StatusOr<std::unique_ptr<Connection>> writer = OpenWriter(options);
  if (!writer.ok()) {
    return absl::Status(
        writer.status().code(),
        absl::StrCat("opening the SQLite store ", options.path, ": ", writer.status().message()));
  }
  ConnectionOptions reader_options;
  reader_options.busy_timeout = options.busy_timeout;
  auto readers = std::make_unique<ReadPool>(options.path, reader_options, options.read_connections);
  absl::StatusOr<std::unique_ptr<Connection>> checkpoint_connection =
      Connection::Open(options.path, ConnectionOptions{.busy_timeout = options.busy_timeout});
  if (!checkpoint_connection.ok()) return checkpoint_connection.status();
  absl::StatusOr<std::unique_ptr<Checkpointer>> checkpointer =
      Checkpointer::Start(*std::move(checkpoint_connection), kCheckpointPages, kRewindPages);
  if (!checkpointer.ok()) return checkpointer.status();
  (*checkpointer)->AttachTo(**writer);
  Checkpointer* raw_checkpointer = checkpointer->get();
  auto committer = std::make_unique<GroupCommitter>(
      *std::move(writer), options.max_batch,
      [raw_checkpointer](Connection& db) { raw_checkpointer->FinishOnWriter(db); });
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(readers), *std::move(checkpointer), std::move(committer)));
}

SqliteStore::SqliteStore(std::unique_ptr<ReadPool> readers,
                         std::unique_ptr<Checkpointer> checkpointer,
                         std::unique_ptr<GroupCommitter> committer)
    : readers_(std::move(readers)),
      checkpointer_(std::move(checkpointer)),
      committer_(std::move(committer)) {}

SqliteStore::~SqliteStore() = default;

template <typename T, typename Write>
absl::StatusOr<T> SqliteStore::WriteTx(const char* operation, Write write) {
  std::optional<T> result;
  absl::Status status = committer_->Run([&](Connection& db) -> absl::Status {
    absl::StatusOr<T> value = write(db);
    if (!value.ok()) return value.status();
    result = *std::move(value);
    return absl::OkStatus();
  });
  if (!status.ok()) return InOperation(status, operation);
  return *std::move(result);
}

template <typename Read>
auto SqliteStore::ReadTx(const char* operation, Read read)
    -> decltype(read(std::declval<Connection&>())) {
  absl::StatusOr<ReadPool::Lease> connection = readers_->Acquire();
  if (!connection.ok()) return InOperation(connection.status(), operation);
  auto result = read(**connection);
  if (!result.ok()) return InOperation(result.status(), operation);
  return result;
}

absl::StatusOr<std::string> SqliteStore::Pragma(const std::string& name) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
      })) {
    return absl::InvalidArgumentError(absl::StrCat("'", name, "' is not a pragma name"));
  }
  std::string sql = absl::StrCat("PRAGMA ", name);
  return WriteTx<std::string>("Pragma", [&](Connection& db) { return db.QueryText(sql); });
}

absl::StatusOr<bool> SqliteStore::PutVersion(const VersionInfo& version) {
  return WriteTx<bool>("PutVersion", [&](Connection& db) { return InsertVersion(db, version); });
}

absl::StatusOr<VersionInfo> SqliteStore::GetVersion(const std::string& workflow,
                                                    const std::string& version) {
  return ReadTx("GetVersion", [&](Connection& db) { return SelectVersion(db, workflow, version); });
}

absl::StatusOr<WorkflowInfo> SqliteStore::GetWorkflow(const std::string& workflow) {
  return ReadTx("GetWorkflow", [&](Connection& db) { return SelectWorkflow(db, workflow); });
}

absl::StatusOr<std::vector<WorkflowInfo>> SqliteStore::ListWorkflows() {
  return ReadTx("ListWorkflows", [&](Connection& db) { return SelectWorkflows(db); });
}

absl::StatusOr<std::vector<VersionInfo>> SqliteStore::ListVersions(const std::string& workflow) {
  return ReadTx("ListVersions", [&](Connection& db) { return SelectVersions(db, workflow); });
}

absl::StatusOr<WorkflowInfo> SqliteStore::SetVersionStage(const StageChange& change) {
  return WriteTx<WorkflowInfo>("SetVersionStage",
                               [&](Connection& db) { return ChangeVersionStage(db, change); });
}

absl::Status SqliteStore::PutShadowComparison(const ShadowComparison& comparison) {
  return InOperation(
      committer_->Run([&](Connection& db) { return UpsertShadowComparison(db, comparison); }),
      "PutShadowComparison");
}

absl::StatusOr<std::vector<ShadowComparison>> SqliteStore::ListShadowComparisons(
    const ShadowComparisonFilter& filter) {
  return ReadTx("ListShadowComparisons",
                [&](Connection& db) { return SelectShadowComparisons(db, filter); });
}

absl::StatusOr<std::vector<Run>> SqliteStore::ListUncomparedShadowRuns(const std::string& workflow,
                                                                       int limit) {
  return ReadTx("ListUncomparedShadowRuns",
                [&](Connection& db) { return SelectUncomparedShadowRuns(db, workflow, limit); });
}

absl::StatusOr<CreateRunResult> SqliteStore::CreateRun(const NewRun& run) {
  return WriteTx<CreateRunResult>(
      "CreateRun", [&](Connection& db) { return InsertRun(db, lease_tokens_, run); });
}

absl::StatusOr<std::vector<ClaimedStep>> SqliteStore::ClaimSteps(const LeaseRequest& lease,
                                                                 absl::Time now, int max) {
  if (max <= 0) return std::vector<ClaimedStep>();
  return WriteTx<std::vector<ClaimedStep>>("ClaimSteps", [&](Connection& db) {
    return ClaimDueSteps(db, lease_tokens_, lease, now, max);
  });
}

absl::StatusOr<CommitResult> SqliteStore::CommitStep(const StepCommit& commit) {
  return WriteTx<CommitResult>(
      "CommitStep", [&](Connection& db) { return ApplyStepCommit(db, lease_tokens_, commit); });
}

absl::StatusOr<std::vector<std::string>> SqliteStore::RenewLeases(
    const std::string& owner, const std::vector<ClaimedStep>& steps, absl::Time expires_at) {
  return WriteTx<std::vector<std::string>>(
      "RenewLeases", [&](Connection& db) { return RenewStepLeases(db, owner, steps, expires_at); });
}

absl::StatusOr<int> SqliteStore::ExpireAllLeases() {
  return WriteTx<int>("ExpireAllLeases", [&](Connection& db) { return ExpireStepLeases(db); });
}

absl::StatusOr<std::optional<absl::Time>> SqliteStore::NextDueTime() {
  return ReadTx("NextDueTime", [&](Connection& db) { return SelectNextDueTime(db); });
}

absl::StatusOr<Run> SqliteStore::GetRun(const std::string& run_id) {
  return ReadTx("GetRun", [&](Connection& db) { return SelectRun(db, run_id); });
}

absl::StatusOr<RunDetail> SqliteStore::GetRunDetail(const std::string& run_id) {
  return ReadTx("GetRunDetail", [&](Connection& db) { return SelectRunDetail(db, run_id); });
}

absl::StatusOr<std::vector<Run>> SqliteStore::ListRuns(const RunFilter& filter) {
  return ReadTx("ListRuns", [&](Connection& db) { return SelectRuns(db, filter); });
}

absl::StatusOr<std::vector<Record>> SqliteStore::ListRecords(const std::string& run_id) {
  return ReadTx("ListRecords", [&](Connection& db) { return SelectRecords(db, run_id); });
}

absl::StatusOr<std::vector<Record>> SqliteStore::ScanRecords(int64_t after_seq, int limit) {
  return ReadTx("ScanRecords",
                [&](Connection& db) { return SelectRecordPage(db, after_seq, limit); });
}

absl::StatusOr<RecordChainHead> SqliteStore::GetRecordChainHead() {
  return ReadTx("GetRecordChainHead", [&](Connection& db) { return ReadChainHead(db); });
}

absl::StatusOr<int64_t> SqliteStore::AddCheckpoint(const Checkpoint& checkpoint) {
  return WriteTx<int64_t>("AddCheckpoint",
                          [&](Connection& db) { return InsertCheckpoint(db, checkpoint); });
}

absl::StatusOr<std::vector<Checkpoint>> SqliteStore::ListCheckpoints(int64_t after_id, int limit) {
  return ReadTx("ListCheckpoints",
                [&](Connection& db) { return SelectCheckpoints(db, after_id, limit); });
}

absl::StatusOr<std::optional<Checkpoint>> SqliteStore::LatestCheckpoint() {
  return ReadTx("LatestCheckpoint", [&](Connection& db) { return SelectLatestCheckpoint(db); });
}

absl::StatusOr<int64_t> SqliteStore::PruneRecords(const Checkpoint& cut) {
  return WriteTx<int64_t>("PruneRecords", [&](Connection& db) { return CutRecords(db, cut); });
}

absl::StatusOr<std::vector<Task>> SqliteStore::ListTasks(const TaskFilter& filter) {
  return ReadTx("ListTasks", [&](Connection& db) { return SelectTasks(db, filter); });
}

absl::StatusOr<Task> SqliteStore::GetTask(const std::string& task_id) {
  return ReadTx("GetTask", [&](Connection& db) { return SelectTask(db, task_id); });
}

absl::StatusOr<Task> SqliteStore::ClaimTask(const std::string& task_id, const std::string& user,
                                            absl::Time now, absl::Duration lease) {
  return WriteTx<Task>("ClaimTask",
                       [&](Connection& db) { return ClaimTaskRow(db, task_id, user, now, lease); });
}

absl::Status SqliteStore::ReleaseTask(const std::string& task_id, const std::string& user) {
  return InOperation(
      committer_->Run([&](Connection& db) { return ReleaseTaskRow(db, task_id, user); }),
      "ReleaseTask");
}

absl::StatusOr<Task> SqliteStore::ResolveTask(const TaskResolution& resolution) {
  return WriteTx<Task>("ResolveTask",
                       [&](Connection& db) { return ResolveTaskRow(db, resolution); });
}

absl::StatusOr<std::vector<QueueCounts>> SqliteStore::CountTasks(absl::Time now) {
  return ReadTx("CountTasks", [&](Connection& db) { return SelectQueueCounts(db, now); });
}

absl::StatusOr<std::vector<Task>> SqliteStore::ListOverdueTasks(absl::Time now, int limit) {
  return ReadTx("ListOverdueTasks",
                [&](Connection& db) { return SelectOverdueTasks(db, now, limit); });
}

absl::StatusOr<Task> SqliteStore::EscalateTask(const TaskEscalation& escalation) {
  return WriteTx<Task>("EscalateTask",
                       [&](Connection& db) { return EscalateTaskRow(db, escalation); });
}

absl::StatusOr<std::vector<Notification>> SqliteStore::ListDueNotifications(absl::Time now,
                                                                            int limit) {
  return ReadTx("ListDueNotifications",
                [&](Connection& db) { return SelectDueNotifications(db, now, limit); });
}

absl::Status SqliteStore::FinishNotification(int64_t seq, bool delivered, absl::Time retry_at) {
  return InOperation(committer_->Run([&](Connection& db) {
    return FinishNotificationRow(db, seq, delivered, retry_at);
  }),
                     "FinishNotification");
}

absl::StatusOr<std::vector<Correction>> SqliteStore::ListCorrections(
    const CorrectionFilter& filter) {
  return ReadTx("ListCorrections", [&](Connection& db) { return SelectCorrections(db, filter); });
}

absl::StatusOr<std::vector<FeedRecord>> SqliteStore::ListRecordsAfter(
    const RecordFeedRequest& request) {
  return ReadTx("ListRecordsAfter",
                [&](Connection& db) { return SelectRecordsAfter(db, request); });
}

absl::StatusOr<int64_t> SqliteStore::GetDriftCursor() {
  return ReadTx("GetDriftCursor", [&](Connection& db) { return SelectDriftCursor(db); });
}

absl::StatusOr<std::vector<DriftBucket>> SqliteStore::ListDriftBuckets(
    const DriftBucketFilter& filter) {
  return ReadTx("ListDriftBuckets", [&](Connection& db) { return SelectDriftBuckets(db, filter); });
}

absl::StatusOr<std::optional<absl::Time>> SqliteStore::FirstDriftBucket(
    const std::string& workflow) {
  return ReadTx("FirstDriftBucket",
                [&](Connection& db) { return SelectFirstDriftBucket(db, workflow); });
}

absl::Status SqliteStore::CommitDriftIngest(const DriftIngest& ingest) {
  return InOperation(committer_->Run([&](Connection& db) { return WriteDriftIngest(db, ingest); }),
                     "CommitDriftIngest");
}

absl::Status SqliteStore::PutDriftReport(const DriftReportRow& report) {
  return InOperation(committer_->Run([&](Connection& db) { return UpsertDriftReport(db, report); }),
                     "PutDriftReport");
}

absl::StatusOr<DriftReportRow> SqliteStore::GetDriftReport(const std::string& workflow) {
  return ReadTx("GetDriftReport", [&](Connection& db) { return SelectDriftReport(db, workflow); });
}

absl::StatusOr<AlertRaised> SqliteStore::RaiseAlert(const AlertRaise& raise) {
  return WriteTx<AlertRaised>("RaiseAlert",
                              [&](Connection& db) { return RaiseAlertRow(db, raise); });
}

absl::StatusOr<Alert> SqliteStore::GetAlert(const std::string& alert_id) {
  return ReadTx("GetAlert", [&](Connection& db) { return SelectAlert(db, alert_id); });
}

absl::StatusOr<std::vector<Alert>> SqliteStore::ListAlerts(const AlertFilter& filter) {
  return ReadTx("ListAlerts", [&](Connection& db) { return SelectAlerts(db, filter); });
}

absl::StatusOr<Alert> SqliteStore::AcknowledgeAlert(const std::string& alert_id,
                                                    const std::string& by, absl::Time now) {
  return WriteTx<Alert>("AcknowledgeAlert",
                        [&](Connection& db) { return AcknowledgeAlertRow(db, alert_id, by, now); });
}

absl::StatusOr<Alert> SqliteStore::ResolveAlert(const AlertResolve& resolve) {
  return WriteTx<Alert>("ResolveAlert",
                        [&](Connection& db) { return ResolveAlertRow(db, resolve); });
}

absl::StatusOr<std::vector<AlertCount>> SqliteStore::CountAlerts() {
  return ReadTx("CountAlerts", [&](Connection& db) { return SelectAlertCounts(db); });
}

absl::StatusOr<int64_t> SqliteStore::GetMeasureCursor() {
  return ReadTx("GetMeasureCursor", [&](Connection& db) { return SelectMeasureCursor(db); });
}

absl::Status SqliteStore::ApplyMeasures(const MeasureBatch& batch) {
  return InOperation(committer_->Run([&](Connection& db) { return ApplyMeasureBatch(db, batch); }),
                     "ApplyMeasures");
}

absl::StatusOr<std::vector<MeasureBucket>> SqliteStore::ListMeasures(const MeasureFilter& filter) {
  return ReadTx("ListMeasures", [&](Connection& db) { return SelectMeasures(db, filter); });
}

absl::StatusOr<int64_t> SqliteStore::DeleteMeasures(int64_t granularity_s, absl::Time before) {
  return WriteTx<int64_t>("DeleteMeasures", [&](Connection& db) {
    return DeleteMeasureBuckets(db, granularity_s, before);
  });
}

absl::StatusOr<WorkflowInfo> SqliteStore::SetWorkflowPaused(const std::string& workflow,
                                                            bool paused, const std::string& by,
                                                            absl::Time now) {
  return WriteTx<WorkflowInfo>("SetWorkflowPaused", [&](Connection& db) {
    return UpdateWorkflowPaused(db, workflow, paused, by, now);
  });
}

absl::Status SqliteStore::PutUser(const UserInfo& user) {
  return InOperation(committer_->Run([&](Connection& db) { return UpsertUser(db, user); }),
                     "PutUser");
}

absl::StatusOr<UserInfo> SqliteStore::FindUser(const std::string& name) {
  return ReadTx("FindUser", [&](Connection& db) { return SelectUser(db, name); });
}

absl::StatusOr<std::vector<UserInfo>> SqliteStore::ListUsers() {
  return ReadTx("ListUsers", [&](Connection& db) { return SelectUsers(db); });
}

absl::Status SqliteStore::PutToken(const TokenInfo& token) {
  return InOperation(committer_->Run([&](Connection& db) { return InsertToken(db, token); }),
                     "PutToken");
}

absl::StatusOr<TokenInfo> SqliteStore::FindToken(const std::string& token_hash) {
  return ReadTx("FindToken", [&](Connection& db) { return SelectToken(db, token_hash); });
}

absl::StatusOr<std::vector<TokenInfo>> SqliteStore::ListTokens() {
  return ReadTx("ListTokens", [&](Connection& db) { return SelectTokens(db); });
}

absl::Status SqliteStore::RevokeToken(const std::string& token_id) {
  return InOperation(committer_->Run([&](Connection& db) { return RevokeTokenRow(db, token_id); }),
                     "RevokeToken");
}

absl::StatusOr<DatasetAppendResult> SqliteStore::AppendDatasetCases(const DatasetAppend& append) {
  return WriteTx<DatasetAppendResult>("AppendDatasetCases",
                                      [&](Connection& db) { return AppendCases(db, append); });
}

absl::StatusOr<DatasetInfo> SqliteStore::GetDataset(const std::string& name) {
  return ReadTx("GetDataset", [&](Connection& db) { return SelectDataset(db, name); });
}

absl::StatusOr<std::vector<DatasetInfo>> SqliteStore::ListDatasets() {
  return ReadTx("ListDatasets", [&](Connection& db) { return SelectDatasets(db); });
}

absl::StatusOr<std::vector<DatasetVersion>> SqliteStore::ListDatasetVersions(
    const std::string& name) {
  return ReadTx("ListDatasetVersions",
                [&](Connection& db) { return SelectDatasetVersions(db, name); });
}

absl::StatusOr<DatasetVersion> SqliteStore::GetDatasetVersion(const std::string& name,
                                                              int version) {
  return ReadTx("GetDatasetVersion",
                [&](Connection& db) { return SelectDatasetVersion(db, name, version); });
}

absl::StatusOr<std::vector<DatasetCase>> SqliteStore::ListDatasetCases(const std::string& name,
                                                                       int version) {
  return ReadTx("ListDatasetCases",
                [&](Connection& db) { return SelectDatasetCases(db, name, version); });
}

absl::Status SqliteStore::PutEvaluation(const EvaluationRow& evaluation) {
  return InOperation(
      committer_->Run([&](Connection& db) { return InsertEvaluation(db, evaluation); }),
      "PutEvaluation");
}

absl::StatusOr<EvaluationRow> SqliteStore::GetEvaluation(const std::string& evaluation_id) {
  return ReadTx("GetEvaluation",
                [&](Connection& db) { return SelectEvaluation(db, evaluation_id); });
}

absl::StatusOr<std::vector<EvaluationRow>> SqliteStore::ListEvaluations(
    const EvaluationFilter& filter) {
  return ReadTx("ListEvaluations", [&](Connection& db) { return SelectEvaluations(db, filter); });
}

absl::Status SqliteStore::PutWorkerHeartbeat(const WorkerHeartbeat& heartbeat) {
  return InOperation(
      committer_->Run([&](Connection& db) { return UpsertWorkerHeartbeat(db, heartbeat); }),
      "PutWorkerHeartbeat");
}

absl::StatusOr<std::vector<WorkerHeartbeat>> SqliteStore::ListWorkers(absl::Time seen_since) {
  return ReadTx("ListWorkers", [&](Connection& db) { return SelectWorkers(db, seen_since); });
}

absl::StatusOr<std::optional<std::string>> SqliteStore::GetTriggerState(
    const std::string& workflow, const std::string& trigger_id) {
  RETURN_IF_ERROR(ValidateTriggerStateKey(workflow, trigger_id));
  return ReadTx("GetTriggerState",
                [&](Connection& db) { return SelectTriggerState(db, workflow, trigger_id); });
}

absl::Status SqliteStore::PutTriggerState(const std::string& workflow,
                                          const std::string& trigger_id, const std::string& value) {
  RETURN_IF_ERROR(ValidateTriggerStateKey(workflow, trigger_id));
  return InOperation(committer_->Run([&](Connection& db) {
    return UpsertTriggerState(db, workflow, trigger_id, value);
  }),
                     "PutTriggerState");
}

}  // namespace flowline::store::sqlite
