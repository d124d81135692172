#include "lifecycle/stored_evaluation.h"

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "common/ids.h"
#include "common/status_macros.h"

namespace flowline::lifecycle {
namespace {

// (case, field) → the wrong pair's JSON, from a report's "errors".
std::map<std::pair<std::string, std::string>, Json> WrongPairs(const Json& report) {
  std::map<std::pair<std::string, std::string>, Json> out;
  for (const Json& error : report.value("errors", Json::array())) {
    out[{error.value("document", std::string()), error.value("field", std::string())}] = error;
  }
  return out;
}

std::set<std::string> CasesOf(const Json& report) {
  std::set<std::string> out;
  for (const Json& c : report.value("cases", Json::array())) {
    out.insert(c.value("id", std::string()));
  }
  return out;
}

Json Difference(const Json& a, const Json& b) {
  if (!a.is_number() || !b.is_number()) return nullptr;
  return b.get<double>() - a.get<double>();
}

std::string Share(const Json& value) {
  return value.is_number() ? absl::StrFormat("%.1f%%", value.get<double>() * 100.0) : "-";
}

std::string Points(const Json& value) {
  return value.is_number() ? absl::StrFormat("%+.1f", value.get<double>() * 100.0) : "-";
}

}  // namespace

void SetDatasetOf(const quality::Dataset& dataset, const std::string& split,
                  EvaluationSubject& subject) {
  subject.dataset = dataset.name.empty() ? dataset.dir : dataset.name;
  subject.dataset_version = dataset.name.empty() ? 0 : dataset.version;
  subject.split = split;
}

absl::StatusOr<store::EvaluationRow> SaveEvaluation(
    store::Store& store, const EvaluationSubject& subject, const Json& report,
    const quality::EvaluationSummary& summary, const std::string& created_by,
    const common::Clock& clock, common::Random& random) {
  store::EvaluationRow row;
  row.created_at = clock.Now();
  row.evaluation_id = common::NewId("ev-", row.created_at, random);
  row.workflow = subject.workflow;
  row.version = subject.version;
  row.dataset = subject.dataset;
  row.dataset_version = subject.dataset_version;
  row.split = subject.split;
  row.created_by = created_by;
  row.summary_json = summary.ToJson().dump();
  row.report_json = report.dump();
  RETURN_IF_ERROR(store.PutEvaluation(row));
  return row;
}

absl::StatusOr<std::optional<store::EvaluationRow>> FindEvaluation(store::Store& store,
                                                                   const EvaluationSubject& subject,
                                                                   double target_accuracy) {
  if (subject.dataset_version == 0) return std::nullopt;
  store::EvaluationFilter filter;
  filter.workflow = subject.workflow;
  filter.version = subject.version;
  filter.dataset = subject.dataset;
  filter.dataset_version = subject.dataset_version;
  filter.split = subject.split;
  ASSIGN_OR_RETURN(std::vector<store::EvaluationRow> rows, store.ListEvaluations(filter));
  for (store::EvaluationRow& row : rows) {
    absl::StatusOr<quality::EvaluationSummary> summary = SummaryOf(row);
    if (summary.ok() && summary->target_accuracy == target_accuracy) {
      return std::optional<store::EvaluationRow>(std::move(row));
    }
  }
  return std::nullopt;
}

absl::StatusOr<quality::EvaluationSummary> SummaryOf(const store::EvaluationRow& row) {
  absl::StatusOr<Json> json = common::ParseJson(row.summary_json, "evaluation summary");
  absl::StatusOr<quality::EvaluationSummary> summary =
      json.ok() ? quality::EvaluationSummary::FromJson(*json)
                : absl::StatusOr<quality::EvaluationSummary>(json.status());
  if (!summary.ok()) {
    return absl::DataLossError(
        absl::StrCat("evaluation ", row.evaluation_id,
                     ": its stored summary cannot be read: ", summary.status().message()));
  }
  return summary;
}

absl::StatusOr<Json> EvaluationJson(const store::EvaluationRow& row, bool with_report) {
  ASSIGN_OR_RETURN(quality::EvaluationSummary summary, SummaryOf(row));
  Json out = {
      {"id", row.evaluation_id},
      {"workflow", row.workflow},
      {"version", row.version},
      {"dataset", row.dataset},
      {"dataset_version", row.dataset_version},
      {"split", row.split},
      {"created_at", absl::FormatTime(absl::RFC3339_full, row.created_at, absl::UTCTimeZone())},
      {"created_by", row.created_by},
      {"summary", summary.ToJson()}};
  if (with_report) {
    absl::StatusOr<Json> report = common::ParseJson(row.report_json, "the stored report");
    if (!report.ok()) {
      return absl::DataLossError(
          absl::StrCat("evaluation ", row.evaluation_id, ": ", report.status().message()));
    }
    out["report"] = *std::move(report);
  }
  return out;
}

absl::StatusOr<Json> CompareEvaluations(const store::EvaluationRow& a,
                                        const store::EvaluationRow& b) {
  ASSIGN_OR_RETURN(Json report_a, common::ParseJson(a.report_json, a.evaluation_id));
  ASSIGN_OR_RETURN(Json report_b, common::ParseJson(b.report_json, b.evaluation_id));
  ASSIGN_OR_RETURN(quality::EvaluationSummary summary_a, SummaryOf(a));
  ASSIGN_OR_RETURN(quality::EvaluationSummary summary_b, SummaryOf(b));
  auto who = [](const store::EvaluationRow& row) {
    return Json{{"id", row.evaluation_id},
                {"workflow", row.workflow},
                {"version", row.version},
                {"dataset", row.dataset},
                {"dataset_version", row.dataset_version},
                {"split", row.split},
                {"created_at", absl::FormatTime(row.created_at)}};
  };
  Json out = {{"a", who(a)}, {"b", who(b)}};
  if (a.dataset != b.dataset || a.dataset_version != b.dataset_version || a.split != b.split) {
    out["note"] =
        "the two evaluations are of different cases: their figures compare, their cases do not";
  }
  // Per field: accuracy and coverage, with b - a.
  std::map<std::string, std::pair<Json, Json>> fields;
  for (const Json& f : report_a.value("fields", Json::array())) fields[f["field"]].first = f;
  for (const Json& f : report_b.value("fields", Json::array())) fields[f["field"]].second = f;
  Json field_list = Json::array();
  for (const auto& [name, pair] : fields) {
    Json row = {{"field", name}};
    for (const char* measure : {"accuracy", "coverage"}) {
      Json va = pair.first.is_object() ? pair.first.value(measure, Json(nullptr)) : Json(nullptr);
      Json vb = pair.second.is_object() ? pair.second.value(measure, Json(nullptr)) : Json(nullptr);
      row[measure] = {{"a", va}, {"b", vb}, {"difference", Difference(va, vb)}};
    }
    field_list.push_back(std::move(row));
  }
  out["fields"] = std::move(field_list);
  const Json sa = summary_a.ToJson(), sb = summary_b.ToJson();
  Json measures = Json::object();
  for (const char* measure :
       {"mean_field_accuracy", "straight_through", "workflow_straight_through", "cost_per_case",
        "latency_p50", "latency_p95"}) {
    measures[measure] = {{"a", sa[measure]},
                         {"b", sb[measure]},
                         {"difference", Difference(sa[measure], sb[measure])}};
  }
  out["measures"] = std::move(measures);
  // Cases that changed: on the cases both evaluated, a wrong pair in one and not the other.
  const std::set<std::string> cases_a = CasesOf(report_a), cases_b = CasesOf(report_b);
  const auto wrong_a = WrongPairs(report_a), wrong_b = WrongPairs(report_b);
  Json worse = Json::array(), better = Json::array();
  for (const auto& [key, error] : wrong_b) {
    if (cases_a.count(key.first) && !wrong_a.count(key)) {
      worse.push_back({{"case", key.first},
                       {"field", key.second},
                       {"label", error["label"]},
                       {"b_predicted", error["predicted"]},
                       {"b_confidence", error["confidence"]}});
    }
  }
  for (const auto& [key, error] : wrong_a) {
    if (cases_b.count(key.first) && !wrong_b.count(key)) {
      better.push_back({{"case", key.first},
                        {"field", key.second},
                        {"label", error["label"]},
                        {"a_predicted", error["predicted"]},
                        {"a_confidence", error["confidence"]}});
    }
  }
  out["right_to_wrong"] = std::move(worse);
  out["wrong_to_right"] = std::move(better);
  return out;
}

std::string ComparisonTable(const Json& c) {
  std::string out = absl::StrFormat(
      "a  %s  %s@%s  on %s@%d (%s)\nb  %s  %s@%s  on %s@%d (%s)\n", c["a"]["id"].get<std::string>(),
      c["a"]["workflow"].get<std::string>(), c["a"]["version"].get<std::string>().substr(0, 12),
      c["a"]["dataset"].get<std::string>(), c["a"]["dataset_version"].get<int>(),
      c["a"]["split"].get<std::string>(), c["b"]["id"].get<std::string>(),
      c["b"]["workflow"].get<std::string>(), c["b"]["version"].get<std::string>().substr(0, 12),
      c["b"]["dataset"].get<std::string>(), c["b"]["dataset_version"].get<int>(),
      c["b"]["split"].get<std::string>());
  if (c.contains("note")) out += absl::StrCat("note: ", c["note"].get<std::string>(), "\n");
  out += absl::StrFormat("\n%-24s %9s %9s %7s %9s %9s %7s\n", "field", "acc a", "acc b", "diff",
                         "cov a", "cov b", "diff");
  for (const Json& f : c["fields"]) {
    out += absl::StrFormat("%-24s %9s %9s %7s %9s %9s %7s\n", f["field"].get<std::string>(),
                           Share(f["accuracy"]["a"]), Share(f["accuracy"]["b"]),
                           Points(f["accuracy"]["difference"]), Share(f["coverage"]["a"]),
                           Share(f["coverage"]["b"]), Points(f["coverage"]["difference"]));
  }
  out += "\n";
  for (const auto& [name, m] : c["measures"].items()) {
    const bool share = name != "cost_per_case" && name.rfind("latency", 0) != 0;
    auto figure = [&](const Json& v) {
      return share ? Share(v) : (v.is_number() ? absl::StrFormat("%.4f", v.get<double>()) : "-");
    };
    out += absl::StrFormat("%-26s %10s %10s %10s\n", name, figure(m["a"]), figure(m["b"]),
                           share ? Points(m["difference"]) : figure(m["difference"]));
  }
  out += absl::StrFormat("\nright in a, wrong in b: %d; wrong in a, right in b: %d\n",
                         static_cast<int>(c["right_to_wrong"].size()),
                         static_cast<int>(c["wrong_to_right"].size()));
  int shown = 0;
  for (const Json& w : c["right_to_wrong"]) {
    if (++shown > 20) break;
    out +=
        absl::StrFormat("  - %s %s: label %s, b says %s\n", w["case"].get<std::string>(),
                        w["field"].get<std::string>(), w["label"].dump(), w["b_predicted"].dump());
  }
  return out;
}

}  // namespace flowline::lifecycle
