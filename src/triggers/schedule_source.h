// The schedule trigger (docs/triggers.md): a run at each tick of a cron expression in a time zone
// (common/cron.h).
//
// State: {"last_tick": RFC 3339 UTC}, the newest tick handled (or, before the first, when the
// trigger was first polled: ticks from before a trigger existed are never run). A pass runs the
// newest tick after last_tick that is due, then saves it. Ticks missed while no process ran
// (several at most make one run): `catch_up: once` (the default) runs the newest of them once;
// `catch_up: skip` runs none (a tick counts as missed when it fell before this source started).
//
// Exactly once: the run's default key is "schedule:<trigger id>:<tick, RFC 3339 UTC>", and the
// state is saved only after the run is durable; a crash in between repeats StartRun with the same
// key on restart, which returns the same run. Several processes running the same schedule make
// one run per tick for the same reason.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "triggers/trigger_source.h"

namespace flowline::triggers {

absl::StatusOr<std::unique_ptr<TriggerSource>> NewScheduleSource(const engine::TriggerSpec& spec,
                                                                 const SourceEnv& env);

}  // namespace flowline::triggers
