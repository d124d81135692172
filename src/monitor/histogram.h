// FeatureHistogram: a bounded, mergeable summary of one monitored feature's values over a time
// bucket, which is what the store keeps for drift detection (docs/drift.md, "How samples are
// kept"). A drift check merges the buckets of a window and tests the merged histograms, so its
// cost depends on the number of buckets and bins, not on the number of runs.
//
//   numeric      values on a logarithmic grid: bins 1% wide (each value stands for the
//                geometric middle of its bin, within 0.5% of it); |x| < 1e-9 is one bin at 0
//   confidence   values in [0, 1] on a linear grid of 0.005 (outside values are clamped)
//   categorical  a count per category (text up to 80 bytes); past 200 categories the least
//                frequent are folded into "(other)"
//   rate         trials and hits (a value is a hit when it is true or non-zero)
//
// Every histogram also counts values that were missing (null or absent where the feature looks).
// Not thread-safe: one owner at a time.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "monitor/statistics.h"

namespace flowline::monitor {

enum class FeatureType { kNumeric, kConfidence, kCategorical, kRate };

const char* FeatureTypeName(FeatureType type);  // "numeric", "confidence", ...
std::optional<FeatureType> ParseFeatureType(std::string_view name);

// Where categories beyond the cap go.
inline constexpr char kOtherCategory[] = "(other)";
inline constexpr size_t kMaxCategories = 200;
inline constexpr size_t kMaxCategoryBytes = 80;

class FeatureHistogram {
 public:
  explicit FeatureHistogram(FeatureType type) : type_(type) {}

  FeatureType type() const { return type_; }

  // Numeric and confidence features: a value (non-finite values count as missing). Rate
  // features: a trial, a hit when `value` is non-zero.
  void AddNumber(double value);
  // Categorical features.
  void AddCategory(std::string_view category);
  void AddMissing() { ++missing_; }

  // Adds `other`'s counts. InvalidArgument if the types differ.
  absl::Status Merge(const FeatureHistogram& other);

  int64_t count() const { return count_; }  // values seen (missing ones not included)
  int64_t missing() const { return missing_; }
  int64_t hits() const { return hits_; }  // rate features

  // Numeric and confidence features: the values as each bin's representative value with its
  // count, sorted by value.
  std::vector<WeightedValue> Values() const;
  // Categorical features: the count of every category.
  const std::map<std::string, int64_t, std::less<>>& categories() const { return categories_; }

  // The stored form: {"n":…,"missing":…} with "bins":[[bin,count],…], "categories":{…} or
  // "hits":… by type. FromJson is its inverse; InvalidArgument (naming `where`) for anything
  // else.
  std::string ToJson() const;
  static absl::StatusOr<FeatureHistogram> FromJson(FeatureType type, std::string_view json,
                                                   std::string_view where);

 private:
  void FoldCategories();

  FeatureType type_;
  int64_t count_ = 0;
  int64_t missing_ = 0;
  int64_t hits_ = 0;
  std::map<int32_t, int64_t> bins_;
  std::map<std::string, int64_t, std::less<>> categories_;
};

}  // namespace flowline::monitor
