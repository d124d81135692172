#include "monitor/measures.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "monitor/measure_names.h"

namespace flowline::monitor {
namespace {

struct Cell {
  int64_t count = 0;
  double sum = 0;
  void Add(int64_t c, double s) {
    count += c;
    sum += s;
  }
};

bool IsHistogram(const std::string& measure) {
  return measure == measure::kRunLatency || measure == measure::kAutomatedLatency ||
         measure == measure::kWorking || measure == measure::kTurnaround ||
         measure == measure::kStepLatency;
}

void MergeModels(const std::map<std::string, ModelUse>& from, std::map<std::string, ModelUse>& to) {
  for (const auto& [model, use] : from) {
    ModelUse& mine = to[model];
    mine.calls += use.calls;
    mine.input_tokens += use.input_tokens;
    mine.output_tokens += use.output_tokens;
  }
}

// Adds a model-use row to `models`; false for any other measure.
bool AddModelUse(const store::MeasureBucket& row, std::map<std::string, ModelUse>& models) {
  if (row.measure == measure::kModelCalls) {
    models[row.label].calls += row.count;
  } else if (row.measure == measure::kInputTokens) {
    models[row.label].input_tokens += row.count;
  } else if (row.measure == measure::kOutputTokens) {
    models[row.label].output_tokens += row.count;
  } else {
    return false;
  }
  return true;
}

struct StepTally {
  std::map<std::string, Cell> counters;
  LatencyHistogram latency;
  std::map<std::string, ModelUse> models;

  // A row of this step.
  void Add(const store::MeasureBucket& row) {
    if (row.measure == measure::kStepLatency) {
      latency.Add(row.label, row.count, row.sum);
    } else if (!AddModelUse(row, models)) {
      counters[row.measure].Add(row.count, row.sum);
    }
  }

  void Merge(const StepTally& other) {
    for (const auto& [name, cell] : other.counters) counters[name].Add(cell.count, cell.sum);
    latency.Merge(other.latency);
    MergeModels(other.models, models);
  }
};

// The raw sums of one bucket (or of a period): the stored rows, merged.
struct Tally {
  std::map<std::string, std::map<std::string, Cell>> counters;  // measure → label → cell
  std::map<std::string, LatencyHistogram> histograms;
  std::map<std::string, int64_t> automated_by_version;
  std::map<std::string, ModelUse> models;  // the run-level sums over the steps
  std::map<std::string, StepTally> steps;

  void Add(const store::MeasureBucket& row) {
    if (row.step.empty() && AddModelUse(row, models)) return;
    if (!row.step.empty()) {
      steps[row.step].Add(row);
      return;
    }
    if (IsHistogram(row.measure)) {
      histograms[row.measure].Add(row.label, row.count, row.sum);
      return;
    }
    counters[row.measure][row.label].Add(row.count, row.sum);
    if (row.measure == measure::kRunsAutomated) automated_by_version[row.version] += row.count;
  }

  void Merge(const Tally& other) {
    for (const auto& [name, labels] : other.counters) {
      for (const auto& [label, cell] : labels) counters[name][label].Add(cell.count, cell.sum);
    }
    for (const auto& [name, histogram] : other.histograms) histograms[name].Merge(histogram);
    for (const auto& [version, n] : other.automated_by_version) automated_by_version[version] += n;
    MergeModels(other.models, models);
    for (const auto& [name, step] : other.steps) steps[name].Merge(step);
  }

  Cell Get(const char* measure, const std::string& label = "") const {
    auto it = counters.find(measure);
    if (it == counters.end()) return {};
    auto cell = it->second.find(label);
    return cell == it->second.end() ? Cell{} : cell->second;
  }

