// Scoring extraction results against a labelled dataset: what `flowline eval` reports.
//
// Only labelled (document, field) pairs are scored: the public sets' labels are not exhaustive
// (a field missing from a label file may still be printed), so a prediction for an unlabelled
// field is neither right nor wrong here.
//
//   accuracy        share of labelled pairs whose prediction equals the label after
//                   normalisation (ai::MatchKey: amounts numerically, ids without punctuation,
//                   text case- and punctuation-insensitive)
//   fuzzy           mean token F1 of prediction and label (text, organisation, address fields)
//   coverage        share of labelled pairs with a prediction at all
//   ECE             expected calibration error of the confidences over all labelled pairs
//                   (10 equal-width bins): how far "90% sure" is from "right 90% of the time"
//   straight-through at target accuracy T: the lowest confidence threshold t such that the
//                   pairs with confidence >= t (auto-accepted) are right at least T of the time;
//                   the share of documents whose every labelled field is >= t (a failed
//                   document is never straight-through)
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "quality/dataset.h"
#include "quality/line_item_scores.h"

namespace flowline::quality {

struct FieldResult {
  std::optional<std::string> normalized;  // nullopt: the model found no value
  double confidence = 0;
  std::string evidence{};  // the text line the value was read from, when the extractor says
  bool confirmed = false;  // a check confirmed it (the policy's confirmed_by; workflow runs)
};

// What a workflow or a step produced for one labelled document.
struct DocumentResult {
  std::string id;     // LabelledDocument::id
  std::string error;  // the run or step failed: every field counts as wrong
  std::map<std::string, FieldResult> fields;
  // The extracted line items; nullopt when the step extracts none (no table field).
  std::optional<std::vector<LineItemRow>> line_items;

  // Workflow evaluations (lifecycle/): what the run did with the case. Unset for a bare model.
  std::optional<std::string> label;  // the classify step's label
  double label_confidence = 0;
  std::optional<bool> straight_through;  // the run completed with no person involved
  std::vector<std::string> reasons;      // why it went to a person
  // Processing time: the steps' execution time summed (not the wait in the evaluation's queue).
  std::optional<double> seconds;
  std::map<std::string, double> step_seconds;  // per step id
  std::optional<double> cost;                  // model + human cost, with a price table
};

struct EvaluationOptions {
  double target_accuracy = 0.98;  // for the straight-through rate; default 98%
  int calibration_bins = 10;      // default 10
};

struct FieldScore {
  std::string name;
  std::string type;
  int labelled = 0;
  int predicted = 0;
  int correct = 0;
  double accuracy = 0;
  double coverage = 0;
  std::optional<double> fuzzy;  // text types only
};

struct CalibrationBin {
  double low = 0, high = 0;
  int count = 0;
  double mean_confidence = 0;
  double accuracy = 0;
};

// An optional field (labelled on some cases, absent on others): does the model say "there is a
// value" when, and only when, there is one? Precision needs exhaustive labels (a prediction for
// an absent label is a false positive only when absent means "not on the document").
struct OptionalFieldScore {
  std::string name;
  int labelled = 0;                 // cases that have the field
  int predicted = 0;                // ... on which the model gave a value
  int correct = 0;                  // ... and it was right
  int false_positives = 0;          // cases without the field on which the model gave a value
  double recall = 0;                // correct / labelled
  std::optional<double> precision;  // correct / (predicted + false_positives); exhaustive only
  std::optional<double> f1;
};

// One point of the straight-through vs accuracy curve: fields with confidence >= threshold are
// auto-accepted.
struct CurvePoint {
  double threshold = 0;
  double accuracy = 0;          // of the auto-accepted fields (0 when none is)
  double accepted_share = 0;    // of labelled fields
  double straight_through = 0;  // of cases: every labelled field auto-accepted, no failure
};

// The cases with one value of a slice (LabelledDocument::slices: vendor, doc_type, source, ...).
struct SliceScore {
  std::string slice, value;
  int cases = 0;
  int pairs = 0, correct = 0;  // labelled fields, right ones
  double accuracy = 0;         // correct / pairs
  int straight_through = 0;    // cases the workflow took straight through
};

struct EvaluationReport {
  std::string dataset;
  std::string format;
  int documents = 0;
  int failed_documents = 0;
  std::vector<FieldScore> fields;
  double mean_field_accuracy = 0;  // macro: the mean of the fields' accuracies
  double pair_accuracy = 0;        // micro: over all labelled pairs
  double ece = 0;
  std::vector<CalibrationBin> calibration;
  double target_accuracy = 0;
  std::optional<double> threshold;  // nullopt: no threshold reaches the target
  double auto_accepted_accuracy = 0;
  double auto_accepted_share = 0;  // of labelled pairs
  double straight_through = 0;     // of documents
  int straight_through_documents = 0;
  // The wrong pairs, for people to look at: {document, field, label, predicted, confidence}.
  Json errors = Json::array();
  // Line items (line_item_scores.h), when the results carry them and the dataset labels them.
  std::optional<LineItemScores> line_items;
  // Case-level measures (case_measures.cc).
  bool labels_exhaustive = false;  // flowline, stored, jsonl, csv: absent means not there
  std::vector<OptionalFieldScore> optional_fields;
  std::map<std::string, std::map<std::string, int>> confusion;  // expected type → label → n
  std::optional<double> classifier_accuracy;
  std::vector<CurvePoint> curve;  // thresholds 0, 0.05, ..., 1
  std::vector<SliceScore> slices;
  std::optional<double> latency_p50, latency_p95;  // seconds per case (workflow evaluations)
  // Per step id: its mean execution time in seconds over the cases that ran it (workflow
  // evaluations) — where a case's time goes.
  std::map<std::string, double> step_mean_seconds;
  std::optional<double> cost_per_case;              // with a price table, every case costed
  std::optional<double> workflow_straight_through;  // runs the workflow took straight through
  // [{id, wrong_fields, labelled_fields, error?, seconds?, cost?, straight_through?, reasons?,
  //   label?, expected_label?, slices?}] in the dataset's order.
  Json cases = Json::array();

  Json ToJson() const;
  // A readable table for people.
  std::string ToTable() const;
};

// Whether absent labels mean "not on the document" (the project's own formats).
bool LabelsAreExhaustive(const Dataset& dataset);
// Fills the case-level measures of `report` (called by Evaluate).
void AddCaseMeasures(const Dataset& dataset, const std::vector<DocumentResult>& results,
                     EvaluationReport& report);

// Scores `results` (matched to `dataset` documents by id; a dataset document without a result
// counts as failed) against the labels.
EvaluationReport Evaluate(const Dataset& dataset, const std::vector<DocumentResult>& results,
                          const EvaluationOptions& options = {});

}  // namespace flowline::quality
