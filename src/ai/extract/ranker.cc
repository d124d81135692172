#include "ai/extract/ranker.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "ai/xgboost/booster_io.h"
#include "common/status_macros.h"

namespace flowline::ai {
namespace {

// Owns a DMatrix handle.
class Matrix {
 public:
  ~Matrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  absl::Status Create(const FeatureMatrix& x) {
    // NaN marks missing values; our features are never missing, so pass a value that never occurs.
    if (XGDMatrixCreateFromMat(x.values.data(), x.rows(), x.columns, -1e30f, &handle_) != 0) {
      return XgbError("creating a matrix");
    }
    return absl::OkStatus();
  }
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace

Ranker::~Ranker() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

absl::StatusOr<std::unique_ptr<Ranker>> Ranker::Train(const FeatureMatrix& x,
                                                      const std::vector<float>& labels,
                                                      const std::vector<unsigned>& groups,
                                                      const RankerSettings& settings) {
  if (x.rows() == 0 || labels.size() != x.rows()) {
    return absl::InvalidArgumentError("ranker: one label per feature row is needed");
  }
  if (std::accumulate(groups.begin(), groups.end(), size_t{0}) != x.rows()) {
    return absl::InvalidArgumentError("ranker: group sizes do not add up to the rows");
  }
  if (std::none_of(labels.begin(), labels.end(), [](float v) { return v > 0; })) {
    return absl::InvalidArgumentError("ranker: no positive example to learn from");
  }
  Matrix matrix;
  if (absl::Status s = matrix.Create(x); !s.ok()) return s;
  if (XGDMatrixSetFloatInfo(matrix.get(), "label", labels.data(), labels.size()) != 0) {
    return XgbError("setting labels");
  }
  if (XGDMatrixSetUIntInfo(matrix.get(), "group", groups.data(), groups.size()) != 0) {
    return XgbError("setting groups");
  }
  DMatrixHandle train[] = {matrix.get()};
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(train, 1, &booster) != 0) return XgbError("creating a booster");
  std::unique_ptr<Ranker> ranker(new Ranker(booster));
  const std::pair<std::string, std::string> params[] = {
      {"objective", settings.objective},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(settings.max_depth)},
      {"eta", std::to_string(settings.eta)},
      {"min_child_weight", std::to_string(settings.min_child_weight)},
      {"subsample", std::to_string(settings.subsample)},
      {"seed", std::to_string(settings.seed)},
      {"nthread", "1"},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : params) {
    if (XGBoosterSetParam(booster, name.c_str(), value.c_str()) != 0) {
      return XgbError("setting a parameter");
    }
  }
  for (int round = 0; round < settings.rounds; ++round) {
    if (XGBoosterUpdateOneIter(booster, round, matrix.get()) != 0) return XgbError("training");
  }
  return ranker;
}

absl::StatusOr<std::unique_ptr<Ranker>> Ranker::Load(std::string_view bytes) {
  ASSIGN_OR_RETURN(BoosterHandle booster, LoadBooster(bytes));
  return std::unique_ptr<Ranker>(new Ranker(booster));
}

absl::StatusOr<std::string> Ranker::Save() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SaveBooster(booster_);
}

absl::StatusOr<std::vector<float>> Ranker::Predict(const FeatureMatrix& x) const {
  if (x.rows() == 0) return std::vector<float>();
  Matrix matrix;
  if (absl::Status s = matrix.Create(x); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  const char* config = R"({"type": 0, "training": false, "iteration_begin": 0,
                           "iteration_end": 0, "strict_shape": false})";
  if (XGBoosterPredictFromDMatrix(booster_, matrix.get(), config, &shape, &dims, &result) != 0) {
    return XgbError("predicting");
  }
  return std::vector<float>(result, result + x.rows());
}

}  // namespace flowline::ai
