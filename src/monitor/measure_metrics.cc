#include "monitor/measure_metrics.h"

#include <map>
#include <string>
#include <utility>

#include "common/status_macros.h"
#include "monitor/latency_histogram.h"
#include "monitor/measure_names.h"

namespace flowline::monitor {
namespace {

// A counter family: its help, and its value per label set (summed, so versions that share a
// short prefix cannot give two samples with the same labels).
struct CounterFamily {
  const char* help;
  std::map<MetricLabels, double> values;
};

struct HistogramFamily {
  const char* help;
  std::map<MetricLabels, LatencyHistogram> values;
};

// What each stored total becomes: a counter family, its extra label (from the bucket's label
// or a fixed value), and whether the bucket's sum (not its count) is the value.
struct CounterMapping {
  const char* measure;
  const char* family;
  const char* extra_label;  // nullptr: none
  const char* extra_value;  // nullptr: the bucket's label
  bool use_sum;
  bool step_level;
};

constexpr CounterMapping kCounters[] = {
    {measure::kRunsStarted, "flowline_runs_started_total", nullptr, nullptr, false, false},
    {measure::kRunsCompleted, "flowline_runs_finished_total", "status", "completed", false, false},
    {measure::kRunsFailed, "flowline_runs_finished_total", "status", "failed", false, false},
    {measure::kRunsRejected, "flowline_runs_finished_total", "status", "rejected", false, false},
    {measure::kRunsAutomated, "flowline_runs_straight_through_total", nullptr, nullptr, false,
     false},
    {measure::kTasksOpened, "flowline_tasks_opened_total", nullptr, nullptr, false, false},
    {measure::kExceptions, "flowline_exceptions_total", "reason", nullptr, false, false},
    {measure::kTasksEscalated, "flowline_tasks_escalated_total", nullptr, nullptr, false, false},
    {measure::kUnclaimed, "flowline_decisions_unclaimed_total", nullptr, nullptr, false, false},
    {measure::kFields, "flowline_reviewed_fields_total", "sample", nullptr, false, false},
    {measure::kFields, "flowline_corrected_fields_total", "sample", nullptr, true, false},
    {measure::kCases, "flowline_reviewed_cases_total", "sample", nullptr, false, false},
    {measure::kCases, "flowline_wrong_cases_total", "sample", nullptr, true, false},
    {measure::kStepsCompleted, "flowline_step_executions_total", "outcome", "completed", false,
     true},
    {measure::kStepsSkipped, "flowline_step_executions_total", "outcome", "skipped", false, true},
    {measure::kStepsRetried, "flowline_step_executions_total", "outcome", "retried", false, true},
    {measure::kStepsFailed, "flowline_step_executions_total", "outcome", "failed", false, true},
    {measure::kModelCalls, "flowline_model_calls_total", "model", nullptr, false, true},
    {measure::kInputTokens, "flowline_model_tokens_total", "model", nullptr, false, true},
    {measure::kOutputTokens, "flowline_model_tokens_total", "model", nullptr, false, true},
};

struct HistogramMapping {
  const char* measure;
  const char* family;
  bool step_level;
};

constexpr HistogramMapping kHistograms[] = {
    {measure::kRunLatency, "flowline_run_duration_seconds", false},
    {measure::kAutomatedLatency, "flowline_straight_through_run_duration_seconds", false},
    {measure::kStepLatency, "flowline_step_duration_seconds", true},
    {measure::kWorking, "flowline_task_working_seconds", false},
    {measure::kTurnaround, "flowline_task_turnaround_seconds", false},
};

const std::map<std::string, const char*>& Help() {
  static const auto* help = new std::map<std::string, const char*>{
      {"flowline_runs_started_total", "Runs started."},
      {"flowline_runs_finished_total", "Runs finished, by status."},
      {"flowline_runs_straight_through_total", "Runs completed without any person deciding."},
      {"flowline_tasks_opened_total", "Tasks opened for people."},
      {"flowline_exceptions_total",
       "Tasks opened, by the kind of reason (a task with several kinds counts under each)."},
      {"flowline_tasks_escalated_total", "Tasks moved to their escalation queue past their SLA."},
      {"flowline_decisions_unclaimed_total",
       "People's decisions made without claiming the task first (working time not measured)."},
      {"flowline_reviewed_fields_total", "AI-extracted fields people reviewed, by sample."},
      {"flowline_corrected_fields_total", "Reviewed fields people changed, by sample."},
      {"flowline_reviewed_cases_total", "Cases people reviewed, by sample."},
      {"flowline_wrong_cases_total", "Reviewed cases with a changed field or rejected, by sample."},
      {"flowline_step_executions_total", "Step attempts, by outcome."},
      {"flowline_model_calls_total", "Model calls of AI steps, by model."},
      {"flowline_model_tokens_total", "Model tokens of AI steps, by model and direction."},
      {"flowline_run_duration_seconds", "Run latency: created to finished."},
      {"flowline_straight_through_run_duration_seconds",
       "Latency of runs completed without a person."},
      {"flowline_step_duration_seconds", "Execution time of a completed step attempt."},
      {"flowline_task_working_seconds", "A person's working time: claim to decision."},
      {"flowline_task_turnaround_seconds", "Task turnaround: opened to resolved."},
  };
  return *help;
}

}  // namespace

std::string ShortVersion(const std::string& version) { return version.substr(0, 12); }

MeasureMetrics::MeasureMetrics(store::Store& store, const common::Clock& clock)
    : store_(store), clock_(clock) {}

absl::Status MeasureMetrics::Collect(PrometheusWriter& out) {
  ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> workflows, store_.ListWorkflows());
  std::map<std::string, CounterFamily> counters;
  std::map<std::string, HistogramFamily> histograms;
  for (const store::WorkflowInfo& workflow : workflows) {
    store::MeasureFilter filter;
    filter.workflow = workflow.workflow;
    filter.granularity_s = kTotal;
    ASSIGN_OR_RETURN(std::vector<store::MeasureBucket> totals, store_.ListMeasures(filter));
    for (const store::MeasureBucket& row : totals) {
      MetricLabels labels = {{"workflow", row.workflow}, {"version", ShortVersion(row.version)}};
      if (!row.step.empty()) labels.emplace_back("step", row.step);
      for (const CounterMapping& m : kCounters) {
        if (row.measure != m.measure || row.step.empty() == m.step_level) continue;
        MetricLabels with = labels;
        if (m.extra_label != nullptr) {
          with.emplace_back(m.extra_label, m.extra_value != nullptr ? m.extra_value : row.label);
        }
        if (row.measure == measure::kInputTokens) with.emplace_back("direction", "input");
        if (row.measure == measure::kOutputTokens) with.emplace_back("direction", "output");
        counters[m.family].values[with] += m.use_sum ? row.sum : static_cast<double>(row.count);
      }
      for (const HistogramMapping& m : kHistograms) {
        if (row.measure != m.measure || row.step.empty() == m.step_level) continue;
        histograms[m.family].values[labels].Add(row.label, row.count, row.sum);
      }
    }
  }
  const auto& help = Help();
  // Families with no sample yet are still announced, so dashboards and alerts can rely on them.
  for (const CounterMapping& m : kCounters) counters[m.family];
  for (const HistogramMapping& m : kHistograms) histograms[m.family];
  for (const auto& [family, values] : counters) {
    out.Family(family, "counter", help.at(family));
    for (const auto& [labels, value] : values.values) out.Sample(family, labels, value);
  }
  for (const auto& [family, values] : histograms) {
    out.Family(family, "histogram", help.at(family));
    for (const auto& [labels, histogram] : values.values) {
      out.HistogramSamples(family, labels, histogram);
    }
  }

