// The schedule trigger's block: `- schedule: { cron: "0 7 * * MON-FRI", timezone: Europe/Berlin,
// catch_up: once, input: { report: daily } }` (src/triggers/schedule_source.cc).
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/cron.h"
#include "engine/internal/spec_triggers.h"

namespace flowline::engine::internal {

void CheckScheduleTrigger(const Field& block, TriggerSpec& /*trigger*/, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write `- schedule: { cron: \"0 7 * * MON-FRI\", timezone: Europe/Berlin }`";
  constexpr std::string_view kCronHint =
      "write 5 fields: minute hour day-of-month month day-of-week, e.g. \"0 7 * * MON-FRI\" "
      "(7:00 on weekdays) or \"*/15 * * * *\" (every 15 minutes)";
  auto fields = TriggerFields(block, kHint, {"cron", "timezone", "catch_up", "input"}, sink);
  if (!fields) return;
  if (auto cron = TriggerString(*fields, block, "cron", kCronHint, /*required=*/true, sink)) {
    auto parsed = common::CronSchedule::Parse(*cron);
    if (!parsed.ok()) {
      sink.Add(fields->Find("cron")->location,
               absl::StrCat("schedule cron '", *cron, "': ", parsed.status().message()),
               std::string(kCronHint));
    }
  }
  if (auto zone_name =
          TriggerString(*fields, block, "timezone",
                        "name an IANA time zone, e.g. Europe/Berlin or UTC", false, sink)) {
    absl::TimeZone zone;
    if (!absl::LoadTimeZone(*zone_name, &zone)) {
      sink.Add(fields->Find("timezone")->location,
               absl::StrCat("unknown time zone '", *zone_name, "'"),
               "name an IANA time zone as in /usr/share/zoneinfo, e.g. Europe/Berlin, "
               "America/New_York or UTC");
    }
  }
  if (auto catch_up = TriggerString(*fields, block, "catch_up",
                                    "write `catch_up: once` or `catch_up: skip`", false, sink)) {
    if (*catch_up != "once" && *catch_up != "skip") {
      sink.Add(fields->Find("catch_up")->location,
               absl::StrCat("schedule catch_up must be once or skip, not '", *catch_up, "'"),
               "once (the default) runs the latest tick missed while flowline was down once at "
               "start; skip runs none");
    }
  }
  if (const Field* input = fields->Find("input")) {
    if (!input->value.IsMap()) {
      sink.Add(input->location,
               absl::StrCat("schedule input must be a mapping, not ", Describe(input->value)),
               "write the run's input, e.g. `input: { report: daily }`");
    } else if (input->value["scheduled_for"].IsDefined()) {
      sink.Add(input->location, "schedule input must not set scheduled_for",
               "flowline sets scheduled_for to the tick's local time; name your field otherwise");
    }
  }
}

}  // namespace flowline::engine::internal
