#include "ai/score/tabular_booster.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "ai/xgboost/booster_io.h"
#include "common/status_macros.h"

namespace flowline::ai {
namespace {

// Owns a DMatrix handle built from rows whose missing values are NaN.
class Matrix {
 public:
  ~Matrix() {
    if (handle_ != nullptr) XGDMatrixFree(handle_);
  }
  absl::Status Create(const TabularRows& x) {
    if (XGDMatrixCreateFromMat(x.values.data(), x.rows(), x.columns(),
                               std::numeric_limits<float>::quiet_NaN(), &handle_) != 0) {
      return XgbError("creating a matrix");
    }
    // "c" columns get categorical splits (hist method); "q" are numbers.
    std::vector<const char*> types;
    for (bool categorical : x.categorical) types.push_back(categorical ? "c" : "q");
    if (XGDMatrixSetStrFeatureInfo(handle_, "feature_type", types.data(), types.size()) != 0) {
      return XgbError("setting feature types");
    }
    return absl::OkStatus();
  }
  DMatrixHandle get() const { return handle_; }

 private:
  DMatrixHandle handle_ = nullptr;
};

}  // namespace

TabularBooster::~TabularBooster() {
  if (booster_ != nullptr) XGBoosterFree(booster_);
}

absl::StatusOr<std::unique_ptr<TabularBooster>> TabularBooster::Train(
    const TabularRows& x, const std::vector<float>& labels, const BoosterSettings& settings) {
  if (x.rows() == 0 || labels.size() != x.rows()) {
    return absl::InvalidArgumentError("score model: one label per row is needed");
  }
  const bool any_positive =
      std::any_of(labels.begin(), labels.end(), [](float v) { return v > 0; });
  const bool any_negative =
      std::any_of(labels.begin(), labels.end(), [](float v) { return v <= 0; });
  if (!any_positive || !any_negative) {
    return absl::InvalidArgumentError("score model: the training rows hold a single class");
  }
  Matrix matrix;
  if (absl::Status s = matrix.Create(x); !s.ok()) return s;
  if (XGDMatrixSetFloatInfo(matrix.get(), "label", labels.data(), labels.size()) != 0) {
    return XgbError("setting labels");
  }
  DMatrixHandle train[] = {matrix.get()};
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(train, 1, &booster) != 0) return XgbError("creating a booster");
  std::unique_ptr<TabularBooster> model(new TabularBooster(booster));
  const std::pair<std::string, std::string> params[] = {
      {"objective", "binary:logistic"},
      {"tree_method", "hist"},
      {"max_depth", std::to_string(settings.max_depth)},
      {"eta", std::to_string(settings.eta)},
      {"min_child_weight", std::to_string(settings.min_child_weight)},
      {"seed", std::to_string(settings.seed)},
      {"nthread", "1"},  // one thread: the model depends only on the data and the seed
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
  return model;
}

std::string TabularBooster::Version() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return absl::StrCat(major, ".", minor, ".", patch);
}

absl::StatusOr<std::unique_ptr<TabularBooster>> TabularBooster::Load(std::string_view bytes) {
  ASSIGN_OR_RETURN(BoosterHandle booster, LoadBooster(bytes));
  return std::unique_ptr<TabularBooster>(new TabularBooster(booster));
}

absl::StatusOr<std::string> TabularBooster::Save() const {
  std::lock_guard<std::mutex> lock(mu_);
  return SaveBooster(booster_);
}

absl::StatusOr<std::vector<float>> TabularBooster::Run(const TabularRows& x, int type,
                                                       size_t per_row) const {
  if (x.rows() == 0) return std::vector<float>();
  Matrix matrix;
  if (absl::Status s = matrix.Create(x); !s.ok()) return s;
  std::lock_guard<std::mutex> lock(mu_);
  const bst_ulong* shape = nullptr;
  bst_ulong dims = 0;
  const float* result = nullptr;
  const std::string config =
      absl::StrCat(R"({"type": )", type, R"(, "training": false, "iteration_begin": 0,
                   "iteration_end": 0, "strict_shape": false})");
  if (XGBoosterPredictFromDMatrix(booster_, matrix.get(), config.c_str(), &shape, &dims, &result) !=
      0) {
    return XgbError("predicting");
  }
  return std::vector<float>(result, result + x.rows() * per_row);
}

absl::StatusOr<std::vector<float>> TabularBooster::Predict(const TabularRows& x) const {
  return Run(x, /*type=*/0, 1);
}

absl::StatusOr<std::vector<float>> TabularBooster::Contributions(const TabularRows& x) const {
  return Run(x, /*type=*/2, x.columns() + 1);  // type 2: pred_contribs (SHAP values)
}

}  // namespace flowline::ai
