// PostgresStore: tasks, notifications, corrections, the record feed.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::StatusOr<std::vector<Task>> PostgresStore::ListTasks(const TaskFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListTasks: not implemented yet");
}

absl::StatusOr<Task> PostgresStore::GetTask(const std::string& /*task_id*/) {
  return absl::UnimplementedError("PostgresStore::GetTask: not implemented yet");
}

absl::StatusOr<Task> PostgresStore::ClaimTask(const std::string& /*task_id*/,
                                              const std::string& /*user*/, absl::Time /*now*/,
                                              absl::Duration /*lease*/) {
  return absl::UnimplementedError("PostgresStore::ClaimTask: not implemented yet");
}

absl::Status PostgresStore::ReleaseTask(const std::string& /*task_id*/,
                                        const std::string& /*user*/) {
  return absl::UnimplementedError("PostgresStore::ReleaseTask: not implemented yet");
}

absl::StatusOr<Task> PostgresStore::ResolveTask(const TaskResolution& /*resolution*/) {
  return absl::UnimplementedError("PostgresStore::ResolveTask: not implemented yet");
}

absl::StatusOr<std::vector<QueueCounts>> PostgresStore::CountTasks(absl::Time /*now*/) {
  return absl::UnimplementedError("PostgresStore::CountTasks: not implemented yet");
}

absl::StatusOr<std::vector<Task>> PostgresStore::ListOverdueTasks(absl::Time /*now*/,
                                                                  int /*limit*/) {
  return absl::UnimplementedError("PostgresStore::ListOverdueTasks: not implemented yet");
}

absl::StatusOr<Task> PostgresStore::EscalateTask(const TaskEscalation& /*escalation*/) {
  return absl::UnimplementedError("PostgresStore::EscalateTask: not implemented yet");
}

absl::StatusOr<std::vector<Notification>> PostgresStore::ListDueNotifications(absl::Time /*now*/,
                                                                              int /*limit*/) {
  return absl::UnimplementedError("PostgresStore::ListDueNotifications: not implemented yet");
}

absl::Status PostgresStore::FinishNotification(int64_t /*seq*/, bool /*delivered*/,
                                               absl::Time /*retry_at*/) {
  return absl::UnimplementedError("PostgresStore::FinishNotification: not implemented yet");
}

absl::StatusOr<std::vector<Correction>> PostgresStore::ListCorrections(
    const CorrectionFilter& /*filter*/) {
  return absl::UnimplementedError("PostgresStore::ListCorrections: not implemented yet");
}

absl::StatusOr<std::vector<FeedRecord>> PostgresStore::ListRecordsAfter(
    const RecordFeedRequest& /*request*/) {
  return absl::UnimplementedError("PostgresStore::ListRecordsAfter: not implemented yet");
}

}  // namespace flowline::store::postgres