  const LatencyHistogram& Hist(const char* measure) const {
    static const LatencyHistogram kEmpty;
    auto it = histograms.find(measure);
    return it == histograms.end() ? kEmpty : it->second;
  }
};

LatencyFigures Latency(const LatencyHistogram& histogram) {
  LatencyFigures f;
  f.count = histogram.count();
  if (f.count == 0) return f;
  f.mean = histogram.Mean();
  f.p50 = histogram.Quantile(0.5);
  f.p90 = histogram.Quantile(0.9);
  f.p99 = histogram.Quantile(0.99);
  return f;
}

// Reviewed `count`, of which `sum` were wrong → the share that was right.
Proportion Accuracy(const Cell& cell) {
  const int64_t wrong = std::clamp<int64_t>(static_cast<int64_t>(cell.sum + 0.5), 0, cell.count);
  return WilsonInterval(cell.count - wrong, cell.count);
}

// Model cost of `models` at prices in effect at `at`; unpriced models are added to `unpriced`.
double ModelCost(const std::map<std::string, ModelUse>& models, const PriceTable& prices,
                 absl::Time at, std::set<std::string>& unpriced) {
  double cost = 0;
  for (const auto& [model, use] : models) {
    const ModelPrice* price = prices.Model(model, at);
    if (price == nullptr) {
      unpriced.insert(model);
      continue;
    }
    cost += static_cast<double>(use.calls) * price->per_call +
            static_cast<double>(use.input_tokens) / 1e6 * price->input_per_million_tokens +
            static_cast<double>(use.output_tokens) / 1e6 * price->output_per_million_tokens;
  }
  return cost;
}

StepFigures StepOf(const std::string& name, const StepTally& tally, const PriceTable* prices,
                   absl::Time at, std::set<std::string>& unpriced) {
  StepFigures f;
  f.step = name;
  auto count = [&](const char* measure) {
    auto it = tally.counters.find(measure);
    return it == tally.counters.end() ? int64_t{0} : it->second.count;
  };
  f.completed = count(measure::kStepsCompleted);
  f.skipped = count(measure::kStepsSkipped);
  f.retried = count(measure::kStepsRetried);
  f.failed = count(measure::kStepsFailed);
  f.latency = Latency(tally.latency);
  for (const auto& [model, use] : tally.models) {
    f.model.calls += use.calls;
    f.model.input_tokens += use.input_tokens;
    f.model.output_tokens += use.output_tokens;
  }
  if (prices != nullptr) f.model_cost = ModelCost(tally.models, *prices, at, unpriced);
  return f;
}

// What the period needs to say besides the figures; filled while computing.
struct Caveats {
  std::set<std::string> unpriced;
  bool no_hourly_rate = false;
  std::set<std::string> versions_without_manual;
  bool any_manual = false;
  // The period's mean working time per claimed decision (unset without one).
  std::optional<double> unclaimed_estimate_s;
};

Figures Compute(const Tally& t, absl::Time start, const MeasuresQuery& query,
                const MeasuresContext& context, Caveats& caveats) {
  Figures f;
  f.start = start;
  f.started = t.Get(measure::kRunsStarted).count;
  f.completed = t.Get(measure::kRunsCompleted).count;
  f.failed = t.Get(measure::kRunsFailed).count;
  f.rejected = t.Get(measure::kRunsRejected).count;
  f.automated = t.Get(measure::kRunsAutomated).count;
  if (f.finished() > 0) {
    f.straight_through_rate = static_cast<double>(f.automated) / static_cast<double>(f.finished());
  }
  f.tasks_opened = t.Get(measure::kTasksOpened).count;
  f.escalated = t.Get(measure::kTasksEscalated).count;
  if (auto it = t.counters.find(measure::kExceptions); it != t.counters.end()) {
    for (const auto& [reason, cell] : it->second) f.exceptions[reason] = cell.count;
  }

  const LatencyHistogram& working = t.Hist(measure::kWorking);
  const Cell unclaimed = t.Get(measure::kUnclaimed);
  f.decisions_claimed = working.count();
  f.decisions_unclaimed = unclaimed.count;
  // A decision made without a claim took, we estimate, as long as the claimed ones of the whole
  // period did on average (the same estimate in every bucket, so buckets add up to the period);
  // with no claimed decision to go by, as long as the task was open (an upper bound).
  double working_s = working.sum();
  if (unclaimed.count > 0) {
    working_s += caveats.unclaimed_estimate_s.has_value()
                     ? static_cast<double>(unclaimed.count) * *caveats.unclaimed_estimate_s
                     : unclaimed.sum;
  }
  f.working_minutes = working_s / 60;
  f.working = Latency(working);
  f.turnaround = Latency(t.Hist(measure::kTurnaround));

  f.reviewed_fields = Accuracy(t.Get(measure::kFields, measure::kAll));
  f.reviewed_cases = Accuracy(t.Get(measure::kCases, measure::kAll));
  f.audit_fields = Accuracy(t.Get(measure::kFields, measure::kAudit));
  f.audit_cases = Accuracy(t.Get(measure::kCases, measure::kAudit));
  f.run_latency = Latency(t.Hist(measure::kRunLatency));
  f.automated_latency = Latency(t.Hist(measure::kAutomatedLatency));

  const std::map<std::string, ModelUse>& models = t.models;
  for (const auto& [model, use] : models) {
    f.model.calls += use.calls;
    f.model.input_tokens += use.input_tokens;
    f.model.output_tokens += use.output_tokens;
  }
  if (context.prices != nullptr) {
    std::set<std::string> unpriced;
    f.model_cost = ModelCost(models, *context.prices, start, unpriced);
    f.unpriced_models.assign(unpriced.begin(), unpriced.end());
    caveats.unpriced.insert(unpriced.begin(), unpriced.end());
    if (std::optional<double> rate = context.prices->HourlyRate(start)) {
      f.human_cost = f.working_minutes / 60 * *rate;
    } else if (f.working_minutes > 0) {
      caveats.no_hourly_rate = true;
    }
    f.total_cost = *f.model_cost + f.human_cost.value_or(0);
  }

  if (caveats.any_manual) {
    double saved = 0;
    for (const auto& [version, automated] : t.automated_by_version) {
      saved += context.manual_minutes(version).value_or(0) * static_cast<double>(automated);
    }
    f.time_saved_minutes = saved - f.working_minutes;
  }

  if (query.step.has_value()) {
    auto it = t.steps.find(*query.step);
    std::set<std::string> ignored;
    f.step = StepOf(*query.step, it == t.steps.end() ? StepTally{} : it->second, context.prices,
                    start, ignored);
  }
  return f;
}

// [from, until) (aligned to `granularity_s`) as pieces of the coarsest granularity that fits:
// whole days as day buckets, the hours around them as hour buckets, the minutes around those as
// minute buckets. The granularities hold the same records, so the pieces add up to the period.
std::vector<std::tuple<int64_t, absl::Time, absl::Time>> Tile(absl::Time from, absl::Time until,
                                                              int64_t granularity_s) {
  const int64_t coarser = granularity_s == kMinute ? kHour : granularity_s == kHour ? kDay : 0;
  if (coarser == 0) return {{granularity_s, from, until}};
  absl::Time inner_from = BucketStart(from, coarser);
  if (inner_from < from) inner_from += absl::Seconds(coarser);
  const absl::Time inner_until = BucketStart(until, coarser);
  if (inner_from >= inner_until) return {{granularity_s, from, until}};
  std::vector<std::tuple<int64_t, absl::Time, absl::Time>> pieces;
  if (from < inner_from) pieces.emplace_back(granularity_s, from, inner_from);
  for (const auto& piece : Tile(inner_from, inner_until, coarser)) pieces.push_back(piece);
  if (inner_until < until) pieces.emplace_back(granularity_s, inner_until, until);
  return pieces;
}

absl::Status Validate(const MeasuresQuery& query) {
  if (query.workflow.empty()) return absl::InvalidArgumentError("measures need a workflow");
  if (query.granularity_s != kMinute && query.granularity_s != kHour &&
      query.granularity_s != kDay) {
    return absl::InvalidArgumentError("granularity must be minute, hour or day");
  }
  if (query.from >= query.until) {
    return absl::InvalidArgumentError(absl::StrCat(
        "from (", FormatUtc(query.from), ") must be before until (", FormatUtc(query.until), ")"));
  }
  const int64_t buckets = absl::ToInt64Seconds(query.until - query.from) / query.granularity_s;
  if (buckets > kMaxBuckets) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the period spans ", buckets, " ", GranularityName(query.granularity_s),
        " buckets; at most ", kMaxBuckets, " fit in one request: shorten it or use a coarser ",
        "granularity (minute < hour < day)"));
  }
  return absl::OkStatus();
}

