#include "quality/gate.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace flowline::quality {
namespace {

Json Optional(const std::optional<double>& value) { return value ? Json(*value) : Json(nullptr); }

absl::StatusOr<double> Number(const Json& json, const char* name) {
  if (!json.contains(name) || !json[name].is_number()) {
    return absl::InvalidArgumentError(
        absl::StrCat("evaluation summary: '", name, "' is missing or not a number"));
  }
  return json[name].get<double>();
}

std::optional<double> OptionalNumber(const Json& json, const char* name) {
  if (!json.contains(name) || !json[name].is_number()) return std::nullopt;
  return json[name].get<double>();
}

// A figure for the table: a percentage for shares, plain for cost.
std::string Figure(const std::optional<double>& value, bool share) {
  if (!value) return "-";
  return share ? absl::StrFormat("%.2f%%", *value * 100.0) : absl::StrFormat("%.4f", *value);
}

}  // namespace

Json EvaluationSummary::ToJson() const {
  Json fields = Json::object();
  for (const auto& [name, accuracy] : field_accuracy) fields[name] = accuracy;
  return Json{{"cases", cases},
              {"mean_field_accuracy", mean_field_accuracy},
              {"field_accuracy", std::move(fields)},
              {"target_accuracy", target_accuracy},
              {"straight_through", straight_through},
              {"threshold", Optional(threshold)},
              {"workflow_straight_through", Optional(workflow_straight_through)},
              {"cost_per_case", Optional(cost_per_case)},
              {"currency", currency},
              {"latency_p50", Optional(latency_p50)},
              {"latency_p95", Optional(latency_p95)}};
}

absl::StatusOr<EvaluationSummary> EvaluationSummary::FromJson(const Json& json) {
  if (!json.is_object()) {
    return absl::InvalidArgumentError("evaluation summary: not a JSON object");
  }
  EvaluationSummary summary;
  absl::StatusOr<double> cases = Number(json, "cases");
  if (!cases.ok()) return cases.status();
  summary.cases = static_cast<int>(*cases);
  for (auto [name, out] : {std::pair{"mean_field_accuracy", &summary.mean_field_accuracy},
                           std::pair{"target_accuracy", &summary.target_accuracy},
                           std::pair{"straight_through", &summary.straight_through}}) {
    absl::StatusOr<double> value = Number(json, name);
    if (!value.ok()) return value.status();
    *out = *value;
  }
  if (json.contains("field_accuracy") && json["field_accuracy"].is_object()) {
    for (const auto& [name, accuracy] : json["field_accuracy"].items()) {
      if (!accuracy.is_number()) {
        return absl::InvalidArgumentError(
            absl::StrCat("evaluation summary: field_accuracy.", name, " is not a number"));
      }
      summary.field_accuracy[name] = accuracy.get<double>();
    }
  }
  summary.threshold = OptionalNumber(json, "threshold");
  summary.workflow_straight_through = OptionalNumber(json, "workflow_straight_through");
  summary.cost_per_case = OptionalNumber(json, "cost_per_case");
  summary.currency = json.value("currency", std::string());
  summary.latency_p50 = OptionalNumber(json, "latency_p50");
  summary.latency_p95 = OptionalNumber(json, "latency_p95");
  return summary;
}

EvaluationSummary SummarizeReport(const EvaluationReport& report) {
  EvaluationSummary summary;
  summary.cases = report.documents;
  summary.mean_field_accuracy = report.mean_field_accuracy;
  for (const FieldScore& field : report.fields) summary.field_accuracy[field.name] = field.accuracy;
  summary.target_accuracy = report.target_accuracy;
  summary.straight_through = report.straight_through;
  summary.threshold = report.threshold;
  summary.workflow_straight_through = report.workflow_straight_through;
  summary.cost_per_case = report.cost_per_case;
  summary.latency_p50 = report.latency_p50;
  summary.latency_p95 = report.latency_p95;
  return summary;
}