  ASSIGN_OR_RETURN(std::vector<store::QueueCounts> queues, store_.CountTasks(clock_.Now()));
  out.Family("flowline_tasks", "gauge", "Unresolved tasks per queue: open, claimed, overdue.");
  for (const store::QueueCounts& queue : queues) {
    out.Sample("flowline_tasks", {{"queue", queue.queue}, {"state", "open"}},
               static_cast<double>(queue.open));
    out.Sample("flowline_tasks", {{"queue", queue.queue}, {"state", "claimed"}},
               static_cast<double>(queue.claimed));
    out.Sample("flowline_tasks", {{"queue", queue.queue}, {"state", "overdue"}},
               static_cast<double>(queue.overdue));
  }
  out.Family("flowline_workflow_paused", "gauge",
             "1 while the workflow's stop switch is on, else 0.");
  for (const store::WorkflowInfo& workflow : workflows) {
    out.Sample("flowline_workflow_paused", {{"workflow", workflow.workflow}},
               workflow.paused ? 1 : 0);
  }
  ASSIGN_OR_RETURN(int64_t cursor, store_.GetMeasureCursor());
  out.Family("flowline_measures_cursor", "gauge",
             "The seq of the last decision record folded into the measures.");
  out.Sample("flowline_measures_cursor", {}, static_cast<double>(cursor));
  return absl::OkStatus();
}

RollupMetrics::RollupMetrics(const RollupLoop& loop) : loop_(loop) {}

absl::Status RollupMetrics::Collect(PrometheusWriter& out) {
  const RollupLoop::Stats stats = loop_.stats();
  out.Family("flowline_measures_rollup_passes_total", "counter",
             "Passes of the measures rollup in this process.");
  out.Sample("flowline_measures_rollup_passes_total", {}, static_cast<double>(stats.passes));
  out.Family("flowline_measures_rollup_failures_total", "counter",
             "Passes of the measures rollup that failed (retried at the next interval).");
  out.Sample("flowline_measures_rollup_failures_total", {},
             static_cast<double>(stats.failed_passes));
  out.Family("flowline_measures_rollup_records_total", "counter",
             "Decision records this process folded into the measures.");
  out.Sample("flowline_measures_rollup_records_total", {}, static_cast<double>(stats.records));
  out.Family("flowline_measures_rollup_last_success_timestamp_seconds", "gauge",
             "When the measures rollup last caught up (Unix seconds; 0: not yet).");
  out.Sample("flowline_measures_rollup_last_success_timestamp_seconds", {},
             stats.last_success == absl::InfinitePast()
                 ? 0
                 : absl::ToDoubleSeconds(stats.last_success - absl::UnixEpoch()));
  return absl::OkStatus();
}

}  // namespace flowline::monitor
