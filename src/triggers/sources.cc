// Every trigger source type of this build, registered explicitly (no static initialisers).
#include "triggers/database_source.h"
#include "triggers/email_source.h"
#include "triggers/folder_source.h"
#include "triggers/queue_source.h"
#include "triggers/schedule_source.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

void RegisterTriggerSources(TriggerRegistry& registry) {
  RegisterSource(registry, "folder", NewFolderSource);
  RegisterSource(registry, "schedule", NewScheduleSource);
  RegisterSource(registry, "database", NewDatabaseSource);
  RegisterSource(registry, "queue", NewQueueSource);
  RegisterSource(registry, "email", NewEmailSource);
}

}  // namespace flowline::triggers
