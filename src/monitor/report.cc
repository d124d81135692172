#include "monitor/report.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/html.h"
#include "monitor/measure_names.h"
#include "monitor/svg_chart.h"

namespace flowline::monitor {

using common::HtmlEscape;

namespace {

// Thousands separated: 1,234,567.
std::string Count(int64_t n) {
  std::string digits = absl::StrCat(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return n < 0 ? "-" + out : out;
}

std::string Percent(double share) { return absl::StrFormat("%.1f%%", share * 100); }

std::string Rate(const std::optional<double>& share) { return share ? Percent(*share) : "-"; }

// 1,234.50 EUR.
std::string Money(double amount, const std::string& currency) {
  const int64_t cents = std::llround(std::fabs(amount) * 100);
  return absl::StrFormat("%s%s.%02d %s", amount < 0 ? "-" : "", Count(cents / 100),
                         static_cast<int>(cents % 100), currency);
}

std::string AccuracyText(const Proportion& p, const char* what) {
  if (p.trials == 0) return "- (none reviewed)";
  return absl::StrCat(Percent(p.estimate), " (95% interval ", Percent(p.low), " to ",
                      Percent(p.high), ") of ", Count(p.trials), " ", what);
}

std::string LatencyText(const LatencyFigures& f) {
  if (f.count == 0) return "-";
  return absl::StrCat("p50 ", HumanDuration(f.p50), ", p90 ", HumanDuration(f.p90), ", p99 ",
                      HumanDuration(f.p99), " (", Count(f.count), ")");
}

std::string MinutesText(double minutes) {
  if (std::fabs(minutes) < 10) return absl::StrFormat("%.1f min", minutes);
  const double hours = minutes / 60;
  return absl::StrCat(
      Count(std::llround(minutes)), " min (",
      std::fabs(hours) < 100 ? absl::StrFormat("%.1f", hours) : Count(std::llround(hours)), " h)");
}

// The bucket's start as a short axis/table label for the granularity.
std::string BucketLabelText(absl::Time start, int64_t granularity_s) {
  const char* format = granularity_s >= kDay    ? "%Y-%m-%d"
                       : granularity_s >= kHour ? "%m-%d %H:00"
                                                : "%m-%d %H:%M";
  return absl::FormatTime(format, start, absl::UTCTimeZone());
}

std::string PeriodText(const MeasureReport& report) {
  const MeasuresQuery& q = report.query;
  return absl::StrCat(FormatUtc(q.from), " to ", FormatUtc(q.until), " (",
                      HumanDuration(absl::ToDoubleSeconds(q.until - q.from)), ", by ",
                      GranularityName(q.granularity_s), ")");
}

// Lines of "label   value" with the labels padded to one width.
class Section {
 public:
  explicit Section(std::string title) : title_(std::move(title)) {}
  void Add(std::string label, std::string value) {
    rows_.emplace_back(std::move(label), std::move(value));
  }
  void AppendTo(std::string& out) const {
    size_t width = 0;
    for (const auto& [label, value] : rows_) width = std::max(width, label.size());
    absl::StrAppend(&out, title_, "\n");
    for (const auto& [label, value] : rows_) {
      absl::StrAppend(&out, "  ", label, std::string(width - label.size() + 2, ' '), value, "\n");
    }
    out.push_back('\n');
  }
  std::string Html() const {
    std::string out = absl::StrCat("<h2>", HtmlEscape(title_), "</h2>\n<table class=\"summary\">");
    for (const auto& [label, value] : rows_) {
      absl::StrAppend(&out, "<tr><td>", HtmlEscape(label), "</td><td>", HtmlEscape(value),
                      "</td></tr>");
    }
    return out + "</table>\n";
  }

 private:
  std::string title_;
  std::vector<std::pair<std::string, std::string>> rows_;
};

// Columns padded to the widest cell; the first column left-aligned, the rest right-aligned.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = "  ";
    for (size_t i = 0; i < row.size(); ++i) {
      const std::string pad(widths[i] - row[i].size(), ' ');
      absl::StrAppend(&line, i == 0 ? row[i] + pad : pad + row[i], i + 1 < row.size() ? "  " : "");
    }
    absl::StrAppend(&out, line, "\n");
  }
  return out;
}

std::vector<Section> Summary(const MeasureReport& report) {
  const Figures& t = report.totals;
  std::vector<Section> sections;
  Section volume("Volume");
  volume.Add("runs started", Count(t.started));
  volume.Add("finished",
             absl::StrCat(Count(t.finished()), " (", Count(t.completed), " completed, ",
                          Count(t.failed), " failed, ", Count(t.rejected), " rejected)"));
  volume.Add("straight through", absl::StrCat(Count(t.automated), " of ", Count(t.finished()),
                                              " finished (", Rate(t.straight_through_rate), ")"));
  sections.push_back(std::move(volume));

  Section exceptions(absl::StrCat("Exceptions (tasks opened: ", Count(t.tasks_opened),
                                  ", escalated: ", Count(t.escalated), "), by reason"));
  std::vector<std::pair<int64_t, std::string>> reasons;
  for (const auto& [reason, n] : t.exceptions) reasons.emplace_back(-n, reason);
  std::sort(reasons.begin(), reasons.end());
  for (const auto& [n, reason] : reasons) exceptions.Add(reason, Count(-n));
  if (reasons.empty()) exceptions.Add("(none)", "");
  sections.push_back(std::move(exceptions));

  Section people("People");
  people.Add("decisions", absl::StrCat(Count(t.decisions_claimed + t.decisions_unclaimed), " (",
                                       Count(t.decisions_unclaimed), " without a claim)"));
  people.Add("working time", absl::StrCat(MinutesText(t.working_minutes), "; per decision ",
                                          LatencyText(t.working)));
  people.Add("turnaround", LatencyText(t.turnaround));
  sections.push_back(std::move(people));

  Section accuracy("Accuracy");
  accuracy.Add("reviewed fields", AccuracyText(t.reviewed_fields, "fields"));
  accuracy.Add("reviewed cases", AccuracyText(t.reviewed_cases, "cases"));
  accuracy.Add("audit sample, fields", AccuracyText(t.audit_fields, "fields"));
  accuracy.Add("audit sample, cases", AccuracyText(t.audit_cases, "cases"));
  sections.push_back(std::move(accuracy));

  Section latency("Latency");
  latency.Add("all runs", LatencyText(t.run_latency));
  latency.Add("straight through", LatencyText(t.automated_latency));
  sections.push_back(std::move(latency));

  Section money("Cost and time saved");
  if (t.model_cost.has_value()) {
    money.Add(
        "models",
        absl::StrCat(Money(*t.model_cost, report.currency), " (", Count(t.model.calls), " calls, ",
                     Count(t.model.input_tokens + t.model.output_tokens), " tokens)"));
    money.Add("people", t.human_cost ? Money(*t.human_cost, report.currency) : "-");
    money.Add("total", Money(t.total_cost.value_or(0), report.currency));
  } else {
    money.Add("cost", "- (no price table)");
  }
  money.Add("time saved", t.time_saved_minutes ? MinutesText(*t.time_saved_minutes) : "-");
  sections.push_back(std::move(money));
  return sections;
}

std::vector<std::vector<std::string>> StepRows(const MeasureReport& report) {
  std::vector<std::vector<std::string>> rows = {{"step", "completed", "skipped", "retried",
                                                 "failed", "p50", "p90", "p99", "model calls",
                                                 "model cost"}};
  for (const StepFigures& s : report.steps) {
    auto latency = [&](double v) { return s.latency.count > 0 ? HumanDuration(v) : "-"; };
    rows.push_back({s.step, Count(s.completed), Count(s.skipped), Count(s.retried), Count(s.failed),
                    latency(s.latency.p50), latency(s.latency.p90), latency(s.latency.p99),
                    Count(s.model.calls),
                    s.model_cost ? absl::StrFormat("%.2f", *s.model_cost) : "-"});
  }
  return rows;
}

std::vector<std::vector<std::string>> BucketRows(const MeasureReport& report) {
  std::vector<std::vector<std::string>> rows = {{GranularityName(report.query.granularity_s),
                                                 "started", "finished", "straight", "tasks",
                                                 "audit acc.", "p90 run", "cost", "saved min"}};
  for (const Figures& f : report.buckets) {
    rows.push_back({BucketLabelText(f.start, report.query.granularity_s), Count(f.started),
                    Count(f.finished()), Rate(f.straight_through_rate), Count(f.tasks_opened),
                    f.audit_cases.trials > 0 ? Percent(f.audit_cases.estimate) : "-",
                    f.run_latency.count > 0 ? HumanDuration(f.run_latency.p90) : "-",
                    f.total_cost ? absl::StrFormat("%.2f", *f.total_cost) : "-",
                    f.time_saved_minutes ? absl::StrFormat("%.0f", *f.time_saved_minutes) : "-"});
  }
  return rows;
}

// A line per non-empty bucket would be enough for the terminal; the HTML page charts them all.
bool Empty(const Figures& f) {
  return f.started == 0 && f.finished() == 0 && f.tasks_opened == 0 &&
         f.decisions_claimed + f.decisions_unclaimed == 0;
}

constexpr const char* kPalette[] = {"#2b6cb0", "#dd6b20", "#38a169", "#d53f8c",
                                    "#805ad5", "#d69e2e", "#319795", "#718096"};

std::optional<double> Value(double v) { return v; }

ChartSpec Spec(std::string title, const std::vector<std::string>& x) {
  ChartSpec spec;
  spec.title = std::move(title);
  spec.x_labels = x;
  return spec;
}

// A line chart of shares, 0 to 100%.
ChartSpec Percentages(std::string title, const std::vector<std::string>& x) {
  ChartSpec spec = Spec(std::move(title), x);
  spec.y_min = 0;
  spec.y_max = 1;
  spec.unit = "%";
  spec.tick_scale = 100;
  return spec;
}

}  // namespace

