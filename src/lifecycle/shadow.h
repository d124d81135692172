// The shadow's comparison with live (docs/releases.md): every shadow run (a suppressed copy of a
// live case on the workflow's shadow version) is compared, once both have finished, with the
// live run it copied — field by field on the workflow's outputs and the extract steps' fields,
// and on routing (straight through or to a person) — and the comparison is stored. The report
// adds them up per field and lists the cases that disagree with both values.
//
// Comparisons are made when asked for (the report, `flowline shadow report`, the API), for the
// pairs that finished since the last time; each pair is compared once and kept.
//
// Thread-safety: the functions keep no state; two of them comparing the same pair at once
// both store the same comparison.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "store/store.h"

namespace flowline::lifecycle {

// The values a run is compared on, by name: "outputs.<path>" for each leaf of the run's outputs,
// "<step>.<field>" for each field an extract step gave (its normalized value).
std::map<std::string, Json> ComparedValues(const store::RunDetail& run);

// Where the run's gate sent it: "straight_through", "person", or "" (no gate decided).
std::string RoutingOf(const std::vector<store::Record>& records);

// Compares a shadow run with its live run.
store::ShadowComparison CompareRuns(const store::RunDetail& live,
                                    const std::vector<store::Record>& live_records,
                                    const store::RunDetail& shadow,
                                    const std::vector<store::Record>& shadow_records,
                                    absl::Time now);

// Compares and stores every pair of the workflow that finished and was not compared yet.
// Returns how many it compared.
absl::StatusOr<int> CompareFinishedShadowRuns(store::Store& store, const std::string& workflow,
                                              absl::Time now);

struct FieldAgreement {
  std::string field;
  int compared = 0;  // pairs where either side had the field
  int equal = 0;
};

struct ShadowDisagreement {
  store::ShadowComparison comparison;
  Json differing = Json::array();  // [{"field", "live", "shadow"}]
};

struct ShadowReport {
  std::string workflow;
  std::string live_version;            // the workflow's live version now
  std::string shadow_version;          // the version reported on ("" when there is none)
  bool current_shadow = false;         // it is the workflow's shadow now
  int pairs = 0;                       // compared pairs
  int agreeing = 0;                    // every field equal and the same routing
  std::vector<FieldAgreement> fields;  // by field name
  int both_straight_through = 0;
  int both_person = 0;
  int routing_differs = 0;
  int live_only_routing = 0;  // a gate decided on one side only (the versions' plans differ)
  std::vector<ShadowDisagreement> disagreements;  // newest first, at most `max_disagreements`
};

// Compares what finished (CompareFinishedShadowRuns), then reports on `shadow_version` (empty:
// the workflow's shadow now, else the version compared last). NotFound for an unknown workflow.
absl::StatusOr<ShadowReport> BuildShadowReport(store::Store& store, const std::string& workflow,
                                               const std::string& shadow_version, absl::Time now,
                                               int max_disagreements = 20);

Json ShadowReportJson(const ShadowReport& report);

}  // namespace flowline::lifecycle
