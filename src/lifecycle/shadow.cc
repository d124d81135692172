#include "lifecycle/shadow.h"

#include <algorithm>
#include <map>
#include <set>

#include "common/status_macros.h"
#include "lifecycle/json_diff.h"

namespace flowline::lifecycle {
namespace {

Json Parsed(const std::string& text) {
  if (text.empty()) return Json();
  absl::StatusOr<Json> parsed = common::ParseJson(text, "a stored output");
  return parsed.ok() ? *parsed : Json(text);
}

// Two runs whose comparison is worth a report line: ended differently.
std::string StatusValue(const store::Run& run) { return store::RunStatusName(run.status); }

}  // namespace

std::map<std::string, Json> ComparedValues(const store::RunDetail& run) {
  std::map<std::string, Json> values;
  values["status"] = StatusValue(run.run);
  const Json outputs = Parsed(run.run.output_json);
  if (!outputs.is_null()) JsonLeaves(outputs, "outputs", values);
  for (const store::StepState& step : run.steps) {
    if (step.step_id == store::kEndStepId || step.output_json.empty()) continue;
    const Json output = Parsed(step.output_json);
    if (!output.is_object() || !output.contains("fields") || !output["fields"].is_object()) {
      continue;
    }
    for (const auto& [name, field] : output["fields"].items()) {
      if (!field.is_object() || !field.contains("normalized")) continue;
      values[absl::StrCat(step.step_id, ".", name)] = field["normalized"];
    }
  }
  return values;
}

std::string RoutingOf(const std::vector<store::Record>& records) {
  for (const store::Record& record : records) {
    if (record.kind != "routing.decided") continue;
    const Json payload = Parsed(record.payload_json);
    if (payload.is_object() && payload.contains("routed") && payload["routed"].is_string()) {
      return payload["routed"].get<std::string>();
    }
  }
  return "";
}

store::ShadowComparison CompareRuns(const store::RunDetail& live,
                                    const std::vector<store::Record>& live_records,
                                    const store::RunDetail& shadow,
                                    const std::vector<store::Record>& shadow_records,
                                    absl::Time now) {
  store::ShadowComparison c;
  c.shadow_run_id = shadow.run.run_id;
  c.live_run_id = live.run.run_id;
  c.workflow = shadow.run.workflow;
  c.shadow_version = shadow.run.version;
  c.live_version = live.run.version;
  c.business_key = shadow.run.business_key;
  c.compared_at = now;
  c.live_routing = RoutingOf(live_records);
  c.shadow_routing = RoutingOf(shadow_records);
  const std::map<std::string, Json> a = ComparedValues(live);
  const std::map<std::string, Json> b = ComparedValues(shadow);
  std::set<std::string> names;
  for (const auto& [name, value] : a) names.insert(name);
  for (const auto& [name, value] : b) names.insert(name);
  Json fields = Json::array();
  bool agree = c.live_routing == c.shadow_routing;
  for (const std::string& name : names) {
    const auto in_a = a.find(name);
    const auto in_b = b.find(name);
    const Json live_value = in_a != a.end() ? in_a->second : Json();
    const Json shadow_value = in_b != b.end() ? in_b->second : Json();
    const bool equal = live_value == shadow_value;
    agree = agree && equal;
    fields.push_back(
        {{"field", name}, {"live", live_value}, {"shadow", shadow_value}, {"equal", equal}});
  }
  c.agree = agree;
  c.fields_json = common::CanonicalJson(fields);
  return c;
}

absl::StatusOr<int> CompareFinishedShadowRuns(store::Store& store, const std::string& workflow,
                                              absl::Time now) {
  int compared = 0;
  for (;;) {
    ASSIGN_OR_RETURN(std::vector<store::Run> pending,
                     store.ListUncomparedShadowRuns(workflow, 200));
    if (pending.empty()) return compared;
    for (const store::Run& run : pending) {
      ASSIGN_OR_RETURN(store::RunDetail shadow, store.GetRunDetail(run.run_id));
      ASSIGN_OR_RETURN(store::RunDetail live, store.GetRunDetail(run.parent_run_id));
      ASSIGN_OR_RETURN(std::vector<store::Record> shadow_records, store.ListRecords(run.run_id));
      ASSIGN_OR_RETURN(std::vector<store::Record> live_records,
                       store.ListRecords(run.parent_run_id));
      RETURN_IF_ERROR(
          store.PutShadowComparison(CompareRuns(live, live_records, shadow, shadow_records, now)));
      ++compared;
    }
  }
}

absl::StatusOr<ShadowReport> BuildShadowReport(store::Store& store, const std::string& workflow,
                                               const std::string& shadow_version, absl::Time now,
                                               int max_disagreements) {
  ASSIGN_OR_RETURN(store::WorkflowInfo info, store.GetWorkflow(workflow));
  RETURN_IF_ERROR(CompareFinishedShadowRuns(store, workflow, now).status());
  ShadowReport report;
  report.workflow = workflow;
  report.live_version = info.live_version;
  report.shadow_version = shadow_version.empty() ? info.shadow_version : shadow_version;
  store::ShadowComparisonFilter filter;
  filter.workflow = workflow;
  filter.limit = 0;
  if (report.shadow_version.empty()) {
    // No shadow now: the version compared last.
    filter.limit = 1;
    ASSIGN_OR_RETURN(std::vector<store::ShadowComparison> last,
                     store.ListShadowComparisons(filter));
    if (last.empty()) return report;
    report.shadow_version = last[0].shadow_version;
    filter.limit = 0;
  }
  report.current_shadow = report.shadow_version == info.shadow_version;
  filter.shadow_version = report.shadow_version;
  ASSIGN_OR_RETURN(std::vector<store::ShadowComparison> comparisons,
                   store.ListShadowComparisons(filter));
  std::map<std::string, FieldAgreement> fields;
  for (const store::ShadowComparison& c : comparisons) {
    ++report.pairs;
    if (c.agree) ++report.agreeing;
    if (c.live_routing.empty() != c.shadow_routing.empty()) {
      ++report.live_only_routing;
    } else if (c.live_routing != c.shadow_routing) {
      ++report.routing_differs;
    } else if (c.live_routing == "person") {
      ++report.both_person;
    } else if (c.live_routing == "straight_through") {
      ++report.both_straight_through;
    }
    ShadowDisagreement disagreement{c};
    const Json compared = Parsed(c.fields_json);
    for (const Json& field : compared.is_array() ? compared : Json::array()) {
      const std::string name = field.value("field", std::string());
      FieldAgreement& agreement = fields[name];
      agreement.field = name;
      ++agreement.compared;
      if (field.value("equal", false)) {
        ++agreement.equal;
      } else {
        disagreement.differing.push_back(
            {{"field", name}, {"live", field["live"]}, {"shadow", field["shadow"]}});
      }
    }
    if (!c.agree && static_cast<int>(report.disagreements.size()) < max_disagreements) {
      report.disagreements.push_back(std::move(disagreement));
    }
  }
  for (auto& [name, agreement] : fields) report.fields.push_back(std::move(agreement));
  return report;
}

Json ShadowReportJson(const ShadowReport& report) {
  Json fields = Json::array();
  for (const FieldAgreement& f : report.fields) {
    fields.push_back({{"field", f.field},
                      {"compared", f.compared},
                      {"equal", f.equal},
                      {"agreement", f.compared > 0 ? Json(double(f.equal) / f.compared) : Json()}});
  }
  Json disagreements = Json::array();
  for (const ShadowDisagreement& d : report.disagreements) {
    disagreements.push_back({{"live_run_id", d.comparison.live_run_id},
                             {"shadow_run_id", d.comparison.shadow_run_id},
                             {"key", d.comparison.business_key},
                             {"live_routing", d.comparison.live_routing},
                             {"shadow_routing", d.comparison.shadow_routing},
                             {"fields", d.differing}});
  }
  return Json{
      {"workflow", report.workflow},
      {"live_version", report.live_version},
      {"shadow_version", report.shadow_version},
      {"current_shadow", report.current_shadow},
      {"pairs", report.pairs},
      {"agreeing", report.agreeing},
      {"agreement", report.pairs > 0 ? Json(double(report.agreeing) / report.pairs) : Json()},
      {"fields", fields},
      {"routing",
       {{"both_straight_through", report.both_straight_through},
        {"both_person", report.both_person},
        {"differ", report.routing_differs},
        {"one_side_only", report.live_only_routing}}},
      {"disagreements", disagreements}};
}

}  // namespace flowline::lifecycle
