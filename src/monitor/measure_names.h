// The names the measures are kept under in the store (store::MeasureBucket::measure), their
// granularities, and how a time falls into a bucket. docs/measures.md defines each measure.
//
// Counters count observations (`count`); histograms are one bucket per latency bound
// (latency_histogram.h), whose `count` is how many observations fell into it and `sum` their total
// in seconds; the accuracy measures count what was reviewed (`count`) and what was wrong (`sum`).
#pragma once

#include <array>
#include <cstdint>

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::monitor {

// Bucket granularities in seconds; kTotal is the all-time bucket (start: the Unix epoch).
inline constexpr int64_t kMinute = 60;
inline constexpr int64_t kHour = 3600;
inline constexpr int64_t kDay = 86400;
inline constexpr int64_t kTotal = 0;
// Every record is folded into each of these.
inline constexpr std::array<int64_t, 4> kGranularities = {kMinute, kHour, kDay, kTotal};

// The start of the bucket of `granularity_s` that holds `at`: UTC, aligned to the Unix epoch
// (so days run from midnight UTC). The epoch for kTotal.
absl::Time BucketStart(absl::Time at, int64_t granularity_s);
// The end of the bucket holding the instant just before `at`: `at` itself when it is a bucket
// boundary, else the next boundary (a period ending at `at` covers whole buckets).
absl::Time BucketEnd(absl::Time at, int64_t granularity_s);

// A period's bound as people write it: an RFC 3339 time ("2026-11-24T08:00:00Z") or a UTC date
// ("2026-11-24"). InvalidArgument naming `what` (the parameter or option) otherwise.
absl::StatusOr<absl::Time> ParsePeriodBound(std::string_view text, std::string_view what);

// "minute", "hour", "day" → seconds; 0 for anything else.
int64_t ParseGranularity(const char* name);
const char* GranularityName(int64_t granularity_s);

namespace measure {

// Run level (step "").
inline constexpr char kRunsStarted[] = "runs.started";
inline constexpr char kRunsCompleted[] = "runs.completed";
inline constexpr char kRunsFailed[] = "runs.failed";
inline constexpr char kRunsRejected[] = "runs.rejected";
// Completed without any person deciding anything: straight through.
inline constexpr char kRunsAutomated[] = "runs.automated";
// Histograms: created → finished, of every finished run, and of the automated ones.
inline constexpr char kRunLatency[] = "latency.run";
inline constexpr char kAutomatedLatency[] = "latency.run.automated";
inline constexpr char kTasksOpened[] = "tasks.opened";
// Tasks opened, by reason kind (label); each kind counts once per task.
inline constexpr char kExceptions[] = "exceptions";
inline constexpr char kTasksEscalated[] = "tasks.escalated";
// LatencyHistogram: task opened → resolved (the final decision).
inline constexpr char kTurnaround[] = "handling.turnaround";
// LatencyHistogram: the decider's claim → their decision (first and final decisions).
inline constexpr char kWorking[] = "handling.working";
// Decisions made without a claim: count, and sum = their seconds since the task opened.
inline constexpr char kUnclaimed[] = "handling.unclaimed";
// Reviewed fields (count) and changed ones (sum); label kAll or kAudit.
inline constexpr char kFields[] = "accuracy.fields";
// Reviewed cases (count) and wrong ones (sum: a field changed or the case rejected).
inline constexpr char kCases[] = "accuracy.cases";
inline constexpr char kAll[] = "all";
inline constexpr char kAudit[] = "audit";

// Step level (step = the step id).
inline constexpr char kStepsCompleted[] = "steps.completed";
inline constexpr char kStepsSkipped[] = "steps.skipped";
inline constexpr char kStepsRetried[] = "steps.retried";
inline constexpr char kStepsFailed[] = "steps.failed";
// LatencyHistogram: a completed attempt's execution time.
inline constexpr char kStepLatency[] = "latency.step";
// Model use, label = the model (or the step's actor, e.g. "ai:extract", when it names none).
// Kept per step and, summed over the steps, at run level (step "") too.
inline constexpr char kModelCalls[] = "model.calls";
inline constexpr char kInputTokens[] = "model.tokens.input";
inline constexpr char kOutputTokens[] = "model.tokens.output";

}  // namespace measure
}  // namespace flowline::monitor
