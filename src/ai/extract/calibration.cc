#include "ai/extract/calibration.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace flowline::ai {
namespace {

double Logit(double p) {
  p = std::clamp(p, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

double Sigmoid(double z) { return 1 / (1 + std::exp(-z)); }

bool Answers(double threshold, const HeldOut& h) { return h.has_candidate && h.score >= threshold; }

// The penalised negative log-likelihood of weights `w` on `rows`.
double Loss(const std::vector<const HeldOut*>& rows, const double w[3], double lambda) {
  double loss = 0.5 * lambda * (w[1] * w[1] + w[2] * w[2]);
  for (const HeldOut* r : rows) {
    const double z = w[0] + w[1] * Logit(r->score) + w[2] * r->margin;
    // log(1 + e^z) - y z, computed stably.
    loss += (z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z))) - (r->correct ? z : 0);
  }
  return loss;
}

// Logistic regression of y on (1, logit(score), margin) by Newton's method with backtracking
// (halving the step until the loss falls) and L2 `lambda` (not on the bias). Three parameters:
// the 3x3 system is solved directly.
void FitPlatt(const std::vector<const HeldOut*>& rows, Calibration* out) {
  double w[3] = {0, 0, 0};
  const double lambda = 1e-2;
  for (int iter = 0; iter < 50; ++iter) {
    double g[3] = {0, 0, 0};
    double h[3][3] = {{1e-9, 0, 0}, {0, lambda, 0}, {0, 0, lambda}};
    g[1] = lambda * w[1];
    g[2] = lambda * w[2];
    for (const HeldOut* r : rows) {
      const double x[3] = {1, Logit(r->score), r->margin};
      const double p = Sigmoid(w[0] * x[0] + w[1] * x[1] + w[2] * x[2]);
      const double y = r->correct ? 1 : 0;
      for (int i = 0; i < 3; ++i) {
        g[i] += (p - y) * x[i];
        for (int j = 0; j < 3; ++j) h[i][j] += p * (1 - p) * x[i] * x[j];
      }
    }
    // Solve h * step = g (Gaussian elimination with partial pivoting).
    double a[3][4];
    for (int i = 0; i < 3; ++i) {
      for (int j = 0; j < 3; ++j) a[i][j] = h[i][j];
      a[i][3] = g[i];
    }
    bool singular = false;
    for (int c = 0; c < 3; ++c) {
      int pivot = c;
      for (int r = c + 1; r < 3; ++r) {
        if (std::fabs(a[r][c]) > std::fabs(a[pivot][c])) pivot = r;
      }
      if (std::fabs(a[pivot][c]) < 1e-12) {
        singular = true;
        break;
      }
      for (int k = 0; k < 4; ++k) std::swap(a[c][k], a[pivot][k]);
      for (int r = 0; r < 3; ++r) {
        if (r == c) continue;
        const double f = a[r][c] / a[c][c];
        for (int k = c; k < 4; ++k) a[r][k] -= f * a[c][k];
      }
    }
    if (singular) break;
    const double before = Loss(rows, w, lambda);
    double step[3], next[3];
    for (int i = 0; i < 3; ++i) step[i] = a[i][3] / a[i][i];
    double t = 1;
    for (; t > 1e-8; t /= 2) {
      for (int i = 0; i < 3; ++i) next[i] = w[i] - t * step[i];
      if (Loss(rows, next, lambda) <= before) break;
    }
    if (t <= 1e-8) break;
    double change = 0;
    for (int i = 0; i < 3; ++i) {
      change += std::fabs(next[i] - w[i]);
      w[i] = next[i];
    }
    if (change < 1e-9) break;
  }
  out->bias = w[0];
  out->w_score = w[1];
  out->w_margin = w[2];
}

}  // namespace

double Calibration::Confidence(double score, double margin) const {
  return Sigmoid(bias + w_score * Logit(score) + w_margin * margin);
}

Json Calibration::ToJson() const {
  return Json{{"method", "platt"},  {"threshold", threshold}, {"bias", bias},
              {"w_score", w_score}, {"w_margin", w_margin},   {"null_confidence", null_confidence}};
}

absl::StatusOr<Calibration> Calibration::FromJson(const Json& json) {
  Calibration c;
  for (const char* key : {"threshold", "bias", "w_score", "w_margin", "null_confidence"}) {
    if (!json.is_object() || !json.contains(key) || !json[key].is_number()) {
      return absl::InvalidArgumentError(std::string("calibration: missing number ") + key);
    }
  }
  c.threshold = json["threshold"].get<double>();
  c.bias = json["bias"].get<double>();
  c.w_score = json["w_score"].get<double>();
  c.w_margin = json["w_margin"].get<double>();
  c.null_confidence = json["null_confidence"].get<double>();
  return c;
}

Calibration FitCalibration(const std::vector<HeldOut>& held_out) {
  Calibration c;
  // Threshold: 0 or one of the scores, whichever is most accurate (ties: the lowest).
  std::set<double> thresholds = {0.0};
  for (const HeldOut& h : held_out) {
    if (h.has_candidate) thresholds.insert(h.score);
  }
  int best = -1;
  for (double t : thresholds) {
    int right = 0;
    for (const HeldOut& h : held_out) {
      right += Answers(t, h) ? h.correct : !h.label_present;
    }
    if (right > best) {
      best = right;
      c.threshold = t;
    }
  }
  std::vector<const HeldOut*> answered;
  int nulls = 0, absent = 0;
  for (const HeldOut& h : held_out) {
    if (Answers(c.threshold, h)) {
      answered.push_back(&h);
    } else {
      ++nulls;
      absent += h.label_present ? 0 : 1;
    }
  }
  c.null_confidence = (absent + 1.0) / (nulls + 2.0);
  FitPlatt(answered, &c);
  return c;
}

Scored ScoreHeldOut(const Calibration& calibration, const HeldOut& h) {
  Scored s;
  s.answered = Answers(calibration.threshold, h);
  if (s.answered) {
    s.confidence = calibration.Confidence(h.score, h.margin);
    s.correct = h.correct;
  } else {
    s.confidence = calibration.null_confidence;
    s.correct = !h.label_present;
  }
  return s;
}

double ExpectedCalibrationError(const std::vector<Scored>& predictions, int bins) {
  if (predictions.empty()) return 0;
  std::vector<double> confidence(bins, 0), correct(bins, 0), count(bins, 0);
  for (const Scored& p : predictions) {
    const int b = std::clamp(static_cast<int>(p.confidence * bins), 0, bins - 1);
    confidence[b] += p.confidence;
    correct[b] += p.correct ? 1 : 0;
    count[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < bins; ++b) {
    if (count[b] == 0) continue;
    ece += count[b] / static_cast<double>(predictions.size()) *
           std::fabs(confidence[b] / count[b] - correct[b] / count[b]);
  }
  return ece;
}

}  // namespace flowline::ai