Json Optional(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

Json LatencyJson(const LatencyFigures& f) {
  if (f.count == 0) {
    return Json{
        {"count", 0}, {"mean", nullptr}, {"p50", nullptr}, {"p90", nullptr}, {"p99", nullptr}};
  }
  return Json{{"count", f.count}, {"mean", f.mean}, {"p50", f.p50}, {"p90", f.p90}, {"p99", f.p99}};
}

Json ProportionJson(const Proportion& p) {
  if (p.trials == 0) {
    return Json{
        {"n", 0}, {"correct", 0}, {"accuracy", nullptr}, {"low", nullptr}, {"high", nullptr}};
  }
  return Json{{"n", p.trials},
              {"correct", p.successes},
              {"accuracy", p.estimate},
              {"low", p.low},
              {"high", p.high}};
}

Json ModelJson(const ModelUse& use) {
  return Json{{"calls", use.calls},
              {"input_tokens", use.input_tokens},
              {"output_tokens", use.output_tokens}};
}

Json StepJson(const StepFigures& s) {
  return Json{{"step", s.step},
              {"completed", s.completed},
              {"skipped", s.skipped},
              {"retried", s.retried},
              {"failed", s.failed},
              {"latency_seconds", LatencyJson(s.latency)},
              {"model", ModelJson(s.model)},
              {"model_cost", Optional(s.model_cost)}};
}

Json FiguresJson(const Figures& f, bool with_start) {
  Json json = Json::object();
  if (with_start) json["start"] = FormatUtc(f.start);
  json["runs"] = {{"started", f.started},   {"completed", f.completed}, {"failed", f.failed},
                  {"rejected", f.rejected}, {"finished", f.finished()}, {"automated", f.automated}};
  json["straight_through_rate"] = Optional(f.straight_through_rate);
  Json reasons = Json::object();
  for (const auto& [reason, n] : f.exceptions) reasons[reason] = n;
  json["exceptions"] = {
      {"tasks", f.tasks_opened}, {"escalated", f.escalated}, {"by_reason", std::move(reasons)}};
  json["handling"] = {{"decisions", f.decisions_claimed + f.decisions_unclaimed},
                      {"claimed", f.decisions_claimed},
                      {"unclaimed", f.decisions_unclaimed},
                      {"working_minutes", f.working_minutes},
                      {"working_seconds", LatencyJson(f.working)},
                      {"turnaround_seconds", LatencyJson(f.turnaround)}};
  json["accuracy"] = {{"reviewed_fields", ProportionJson(f.reviewed_fields)},
                      {"reviewed_cases", ProportionJson(f.reviewed_cases)},
                      {"audit_fields", ProportionJson(f.audit_fields)},
                      {"audit_cases", ProportionJson(f.audit_cases)}};
  json["latency_seconds"] = {{"run", LatencyJson(f.run_latency)},
                             {"automated", LatencyJson(f.automated_latency)}};
  json["model"] = ModelJson(f.model);
  if (f.model_cost.has_value()) {
    json["cost"] = {{"model", *f.model_cost},
                    {"human", Optional(f.human_cost)},
                    {"total", Optional(f.total_cost)},
                    {"unpriced_models", f.unpriced_models}};
  } else {
    json["cost"] = nullptr;
  }
  json["time_saved_minutes"] = Optional(f.time_saved_minutes);
  if (f.step.has_value()) json["step"] = StepJson(*f.step);
  return json;
}

}  // namespace

