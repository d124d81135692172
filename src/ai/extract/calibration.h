// Turning a field's ranker scores into a calibrated confidence, fitted on held-out predictions.
//
// For each labelled document held out of training (k-fold cross-fitting), the field's outcome is
// summarised as a HeldOut: the top candidate's score, its margin over the runner-up, whether it
// was right, whether the field was on the document at all. From these:
//   - a threshold on the top score: below it the field is answered null ("not on the document"),
//     chosen to maximise held-out accuracy (a null is right when the label is absent);
//   - Platt scaling (logistic regression on logit(score) and margin) of answered predictions to
//     P(correct); and P(absent) for null answers.
// The fit is deterministic (Newton's method from zero, fixed iterations, small L2).
//
// Plain values and pure functions; thread-safe.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::ai {

struct HeldOut {
  bool has_candidate = false;
  double score = 0;            // top candidate's score (0 when none)
  double margin = 0;           // top score minus the runner-up's (the top score when alone)
  bool correct = false;        // the top candidate equals the label
  bool label_present = false;  // the field is on the document
};

struct Calibration {
  double threshold = 0;  // answer only when the top score is >= this
  double bias = 0, w_score = 0, w_margin = 0;
  double null_confidence = 0.5;  // P(absent) when answering null

  // P(correct) of answering with a top candidate of this score and margin.
  double Confidence(double score, double margin) const;
  Json ToJson() const;
  static absl::StatusOr<Calibration> FromJson(const Json& json);
};

Calibration FitCalibration(const std::vector<HeldOut>& held_out);

// The confidence and correctness `calibration` gives a held-out prediction (answered or null).
struct Scored {
  double confidence = 0;
  bool correct = false;
  bool answered = false;
};
Scored ScoreHeldOut(const Calibration& calibration, const HeldOut& h);

// Expected calibration error over `bins` equal-width confidence bins: sum over bins of
// (bin size / n) * |mean confidence - accuracy|. 0 for no predictions.
double ExpectedCalibrationError(const std::vector<Scored>& predictions, int bins = 10);

}  // namespace flowline::ai
