#include "triggers/schedule_source.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/cron.h"
#include "common/status_macros.h"
#include "spdlog/spdlog.h"

namespace flowline::triggers {
namespace {

std::string Utc(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

class ScheduleSource final : public TriggerSource {
 public:
  ScheduleSource(common::CronSchedule cron, absl::TimeZone zone, bool catch_up, Json input,
                 absl::Time started)
      : cron_(std::move(cron)),
        zone_(zone),
        catch_up_(catch_up),
        input_(std::move(input)),
        started_(started) {}

  absl::Status Poll(TriggerContext& context, absl::Duration /*budget*/) override {
    const absl::Time now = context.clock().Now();
    ASSIGN_OR_RETURN(std::optional<Json> state, context.LoadState());
    absl::Time last;
    std::string error;
    if (!state.has_value() || !state->is_object() || !(*state)["last_tick"].is_string() ||
        !absl::ParseTime(absl::RFC3339_full, (*state)["last_tick"].get<std::string>(), &last,
                         &error)) {
      // First poll of this trigger: nothing before now is owed.
      return context.SaveState(Json{{"last_tick", Utc(now)}});
    }
    const absl::Time due = cron_.Previous(now, zone_);
    if (due == absl::InfinitePast() || due <= last) return absl::OkStatus();
    if (!catch_up_ && due < started_) {
      spdlog::info("schedule {}: tick {} was missed while flowline was down; catch_up: skip",
                   context.spec().id, Utc(due));
      return context.SaveState(Json{{"last_tick", Utc(due)}});
    }
    Json input = input_;
    input["scheduled_for"] = absl::FormatTime("%Y-%m-%dT%H:%M:%S%Ez", due, zone_);
    absl::StatusOr<engine::StartRunResult> run = context.StartRun(
        std::move(input), absl::StrCat("schedule:", context.spec().id, ":", Utc(due)));
    if (!run.ok() && run.status().code() != absl::StatusCode::kInvalidArgument) {
      return run.status();  // retried: the state still owes this tick
    }
    // Durable (or refused for good: the input breaks the schema, which no retry fixes): the
    // tick is done.
    RETURN_IF_ERROR(context.SaveState(Json{{"last_tick", Utc(due)}}));
    if (!run.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the run of tick ", Utc(due), " was refused: ", run.status().message()));
    }
    return absl::OkStatus();
  }

  absl::Duration NextPollIn(absl::Time now) const override {
    const absl::Time next = cron_.Next(now, zone_);
    if (next == absl::InfinitePast()) return absl::Hours(1);
    return next - now;
  }

 private:
  const common::CronSchedule cron_;
  const absl::TimeZone zone_;
  const bool catch_up_;
  const Json input_;
  const absl::Time started_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<TriggerSource>> NewScheduleSource(const engine::TriggerSpec& spec,
                                                                 const SourceEnv& env) {
  const Json& with = spec.with;
  // The spec's checker validated the block; these are the same checks for a block built by hand.
  if (!with.is_object() || !with.contains("cron") || !with["cron"].is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("schedule trigger ", spec.id, " has no cron expression"));
  }
  ASSIGN_OR_RETURN(common::CronSchedule cron,
                   common::CronSchedule::Parse(with["cron"].get<std::string>()));
  absl::TimeZone zone = absl::UTCTimeZone();
  if (with.contains("timezone")) {
    const std::string name =
        with["timezone"].is_string() ? with["timezone"].get<std::string>() : "";
    if (!absl::LoadTimeZone(name, &zone)) {
      return absl::InvalidArgumentError(absl::StrCat("schedule trigger ", spec.id,
                                                     ": unknown time zone '", name,
                                                     "' (is the tzdata package installed?)"));
    }
  }
  const bool catch_up = with.value("catch_up", std::string("once")) != "skip";
  Json input = with.contains("input") && with["input"].is_object() ? with["input"] : Json::object();
  return std::make_unique<ScheduleSource>(std::move(cron), zone, catch_up, std::move(input),
                                          env.clock.Now());
}

}  // namespace flowline::triggers