std::string FormatUtc(absl::Time time) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", time, absl::UTCTimeZone());
}

absl::StatusOr<MeasureReport> ComputeMeasures(store::Store& store, const MeasuresQuery& query,
                                              const MeasuresContext& context) {
  MeasureReport report;
  report.query = query;
  if (query.granularity_s > 0) {
    report.query.from = BucketStart(query.from, query.granularity_s);
    report.query.until = BucketEnd(query.until, query.granularity_s);
  }
  RETURN_IF_ERROR(Validate(report.query));
  const MeasuresQuery& q = report.query;
  if (context.prices != nullptr) report.currency = context.prices->currency();

  store::MeasureFilter filter;
  filter.workflow = q.workflow;
  filter.granularity_s = q.granularity_s;
  filter.from = q.from;
  filter.until = q.until;
  filter.version = q.version;
  // The series: run-level rows (and the asked-for step's), one tally per bucket.
  filter.step = "";
  ASSIGN_OR_RETURN(std::vector<store::MeasureBucket> rows, store.ListMeasures(filter));
  if (q.step.has_value()) {
    filter.step = q.step;
    ASSIGN_OR_RETURN(std::vector<store::MeasureBucket> step_rows, store.ListMeasures(filter));
    rows.insert(rows.end(), std::make_move_iterator(step_rows.begin()),
                std::make_move_iterator(step_rows.end()));
  }
  std::map<absl::Time, Tally> tallies;
  for (const store::MeasureBucket& row : rows) tallies[row.start].Add(row);

  // Every step over the period, from the coarsest buckets that tile it: a month by hour reads
  // its whole days from day buckets, not 720 hours of every step.
  std::map<std::string, StepTally> step_totals;
  std::map<std::string, double> step_costs;
  std::set<std::string> unpriced;
  for (const auto& [granularity, from, until] : Tile(q.from, q.until, q.granularity_s)) {
    store::MeasureFilter piece = filter;
    piece.granularity_s = granularity;
    piece.from = from;
    piece.until = until;
    piece.step.reset();
    ASSIGN_OR_RETURN(std::vector<store::MeasureBucket> piece_rows, store.ListMeasures(piece));
    std::map<std::pair<absl::Time, std::string>, StepTally> by_bucket;
    for (const store::MeasureBucket& row : piece_rows) {
      if (!row.step.empty()) by_bucket[{row.start, row.step}].Add(row);
    }
    for (const auto& [key, tally] : by_bucket) {
      step_totals[key.second].Merge(tally);
      if (context.prices != nullptr) {
        step_costs[key.second] += ModelCost(tally.models, *context.prices, key.first, unpriced);
      }
    }
  }
  // The plan's order first, then any other step (of another version) by name.
  std::set<std::string> seen_steps;
  for (const auto& [name, tally] : step_totals) seen_steps.insert(name);
  std::vector<std::string> step_order;
  for (const std::string& step : context.step_order) {
    if (seen_steps.erase(step) > 0) step_order.push_back(step);
  }
  step_order.insert(step_order.end(), seen_steps.begin(), seen_steps.end());

  Caveats caveats;
  caveats.unpriced = unpriced;
  if (context.manual_minutes) {
    std::set<std::string> versions;
    for (const store::MeasureBucket& row : rows) versions.insert(row.version);
    for (const std::string& version : versions) {
      if (context.manual_minutes(version).has_value()) {
        caveats.any_manual = true;
      } else {
        caveats.versions_without_manual.insert(version);
      }
    }
  }
  Tally period;
  for (const auto& [start, tally] : tallies) period.Merge(tally);
  if (const LatencyHistogram& working = period.Hist(measure::kWorking); working.count() > 0) {
    caveats.unclaimed_estimate_s = working.Mean();
  }
  double working_minutes = 0, model_cost = 0, human_cost = 0, time_saved = 0;
  bool human_cost_known = false;
  static const Tally kEmpty;
  for (absl::Time start = q.from; start < q.until; start += absl::Seconds(q.granularity_s)) {
    auto it = tallies.find(start);
    const Tally& tally = it == tallies.end() ? kEmpty : it->second;
    Figures figures = Compute(tally, start, q, context, caveats);
    working_minutes += figures.working_minutes;
    model_cost += figures.model_cost.value_or(0);
    if (figures.human_cost.has_value()) {
      human_cost += *figures.human_cost;
      human_cost_known = true;
    }
    time_saved += figures.time_saved_minutes.value_or(0);
    report.buckets.push_back(std::move(figures));
  }

  // The period: counts, rates and percentiles from all its rows at once; money and minutes as
  // the sum of its buckets (each bucket is costed at the prices of its own time).
  report.totals = Compute(period, q.from, q, context, caveats);
  report.totals.working_minutes = working_minutes;
  if (context.prices != nullptr) {
    report.totals.model_cost = model_cost;
    report.totals.human_cost = human_cost_known ? std::optional<double>(human_cost) : std::nullopt;
    report.totals.total_cost = model_cost + human_cost;
  }
  if (caveats.any_manual) report.totals.time_saved_minutes = time_saved;
  for (const std::string& name : step_order) {
    std::set<std::string> ignored;
    StepFigures step = StepOf(name, step_totals[name], nullptr, q.from, ignored);
    if (context.prices != nullptr) step.model_cost = step_costs[name];
    report.steps.push_back(std::move(step));
  }

  if (context.prices == nullptr) {
    report.notes.push_back(
        "no price table: costs are not computed (give `flowline serve` or `flowline report` "
        "--prices FILE; docs/measures.md)");
  } else {
    if (!caveats.unpriced.empty()) {
      report.notes.push_back(absl::StrCat("not in the price table, so not costed: ",
                                          absl::StrJoin(caveats.unpriced, ", ")));
    }
    if (caveats.no_hourly_rate) {
      report.notes.push_back(
          "the price table has no hourly rate for people in this period: human cost is left out");
    }
  }
  if (rows.empty()) {
    report.notes.push_back("no measures in this period (is the rollup running? docs/measures.md)");
  } else if (!caveats.any_manual) {
    report.notes.push_back(
        "time saved is not computed: the workflow's spec states no manual_minutes");
  } else if (!caveats.versions_without_manual.empty()) {
    std::vector<std::string> short_versions;
    for (const std::string& v : caveats.versions_without_manual) {
      short_versions.push_back(v.substr(0, 12));
    }
    report.notes.push_back(absl::StrCat("versions without manual_minutes count no time saved: ",
                                        absl::StrJoin(short_versions, ", ")));
  }
  if (report.totals.decisions_unclaimed > 0) {
    report.notes.push_back(
        absl::StrCat(report.totals.decisions_unclaimed == 1
                         ? "1 decision was"
                         : absl::StrCat(report.totals.decisions_unclaimed, " decisions were"),
                     " made without claiming the task first: their working time is estimated "
                     "(docs/measures.md)"));
  }
  return report;
}

Json MeasureReportJson(const MeasureReport& report) {
  const MeasuresQuery& q = report.query;
  Json json = {{"workflow", q.workflow},
               {"granularity", GranularityName(q.granularity_s)},
               {"from", FormatUtc(q.from)},
               {"until", FormatUtc(q.until)},
               {"version", q.version ? Json(*q.version) : Json(nullptr)},
               {"step", q.step ? Json(*q.step) : Json(nullptr)},
               {"currency", report.currency.empty() ? Json(nullptr) : Json(report.currency)}};
  Json buckets = Json::array();
  for (const Figures& figures : report.buckets) buckets.push_back(FiguresJson(figures, true));
  json["buckets"] = std::move(buckets);
  json["totals"] = FiguresJson(report.totals, false);
  Json steps = Json::array();
  for (const StepFigures& step : report.steps) steps.push_back(StepJson(step));
  json["steps"] = std::move(steps);
  json["notes"] = report.notes;
  return json;
}

}  // namespace flowline::monitor
