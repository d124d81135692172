// Per-field confidence thresholds for the exception policy (review/policy.h): what `flowline
// tune` chooses, and what a set of thresholds gives on labelled cases.
//
// A field value is *accepted* when a check confirms it or its confidence is at least its field's
// threshold; a case goes *straight through* when it did not fail and every field in scope is
// accepted. The values that leave without a person are the fields of straight-through cases:
// their accuracy is the *auto-accepted accuracy* the target is about.
//
// ChooseThresholds, on the validation cases (docs/evaluation.md, "Tune"):
//   1. per field, the lowest threshold t (among the confidences of its labelled, unconfirmed
//      values) such that the labelled values with confidence >= t are right at least `target`
//      of the time and number at least `min_accepted` (the small-sample guard); a field with no
//      such t is *always reviewed* (threshold kAlwaysReview, above 1). Each field then meets the
//      target on its own, over all cases.
//   2. if the values of the straight-through cases then miss the target (each field reaches it
//      over all cases, not necessarily over that subset), pass 1 again with a stricter per-field
//      target (from `target` up to 1 in twentieths) until they reach it;
//   3. a greedy joint pass: lower one field's threshold to one of its lower candidates, the move
//      that raises the straight-through rate most, as long as it lets no wrong value through
//      and every field's values in straight-through cases stay right at least `target` of the
//      time (with at least `min_accepted` of them for a field whose threshold moved); repeat
//      until no move raises the rate. A value that is wrong in a case a person sees anyway costs
//      nothing, so a field may go lower here than on its own.
// Pure functions; thread-compatible.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "quality/dataset.h"
#include "quality/evaluation.h"

namespace flowline::quality {

// A threshold above every confidence: the field always goes to a person.
inline constexpr double kAlwaysReview = 2.0;

// One field of one case, as the tuner sees it.
struct FieldObservation {
  std::string field;
  double confidence = 0;   // the step's confidence in its value (0 when it gave none)
  bool labelled = false;   // the dataset says what is right for this field
  bool correct = false;    // labelled, and the value equals the label
  bool confirmed = false;  // a check confirms it: accepted whatever its confidence
};

struct CaseObservation {
  std::string id;
  bool failed = false;  // the run or step failed: never straight through
  std::vector<FieldObservation> fields;
};

// The observations of `results` against `dataset` for the dataset's fields (its `fields`: the
// caller keeps the ones the model extracts), judged as Evaluate judges them (ai::MatchKey after
// normalisation). A field the result lacks has confidence 0; a document without a result failed.
std::vector<CaseObservation> ObserveCases(const Dataset& dataset,
                                          const std::vector<DocumentResult>& results);

struct FieldOutcome {
  int labelled = 0;          // labelled values
  int accepted = 0;          // labelled values accepted (all cases)
  int accepted_correct = 0;  // ... and right
  int released = 0;          // labelled values of straight-through cases
  int released_correct = 0;  // ... and right
};

// What thresholds give on cases. A field without a threshold is always accepted.
struct ThresholdOutcome {
  int cases = 0;
  int straight_through = 0;
  int accepted = 0, accepted_correct = 0;  // labelled accepted values, all cases
  int released = 0, released_correct = 0;  // labelled values of straight-through cases
  std::map<std::string, FieldOutcome> fields;
  double StraightThroughRate() const;
  double ReleasedAccuracy() const;  // auto-accepted accuracy; 1 when nothing was released
  Json ToJson() const;
};

// Whether `one` goes straight through under `thresholds`: it did not fail and every field is
// accepted.
bool GoesStraightThrough(const CaseObservation& one,
                         const std::map<std::string, double>& thresholds);

ThresholdOutcome ApplyThresholds(const std::vector<CaseObservation>& cases,
                                 const std::map<std::string, double>& thresholds);

struct TuneOptions {
  double target_accuracy = 0.99;  // default 99%
  int min_accepted = 5;           // small-sample guard (above); default 5
  bool joint = true;              // run passes 2 and 3; default true
  int max_candidates = 64;        // lower thresholds tried per field and move; default 64
};

struct FieldThreshold {
  std::string field;
  double threshold = kAlwaysReview;  // > 1: always reviewed
  double per_field = kAlwaysReview;  // what pass 1 chose
  std::string why;  // "reaches the target", "lowered by the joint pass", "never reaches ..."
  bool AlwaysReviewed() const { return threshold > 1; }
};

struct ThresholdChoice {
  double target_accuracy = 0;
  std::vector<FieldThreshold> fields;  // in the order the fields were first seen
  ThresholdOutcome validation;         // what the chosen thresholds give on the validation cases
  int joint_moves = 0;
  double per_field_target = 0;  // what pass 2 asked of each field (ChooseThresholds)
  std::map<std::string, double> Thresholds() const;
  Json ToJson() const;
};

// Chooses per-field thresholds on `validation` (above). Every field seen in `validation` gets
// one.
ThresholdChoice ChooseThresholds(const std::vector<CaseObservation>& validation,
                                 const TuneOptions& options = {});

}  // namespace flowline::quality
