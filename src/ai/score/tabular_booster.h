// The `score` step's XGBoost adapter: a binary classifier over tabular rows with missing values
// and categorical columns, and per-feature explanations (SHAP values, XGBoost's pred_contribs).
//
// Every XGBoost error becomes an absl::Status here. Training is deterministic: fixed seed, one
// thread, the hist tree method; the same rows and settings give the same model bytes. Missing
// values are NaN; a categorical column holds category indexes 0..k-1 (XGBoost's native
// categorical splits, so an explanation has one contribution per feature, not per category).
//
// Thread-safety: Predict/Contributions may be called from many threads (they serialise on an
// internal mutex: XGBoost's prediction cache is not safe to share); Train/Load are factories.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::ai {

struct BoosterSettings {
  int rounds = 100;  // boosting rounds
  int max_depth = 3;
  double eta = 0.1;  // learning rate
  double min_child_weight = 5;
  int seed = 7;
};

// Rows of values, row-major, `categorical.size()` wide; NaN is a missing value.
struct TabularRows {
  std::vector<float> values;
  std::vector<bool> categorical;  // per column
  size_t columns() const { return categorical.size(); }
  size_t rows() const { return categorical.empty() ? 0 : values.size() / categorical.size(); }
};

class TabularBooster {
 public:
  ~TabularBooster();
  TabularBooster(const TabularBooster&) = delete;
  TabularBooster& operator=(const TabularBooster&) = delete;

  // Trains binary:logistic on `x` with 0/1 `labels` (one per row). InvalidArgument for
  // mismatched sizes or a single class; Internal for an XGBoost failure.
  static absl::StatusOr<std::unique_ptr<TabularBooster>> Train(const TabularRows& x,
                                                               const std::vector<float>& labels,
                                                               const BoosterSettings& settings);
  // The XGBoost library's version, "1.7.4".
  static std::string Version();
  // Reads Save()'s bytes; InvalidArgument when they are not an XGBoost model.
  static absl::StatusOr<std::unique_ptr<TabularBooster>> Load(std::string_view bytes);

  // The model in XGBoost's UBJSON form (deterministic bytes).
  absl::StatusOr<std::string> Save() const;
  // The probability of the positive class, one per row.
  absl::StatusOr<std::vector<float>> Predict(const TabularRows& x) const;
  // Per row, columns() + 1 values: each feature's contribution to the log-odds, then the bias;
  // they add up to the row's log-odds.
  absl::StatusOr<std::vector<float>> Contributions(const TabularRows& x) const;

 private:
  explicit TabularBooster(void* booster) : booster_(booster) {}
  absl::StatusOr<std::vector<float>> Run(const TabularRows& x, int type, size_t per_row) const;

  void* booster_;
  mutable std::mutex mu_;
};

}  // namespace flowline::ai