std::string HumanDuration(double seconds) {
  if (seconds < 0.001) return absl::StrFormat("%.2g ms", seconds * 1000);
  if (seconds < 1) return absl::StrFormat("%.0f ms", seconds * 1000);
  if (seconds < 60) return absl::StrFormat("%.3g s", seconds);
  if (seconds < 3600) {
    const int64_t s = std::llround(seconds);
    return s % 60 == 0 ? absl::StrCat(s / 60, " min") : absl::StrCat(s / 60, " min ", s % 60, " s");
  }
  if (seconds < 2 * 86400) return absl::StrFormat("%.3g h", seconds / 3600);
  return absl::StrFormat("%.3g d", seconds / 86400);
}

std::string ReportText(const MeasureReport& report) {
  std::string out = absl::StrCat(
      "Workflow ", report.query.workflow,
      report.query.version ? absl::StrCat(" (version ", report.query.version->substr(0, 12), ")")
                           : "",
      ", ", PeriodText(report), "\n\n");
  for (const Section& section : Summary(report)) section.AppendTo(out);
  if (!report.steps.empty()) {
    absl::StrAppend(&out, "Steps\n", Table(StepRows(report)), "\n");
  }
  std::vector<std::vector<std::string>> rows = BucketRows(report);
  std::vector<std::vector<std::string>> shown = {rows.front()};
  for (size_t i = 0; i < report.buckets.size(); ++i) {
    if (!Empty(report.buckets[i])) shown.push_back(rows[i + 1]);
  }
  absl::StrAppend(&out, "By ", GranularityName(report.query.granularity_s),
                  shown.size() == 1 ? " (no activity)\n" : " (buckets with activity)\n",
                  Table(shown));
  if (!report.notes.empty()) {
    absl::StrAppend(&out, "\nNotes\n");
    for (const std::string& note : report.notes) absl::StrAppend(&out, "  - ", note, "\n");
  }
  return out;
}

