// Release gates (docs/evaluation.md): a candidate version may replace the live one only when its
// evaluation on the workflow's gate dataset is not worse than the live version's beyond a margin
// on any gated measure.
//
//   field accuracy          the mean of the fields' accuracies, and each field's accuracy:
//                           candidate >= live - margins.field_accuracy
//   straight-through        the share of cases whose every field is auto-accepted at the lowest
//                           confidence threshold that keeps auto-accepted fields at the target
//                           accuracy: candidate >= live - margins.straight_through
//   cost                    per case (relative margin): candidate <= live * (1 + margins.cost);
//                           not gated when either evaluation has no cost (no price table)
//
// Everything here is a pure function of its arguments: the spec parser (engine/) reads the
// `release:` block into ReleaseGate, lifecycle/ evaluates versions and calls CheckGate.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "quality/evaluation.h"

namespace flowline::quality {

struct GateMargins {
  double field_accuracy = 0.01;    // absolute; default 1 point
  double straight_through = 0.02;  // absolute; default 2 points
  double cost = 0.10;              // relative; default 10%
};

// A workflow's `release: { gate: ... }` block.
struct ReleaseGate {
  std::string dataset;            // a stored dataset's name, NAME@VERSION, or a folder
  std::string split = "test";     // all | train | validation | test; default test
  double target_accuracy = 0.99;  // for straight-through; default 99%
  GateMargins margins;
};

// The gated measures of one evaluation: what a stored evaluation keeps as its summary, so gates
// and comparisons never need the full report.
struct EvaluationSummary {
  int cases = 0;
  double mean_field_accuracy = 0;
  std::map<std::string, double> field_accuracy;
  double target_accuracy = 0;
  double straight_through = 0;      // at target_accuracy, of cases
  std::optional<double> threshold;  // the confidence threshold that reaches it
  // The share of runs that went straight through the workflow (its own policy); unset for a
  // bare model.
  std::optional<double> workflow_straight_through;
  std::optional<double> cost_per_case;
  std::string currency;
  std::optional<double> latency_p50, latency_p95;  // seconds per case

  Json ToJson() const;
  // InvalidArgument naming the member that is missing or of the wrong type.
  static absl::StatusOr<EvaluationSummary> FromJson(const Json& json);
};

// The gated measures of a report.
EvaluationSummary SummarizeReport(const EvaluationReport& report);

struct GateMeasure {
  std::string name;  // "field_accuracy", "field_accuracy.total_amount", "straight_through", "cost"
  std::optional<double> candidate, live;
  double margin = 0;
  bool passed = true;
  std::string note;  // why it was not gated, when it was not
};

struct GateResult {
  bool passed = true;
  std::vector<GateMeasure> measures;
  // One line: "passed" or which measures failed, with the figures.
  std::string message;

  Json ToJson() const;
  // A short fixed-width table for terminals and CI logs.
  std::string ToTable() const;
};

// Compares `candidate` with `live` under `gate`'s margins. With no live evaluation (nothing is
// live yet) every measure passes with a note. A field the live evaluation scores and the
// candidate does not counts as accuracy 0 for the candidate.
GateResult CheckGate(const ReleaseGate& gate, const EvaluationSummary& candidate,
                     const std::optional<EvaluationSummary>& live);

}  // namespace flowline::quality
