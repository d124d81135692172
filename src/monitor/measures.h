// The measures of a workflow over a period, per time bucket and in total, computed from the
// stored buckets (docs/measures.md defines every figure). This is what the dashboard's HTTP API
// (`GET /api/v1/workflows/{name}/measures`) and `flowline report` show.
//
// Counts, rates, percentiles and accuracies come from the buckets as stored. Cost and time
// saved are computed here, at reading time, from the price table and the versions' manual
// minutes: a corrected price or manual time applies to the past without re-folding anything.
// Each time bucket is costed at the prices in effect at its start.
//
// Thread-safety: ComputeMeasures is a pure function of the store's contents and its arguments.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "monitor/latency_histogram.h"
#include "monitor/prices.h"
#include "monitor/wilson.h"
#include "store/store.h"

namespace flowline::monitor {

// The most buckets one query may span.
inline constexpr int64_t kMaxBuckets = 2000;

struct MeasuresQuery {
  std::string workflow;
  int64_t granularity_s = 3600;        // kMinute, kHour or kDay
  absl::Time from;                     // aligned down to the granularity
  absl::Time until;                    // exclusive; aligned up to the granularity
  std::optional<std::string> version;  // unset: every version
  std::optional<std::string> step;     // set: each bucket also has this step's figures
};

struct MeasuresContext {
  // The price table, or null: then costs are not computed.
  const PriceTable* prices = nullptr;
  // A version's manual_minutes (its spec's), or nullopt when its spec states none. May be empty:
  // then time saved is not computed.
  std::function<std::optional<double>(const std::string& version)> manual_minutes;
  // The order to list steps in (the live version's plan); steps not in it follow by name.
  std::vector<std::string> step_order;
};

struct LatencyFigures {
  int64_t count = 0;
  double mean = 0, p50 = 0, p90 = 0, p99 = 0;  // seconds; meaningless when count is 0
};

struct ModelUse {
  int64_t calls = 0;
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
};

// A step's figures over a bucket or the period.
struct StepFigures {
  std::string step;
  int64_t completed = 0, skipped = 0, retried = 0, failed = 0;
  LatencyFigures latency;
  ModelUse model;
  std::optional<double> model_cost;  // null without a price table
};

// Everything shown for one bucket or for the whole period.
struct Figures {
  absl::Time start;  // the bucket's start (the period's start for totals)
  int64_t started = 0, completed = 0, failed = 0, rejected = 0, automated = 0;
  int64_t finished() const { return completed + failed + rejected; }
  std::optional<double> straight_through_rate;  // automated / finished
  int64_t tasks_opened = 0, escalated = 0;
  std::map<std::string, int64_t> exceptions;  // tasks by reason kind
  // People's decisions: made from a claim (working time measured) or without one.
  int64_t decisions_claimed = 0, decisions_unclaimed = 0;
  double working_minutes = 0;          // measured + estimated for unclaimed decisions (docs)
  LatencyFigures working, turnaround;  // seconds
  // Accuracy: successes are correct fields/cases.
  Proportion reviewed_fields, reviewed_cases, audit_fields, audit_cases;
  LatencyFigures run_latency, automated_latency;
  ModelUse model;
  std::optional<double> model_cost, human_cost, total_cost;
  std::vector<std::string> unpriced_models;  // used but not in the price table
  std::optional<double> time_saved_minutes;
  std::optional<StepFigures> step;  // MeasuresQuery::step
};

struct MeasureReport {
  MeasuresQuery query;           // from/until as aligned
  std::string currency;          // "" without a price table
  std::vector<Figures> buckets;  // every bucket of the period, empty ones included
  Figures totals;
  std::vector<StepFigures> steps;  // per step over the period, in MeasuresContext::step_order
  std::vector<std::string> notes;  // caveats worth saying (no prices, no manual minutes, ...)
};

// Reads the buckets and computes the report. InvalidArgument for a bad query (no workflow, a
// granularity other than minute/hour/day, from not before until, more than kMaxBuckets
// buckets); the store's errors otherwise.
absl::StatusOr<MeasureReport> ComputeMeasures(store::Store& store, const MeasuresQuery& query,
                                              const MeasuresContext& context);

// The report as the HTTP API returns it (docs/api.md).
Json MeasureReportJson(const MeasureReport& report);

// RFC 3339 UTC ("2024-05-01T10:00:00Z").
std::string FormatUtc(absl::Time time);

}  // namespace flowline::monitor