std::string ReportHtml(const MeasureReport& report, absl::Time generated_at) {
  const MeasuresQuery& q = report.query;
  std::vector<std::string> x;
  for (const Figures& f : report.buckets) x.push_back(BucketLabelText(f.start, q.granularity_s));
  auto series = [&](auto get) {
    std::vector<std::optional<double>> values;
    for (const Figures& f : report.buckets) values.push_back(get(f));
    return values;
  };

  std::vector<std::string> charts;
  {
    ChartSpec volume = Spec("Volume: runs finished, straight through or with a person", x);
    volume.bars = true;
    volume.series.push_back({"straight through",
                             kPalette[2],
                             series([](const Figures& f) { return Value(f.automated); }),
                             {},
                             {}});
    volume.series.push_back(
        {"with a person or failed",
         kPalette[1],
         series([](const Figures& f) { return Value(f.finished() - f.automated); }),
         {},
         {}});
    charts.push_back(RenderChart(volume));
  }
  {
    ChartSpec rate = Percentages("Straight-through rate", x);
    rate.series.push_back({"straight through",
                           kPalette[0],
                           series([](const Figures& f) { return f.straight_through_rate; }),
                           {},
                           {}});
    charts.push_back(RenderChart(rate));
  }
  {
    ChartSpec accuracy =
        Percentages("Accuracy with 95% interval: audit sample and reviewed fields", x);
    auto proportion = [&](auto pick, int which) {
      return series([&](const Figures& f) -> std::optional<double> {
        const Proportion& p = pick(f);
        if (p.trials == 0) return std::nullopt;
        return which == 0 ? p.estimate : which == 1 ? p.low : p.high;
      });
    };
    auto audit = [](const Figures& f) -> const Proportion& { return f.audit_cases; };
    auto fields = [](const Figures& f) -> const Proportion& { return f.reviewed_fields; };
    accuracy.series.push_back({"audit sample (cases)", kPalette[0], proportion(audit, 0),
                               proportion(audit, 1), proportion(audit, 2)});
    accuracy.series.push_back({"reviewed fields", kPalette[1], proportion(fields, 0),
                               proportion(fields, 1), proportion(fields, 2)});
    charts.push_back(RenderChart(accuracy));
  }
  {
    ChartSpec exceptions = Spec("Exceptions by reason (tasks opened)", x);
    exceptions.bars = true;
    std::set<std::string> reasons;
    for (const Figures& f : report.buckets) {
      for (const auto& [reason, n] : f.exceptions) reasons.insert(reason);
    }
    size_t color = 0;
    for (const std::string& reason : reasons) {
      exceptions.series.push_back({reason,
                                   kPalette[color++ % std::size(kPalette)],
                                   series([&](const Figures& f) -> std::optional<double> {
                                     auto it = f.exceptions.find(reason);
                                     return it == f.exceptions.end()
                                                ? 0.0
                                                : static_cast<double>(it->second);
                                   }),
                                   {},
                                   {}});
    }
    charts.push_back(RenderChart(exceptions));
  }
  {
    ChartSpec latency = Spec("Run latency (log scale)", x);
    latency.log_scale = true;
    latency.unit = " s";
    auto pick = [&](double LatencyFigures::*field) {
      return series([field](const Figures& f) -> std::optional<double> {
        if (f.run_latency.count == 0) return std::nullopt;
        return f.run_latency.*field;
      });
    };
    latency.series.push_back({"p50", kPalette[0], pick(&LatencyFigures::p50), {}, {}});
    latency.series.push_back({"p90", kPalette[1], pick(&LatencyFigures::p90), {}, {}});
    latency.series.push_back({"p99", kPalette[3], pick(&LatencyFigures::p99), {}, {}});
    charts.push_back(RenderChart(latency));
  }
  if (report.totals.model_cost.has_value()) {
    ChartSpec cost = Spec(absl::StrCat("Cost (", report.currency, ")"), x);
    cost.bars = true;
    cost.series.push_back(
        {"models", kPalette[4], series([](const Figures& f) { return f.model_cost; }), {}, {}});
    cost.series.push_back(
        {"people", kPalette[5], series([](const Figures& f) { return f.human_cost; }), {}, {}});
    charts.push_back(RenderChart(cost));
  }
  if (report.totals.time_saved_minutes.has_value()) {
    ChartSpec saved = Spec("Time saved (hours)", x);
    saved.bars = true;
    saved.series.push_back({"time saved",
                            kPalette[2],
                            series([](const Figures& f) {
                              return std::optional<double>(
                                  std::max(0.0, f.time_saved_minutes.value_or(0)) / 60);
                            }),
                            {},
                            {}});
    charts.push_back(RenderChart(saved));
  }

  std::string html = absl::StrCat(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>flowline report: ",
      HtmlEscape(q.workflow),
      "</title><style>"
      "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2em auto;"
      "max-width:800px;color:#1a202c;padding:0 1em}"
      "h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.15em;margin-top:1.6em}"
      ".meta{color:#4a5568}table{border-collapse:collapse;margin:.5em 0}"
      "td,th{padding:.2em .8em .2em 0;text-align:right}td:first-child,th:first-child{"
      "text-align:left}th{border-bottom:1px solid #cbd5e0;font-weight:600}"
      ".summary td{text-align:left}.summary "
      "td:first-child{color:#4a5568}.chart{max-width:100%;height:auto;display:block;"
      "margin:1em 0}.chart-title{font-weight:600;font-size:13px}.legend,.tick{font-size:11px;"
      "fill:#4a5568}.grid{stroke:#edf2f7}.axis{stroke:#a0aec0}"
      "</style></head><body>\n<h1>Workflow ",
      HtmlEscape(q.workflow), "</h1>\n<p class=\"meta\">", HtmlEscape(PeriodText(report)),
      q.version ? absl::StrCat(", version ", HtmlEscape(q.version->substr(0, 12))) : "",
      ". Generated ", HtmlEscape(FormatUtc(generated_at)), " by flowline report.</p>\n");
  // The summary as tables (the same rows as the text report).
  for (const Section& section : Summary(report)) {
    absl::StrAppend(&html, section.Html());
  }
  absl::StrAppend(&html, "<h2>Over time</h2>\n", absl::StrJoin(charts, "\n"), "\n");
  if (!report.steps.empty()) {
    absl::StrAppend(&html, "<h2>Steps</h2>\n<table>");
    const auto rows = StepRows(report);
    for (size_t i = 0; i < rows.size(); ++i) {
      absl::StrAppend(&html, "<tr>");
      for (const std::string& cell : rows[i]) {
        absl::StrAppend(&html, i == 0 ? "<th>" : "<td>", HtmlEscape(cell),
                        i == 0 ? "</th>" : "</td>");
      }
      absl::StrAppend(&html, "</tr>");
    }
    absl::StrAppend(&html, "</table>\n");
  }
  if (!report.notes.empty()) {
    absl::StrAppend(&html, "<h2>Notes</h2>\n<ul>");
    for (const std::string& note : report.notes) {
      absl::StrAppend(&html, "<li>", HtmlEscape(note), "</li>");
    }
    absl::StrAppend(&html, "</ul>\n");
  }
  absl::StrAppend(&html, "<p class=\"meta\">Definitions of every figure: docs/measures.md.</p>\n",
                  "</body></html>\n");
  return html;
}

}  // namespace flowline::monitor
