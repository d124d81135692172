#include "lifecycle/evaluation_html.h"

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/html.h"
#include "monitor/svg_chart.h"

namespace flowline::lifecycle {
namespace {

using common::HtmlEscape;

// A member of a report's object, or null: a stored report from an older flowline may lack it.
const Json& At(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Text(const Json& value) {
  if (value.is_string()) return HtmlEscape(value.get<std::string>());
  if (value.is_null()) return "-";
  return HtmlEscape(value.dump());
}

std::string Percent(const Json& value) {
  return value.is_number() ? absl::StrFormat("%.1f%%", value.get<double>() * 100.0) : "-";
}

std::optional<double> Number(const Json& value) {
  if (!value.is_number()) return std::nullopt;
  return value.get<double>();
}

std::string Table(const std::vector<std::string>& header,
                  const std::vector<std::vector<std::string>>& rows) {
  std::string out = "<table><tr>";
  for (const std::string& h : header) absl::StrAppend(&out, "<th>", HtmlEscape(h), "</th>");
  absl::StrAppend(&out, "</tr>");
  for (const auto& row : rows) {
    absl::StrAppend(&out, "<tr>");
    for (const std::string& cell : row) absl::StrAppend(&out, "<td>", cell, "</td>");
    absl::StrAppend(&out, "</tr>");
  }
  return out + "</table>";
}

std::string Charts(const Json& report) {
  std::string out;
  // Per-field accuracy and coverage.
  monitor::ChartSpec fields;
  fields.title = "Accuracy and coverage per field";
  fields.y_min = 0;
  fields.y_max = 1;
  fields.unit = "%";
  fields.tick_scale = 100;
  monitor::ChartSeries accuracy{"accuracy", "#2b6cb0", {}, {}, {}};
  monitor::ChartSeries coverage{"coverage", "#a0aec0", {}, {}, {}};
  for (const Json& f : report.value("fields", Json::array())) {
    fields.x_labels.push_back(f.value("field", std::string()));
    accuracy.values.push_back(Number(At(f, "accuracy")));
    coverage.values.push_back(Number(At(f, "coverage")));
  }
  fields.series = {accuracy, coverage};
  if (!fields.x_labels.empty()) out += monitor::RenderChart(fields);
  // Reliability curve: per confidence bin, the mean confidence and the accuracy.
  monitor::ChartSpec reliability;
  reliability.title = absl::StrFormat(
      "Reliability (ECE %.3f): accuracy vs confidence per bin",
      report.contains("calibration") ? At(report, "calibration").value("ece", 0.0) : 0.0);
  reliability.y_min = 0;
  reliability.y_max = 1;
  reliability.unit = "%";
  reliability.tick_scale = 100;
  monitor::ChartSeries right{"accuracy", "#2f855a", {}, {}, {}};
  monitor::ChartSeries sure{"mean confidence", "#dd6b20", {}, {}, {}};
  if (report.contains("calibration")) {
    for (const Json& bin : At(report, "calibration").value("bins", Json::array())) {
      reliability.x_labels.push_back(
          absl::StrFormat("%.1f-%.1f", bin.value("low", 0.0), bin.value("high", 0.0)));
      const bool empty = bin.value("count", 0) == 0;
      right.values.push_back(empty ? std::nullopt : Number(At(bin, "accuracy")));
      sure.values.push_back(empty ? std::nullopt : Number(At(bin, "mean_confidence")));
    }
  }
  reliability.series = {right, sure};
  if (!reliability.x_labels.empty()) out += monitor::RenderChart(reliability);
  // Straight-through vs accuracy over thresholds.
  monitor::ChartSpec curve;
  curve.title = "Straight-through vs accuracy over confidence thresholds";
  curve.y_min = 0;
  curve.y_max = 1;
  curve.unit = "%";
  curve.tick_scale = 100;
  monitor::ChartSeries curve_accuracy{"accuracy of auto-accepted fields", "#2b6cb0", {}, {}, {}};
  monitor::ChartSeries accepted{"fields auto-accepted", "#a0aec0", {}, {}, {}};
  monitor::ChartSeries straight{"cases straight through", "#2f855a", {}, {}, {}};
  for (const Json& point : report.value("curve", Json::array())) {
    curve.x_labels.push_back(absl::StrFormat("%.2f", point.value("threshold", 0.0)));
    curve_accuracy.values.push_back(Number(At(point, "accuracy")));
    accepted.values.push_back(Number(At(point, "accepted_share")));
    straight.values.push_back(Number(At(point, "straight_through")));
  }
  curve.series = {curve_accuracy, accepted, straight};
  if (!curve.x_labels.empty()) out += monitor::RenderChart(curve);
  return out;
}

}  // namespace

std::string EvaluationHtml(const Json& report) {
  const Json subject = report.value("subject", Json::object());
  std::string title = absl::StrCat("Evaluation of ", subject.value("workflow", std::string("?")),
                                   " on ", subject.value("dataset", std::string("?")));
  std::string out = absl::StrCat(
      "<!doctype html><html><head><meta charset=\"utf-8\"><title>", HtmlEscape(title),
      "</title><style>body{font-family:sans-serif;margin:2em;max-width:72em}"
      "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.2em .5em;"
      "text-align:left}th{background:#f3f3f3}svg{display:block;margin:1em 0}"
      ".wrong{color:#c53030}</style></head><body><h1>",
      HtmlEscape(title), "</h1>");
  const Json st = report.value("straight_through", Json::object());
  absl::StrAppend(&out, "<p>", Text(subject.value("version", Json(""))), " &middot; split ",
                  Text(subject.value("split", Json(""))), " &middot; ",
                  report.value("documents", 0), " cases (", report.value("failed_documents", 0),
                  " failed) &middot; mean field accuracy ",
                  Percent(At(report, "mean_field_accuracy")), " &middot; straight-through at ",
                  Percent(st.value("target_accuracy", Json(nullptr))),
                  " accuracy: ", Percent(st.value("rate", Json(nullptr))), "</p>");
  const Json per_case = report.value("per_case", Json::object());
  absl::StrAppend(
      &out, "<p>processing time per case p50 ", Text(per_case.value("latency_p50", Json(nullptr))),
      " s, p95 ", Text(per_case.value("latency_p95", Json(nullptr))), " s &middot; cost per case ",
      Text(per_case.value("cost", Json(nullptr))), " &middot; the workflow's own straight-through ",
      Percent(per_case.value("workflow_straight_through", Json(nullptr))), "</p>");
  out += Charts(report);

  std::vector<std::vector<std::string>> rows;
  for (const Json& f : report.value("fields", Json::array())) {
    rows.push_back({Text(At(f, "field")), Text(At(f, "type")), Text(At(f, "labelled")),
                    Percent(At(f, "accuracy")), Percent(At(f, "coverage"))});
  }
  absl::StrAppend(&out, "<h2>Fields</h2>",
                  Table({"field", "type", "labelled", "accuracy", "coverage"}, rows));
  rows.clear();
  for (const Json& f : report.value("optional_fields", Json::array())) {
    rows.push_back({Text(At(f, "field")), Text(At(f, "labelled")), Percent(At(f, "recall")),
                    Percent(At(f, "precision")), Text(At(f, "f1"))});
  }
  if (!rows.empty()) {
    absl::StrAppend(&out, "<h2>Optional fields</h2>",
                    report.value("labels_exhaustive", false)
                        ? ""
                        : "<p>The labels are not exhaustive: recall only.</p>",
                    Table({"field", "labelled", "recall", "precision", "F1"}, rows));
  }
  const Json classifier = report.value("classifier", Json::object());
  if (classifier.contains("confusion") && !At(classifier, "confusion").empty()) {
    rows.clear();
    for (const auto& [expected, row] : At(classifier, "confusion").items()) {
      for (const auto& [label, count] : row.items()) {
        rows.push_back({HtmlEscape(expected), HtmlEscape(label), Text(count)});
      }
    }
    absl::StrAppend(&out, "<h2>Classifier (", Percent(At(classifier, "accuracy")), " right)</h2>",
                    Table({"expected", "predicted", "cases"}, rows));
  }
  rows.clear();
  for (const Json& s : report.value("slices", Json::array())) {
    rows.push_back({Text(At(s, "slice")), Text(At(s, "value")), Text(At(s, "cases")),
                    Percent(At(s, "accuracy")), Text(At(s, "straight_through"))});
  }
  if (!rows.empty()) {
    absl::StrAppend(&out, "<h2>Slices</h2>",
                    Table({"slice", "value", "cases", "accuracy", "straight through"}, rows));
  }
  rows.clear();
  int shown = 0;
  for (const Json& e : report.value("errors", Json::array())) {
    if (++shown > 200) break;
    rows.push_back({Text(At(e, "document")), Text(At(e, "field")), Text(At(e, "label")),
                    absl::StrCat("<span class=\"wrong\">", Text(At(e, "predicted")), "</span>"),
                    Text(At(e, "confidence")), Text(e.value("evidence", Json(""))),
                    Text(e.value("error", Json("")))});
  }
  const size_t errors = report.value("errors", Json::array()).size();
  absl::StrAppend(
      &out, "<h2>Failed fields (", errors, errors > 200 ? ", the first 200" : "", ")</h2>",
      Table({"case", "field", "expected", "predicted", "confidence", "evidence", "run error"},
            rows),
      "</body></html>\n");
  return out;
}

}  // namespace flowline::lifecycle