GateResult CheckGate(const ReleaseGate& gate, const EvaluationSummary& candidate,
                     const std::optional<EvaluationSummary>& live) {
  GateResult result;
  const GateMargins& m = gate.margins;
  auto at_least = [&](std::string name, std::optional<double> c, std::optional<double> l,
                      double margin) {
    GateMeasure measure{std::move(name), c, l, margin, true, ""};
    if (!live) {
      measure.note = "nothing is live to compare with";
    } else {
      // A tiny tolerance: equal figures computed in a different order must not fail.
      measure.passed = c.value_or(0) >= l.value_or(0) - margin - 1e-12;
    }
    result.measures.push_back(std::move(measure));
  };
  at_least("field_accuracy", candidate.mean_field_accuracy,
           live ? std::optional<double>(live->mean_field_accuracy) : std::nullopt,
           m.field_accuracy);
  std::map<std::string, std::pair<std::optional<double>, std::optional<double>>> fields;
  for (const auto& [name, accuracy] : candidate.field_accuracy) fields[name].first = accuracy;
  if (live) {
    for (const auto& [name, accuracy] : live->field_accuracy) fields[name].second = accuracy;
  }
  for (const auto& [name, pair] : fields) {
    if (live && !pair.second) {
      // A field the live version never scored: nothing to be worse than.
      result.measures.push_back({absl::StrCat("field_accuracy.", name), pair.first, std::nullopt,
                                 m.field_accuracy, true, "not scored for the live version"});
      continue;
    }
    at_least(absl::StrCat("field_accuracy.", name), pair.first.value_or(0), pair.second,
             m.field_accuracy);
  }
  at_least("straight_through", candidate.straight_through,
           live ? std::optional<double>(live->straight_through) : std::nullopt, m.straight_through);
  GateMeasure cost{
      "cost", candidate.cost_per_case, live ? live->cost_per_case : std::nullopt, m.cost, true, ""};
  if (!live) {
    cost.note = "nothing is live to compare with";
  } else if (!candidate.cost_per_case || !live->cost_per_case) {
    cost.note = "not gated: an evaluation without prices has no cost (give --prices)";
  } else if (live->currency != candidate.currency) {
    cost.passed = false;
    cost.note = absl::StrCat("costs in different currencies (", candidate.currency, " vs ",
                             live->currency, "): evaluate both with the same price table");
  } else {
    cost.passed = *candidate.cost_per_case <= *live->cost_per_case * (1 + m.cost) + 1e-12;
  }
  result.measures.push_back(std::move(cost));

  std::vector<std::string> failed;
  for (const GateMeasure& measure : result.measures) {
    if (measure.passed) continue;
    result.passed = false;
    const bool share = measure.name != "cost";
    failed.push_back(
        absl::StrCat(measure.name, " ", Figure(measure.candidate, share), " vs live ",
                     Figure(measure.live, share),
                     share ? absl::StrFormat(" (margin %.2f points)", measure.margin * 100.0)
                           : absl::StrFormat(" (margin +%.0f%%)", measure.margin * 100.0)));
  }
  result.message = result.passed ? (live ? "gate passed: no gated measure is worse than live "
                                           "beyond its margin"
                                         : "gate passed: nothing is live to compare with")
                                 : absl::StrCat("gate failed: ", absl::StrJoin(failed, "; "));
  return result;
}

Json GateResult::ToJson() const {
  Json list = Json::array();
  for (const GateMeasure& m : measures) {
    list.push_back({{"name", m.name},
                    {"candidate", Optional(m.candidate)},
                    {"live", Optional(m.live)},
                    {"margin", m.margin},
                    {"passed", m.passed},
                    {"note", m.note}});
  }
  return Json{{"passed", passed}, {"message", message}, {"measures", std::move(list)}};
}

std::string GateResult::ToTable() const {
  std::string out = absl::StrFormat("%-32s %10s %10s %8s  %s\n", "measure", "candidate", "live",
                                    "margin", "result");
  for (const GateMeasure& m : measures) {
    const bool share = m.name != "cost";
    out += absl::StrFormat(
        "%-32s %10s %10s %8s  %s\n", m.name, Figure(m.candidate, share), Figure(m.live, share),
        share ? absl::StrFormat("%.2f", m.margin * 100.0)
              : absl::StrFormat("+%.0f%%", m.margin * 100.0),
        m.passed ? (m.note.empty() ? "ok" : absl::StrCat("ok (", m.note, ")")) : "FAILED");
  }
  out += message + "\n";
  return out;
}

}  // namespace flowline::quality
