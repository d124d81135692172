#include "steps/wait_step.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

// The wake time the parameters ask for, relative to `now`; nullopt (with an error in `r`, or
// because a value is deferred) otherwise.
std::optional<absl::Time> ReadWakeTime(ParamReader& r, absl::Time now) {
  const bool has_duration = r.Has("duration");
  const bool has_until = r.Has("until");
  if (has_duration == has_until) {
    r.Error("", "a wait step needs exactly one of `duration` and `until`",
            "write `duration: 2h` or `until: \"2026-12-01T09:00:00Z\"`");
    return std::nullopt;
  }
  if (has_duration) {
    std::optional<absl::Duration> duration = r.Duration("duration");
    if (!duration) return std::nullopt;
    return now + *duration;
  }
  std::optional<std::string> until = r.String("until");
  if (!until) return std::nullopt;
  absl::Time when;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, *until, &when, &error)) {
    r.Error("until", absl::StrCat("\"", Truncate(*until, 60), "\" is not an RFC 3339 time"),
            "write a time with its offset, e.g. 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00");
    return std::nullopt;
  }
  return when;
}

class PreparedWait final : public PreparedStep {
 public:
  explicit PreparedWait(const StepKindInfo& info) : info_(info) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    if (ctx.resume != nullptr) return StepOutcome::Completed(Json{{"waited", true}});
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    const absl::Time now = (ctx.clock != nullptr ? *ctx.clock : common::SystemClock::Get()).Now();
    std::optional<absl::Time> wake_at = ReadWakeTime(r, now);
    if (!r.ok() || !wake_at) return StepOutcome::Failed(r.Summary());
    if (*wake_at <= now) return StepOutcome::Completed(Json{{"waited", false}});
    return StepOutcome::WaitUntil(*wake_at);
  }

 private:
  const StepKindInfo info_;
};

}  // namespace

WaitStep::WaitStep() {
  info_.name = "wait";
  info_.description = "Pauses the run for a duration or until a time, then continues.";
  info_.actors = {Actor::kSystem};
  info_.params = {
      {"duration", ParamType::kDuration, false, false, "how long to wait, e.g. 30m, 2d"},
      {"until", ParamType::kString, false, false,
       "when to continue: an RFC 3339 time such as 2026-12-01T09:00:00Z"},
  };
}

std::unique_ptr<PreparedStep> WaitStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  // The time itself does not matter here, only whether the parameters can give one.
  ReadWakeTime(r, absl::UnixEpoch());
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedWait>(info_);
}

}  // namespace flowline::steps
