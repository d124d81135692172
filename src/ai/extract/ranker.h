// The candidate ranker: an XGBoost booster (C API) scoring candidates, trained per field on
// labelled documents (a candidate is positive when its value equals the label's).
//
// This is the adapter to libxgboost: every XGBoost error becomes an absl::Status here. Training is
// deterministic: fixed seed, one thread, exact histogram settings; the same rows give the same
// model bytes.
//
// Thread-safety: Predict() may be called from many threads (it serialises on an internal mutex,
// because XGBoost's DMatrix prediction cache is not safe to share); Train/Load are factories.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::ai {

struct RankerSettings {
  std::string objective = "binary:logistic";  // or "rank:pairwise" (groups then matter)
  // Shallower trees, more and smaller steps: measured better held out on all four real sets
  // (docs/accuracy.md, 2026-11-25), where each field has 5-40 training documents.
  int rounds = 300;
  int max_depth = 4;
  double eta = 0.05;
  double min_child_weight = 1.0;
  double subsample = 1.0;
  int seed = 7;
};

// Rows of features, row-major, `columns` wide.
struct FeatureMatrix {
  std::vector<float> values;
  size_t columns = 0;
  size_t rows() const { return columns == 0 ? 0 : values.size() / columns; }
};

class Ranker {
 public:
  ~Ranker();
  Ranker(const Ranker&) = delete;
  Ranker& operator=(const Ranker&) = delete;

  // Trains on `x` with 0/1 `labels` (one per row) and `groups` (row counts of consecutive groups,
  // one group per document; summing to x.rows()). InvalidArgument for mismatched sizes or no
  // positive row; Internal for an XGBoost failure.
  static absl::StatusOr<std::unique_ptr<Ranker>> Train(const FeatureMatrix& x,
                                                       const std::vector<float>& labels,
                                                       const std::vector<unsigned>& groups,
                                                       const RankerSettings& settings);
  // Reads Save()'s bytes; InvalidArgument when they are not an XGBoost model.
  static absl::StatusOr<std::unique_ptr<Ranker>> Load(std::string_view bytes);

  // The model in XGBoost's UBJSON form (deterministic bytes).
  absl::StatusOr<std::string> Save() const;
  // One score per row (higher is better; for binary:logistic a probability).
  absl::StatusOr<std::vector<float>> Predict(const FeatureMatrix& x) const;

 private:
  explicit Ranker(void* booster) : booster_(booster) {}
  void* booster_;
  mutable std::mutex mu_;
};

}  // namespace flowline::ai
