#include "monitor/histogram.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/json_util.h"
#include "common/strings.h"

namespace flowline::monitor {
namespace {

// Numeric grid: bin i holds (γ^(i−1), γ^i] with γ = 1.01; its key is i + kOffset, negated for
// negative values, and 0 is the bin of |x| < kTiny. The offset keeps every key of |x| >= kTiny
// at 1 or more (log(1e-9)/log(1.01) = −2082.6).
constexpr double kGamma = 1.01;
constexpr double kTiny = 1e-9;
constexpr int32_t kOffset = 2100;
// Confidence grid: round(x / 0.005).
constexpr double kConfidenceStep = 0.005;

const double kLogGamma = std::log(kGamma);

int32_t NumericKey(double x) {
  const double magnitude = std::fabs(x);
  if (magnitude < kTiny) return 0;
  const int32_t key = static_cast<int32_t>(std::ceil(std::log(magnitude) / kLogGamma)) + kOffset;
  return x < 0 ? -key : key;
}

double NumericValue(int32_t key) {
  if (key == 0) return 0;
  const double magnitude = std::exp((std::abs(key) - kOffset - 0.5) * kLogGamma);
  return key < 0 ? -magnitude : magnitude;
}

int32_t ConfidenceKey(double x) {
  return static_cast<int32_t>(std::lround(std::clamp(x, 0.0, 1.0) / kConfidenceStep));
}

// Cuts a category to at most kMaxCategoryBytes without splitting a UTF-8 sequence.
std::string_view CutCategory(std::string_view category) {
  if (category.size() <= kMaxCategoryBytes) return category;
  size_t end = kMaxCategoryBytes;
  while (end > 0 && (static_cast<unsigned char>(category[end]) & 0xC0) == 0x80) --end;
  return category.substr(0, end);
}

absl::Status Malformed(std::string_view where, std::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("the drift histogram of ", Sv(where), " is malformed: ", Sv(what)));
}

}  // namespace

const char* FeatureTypeName(FeatureType type) {
  switch (type) {
    case FeatureType::kNumeric:
      return "numeric";
    case FeatureType::kConfidence:
      return "confidence";
    case FeatureType::kCategorical:
      return "categorical";
    case FeatureType::kRate:
      return "rate";
  }
  return "numeric";
}

std::optional<FeatureType> ParseFeatureType(std::string_view name) {
  for (FeatureType type : {FeatureType::kNumeric, FeatureType::kConfidence,
                           FeatureType::kCategorical, FeatureType::kRate}) {
    if (name == FeatureTypeName(type)) return type;
  }
  return std::nullopt;
}

void FeatureHistogram::AddNumber(double value) {
  if (!std::isfinite(value)) {
    ++missing_;
    return;
  }
  ++count_;
  switch (type_) {
    case FeatureType::kNumeric:
      ++bins_[NumericKey(value)];
      break;
    case FeatureType::kConfidence:
      ++bins_[ConfidenceKey(value)];
      break;
    case FeatureType::kRate:
      hits_ += value != 0;
      break;
    case FeatureType::kCategorical:
      ++categories_[absl::StrCat(value)];
      break;
  }
}

void FeatureHistogram::AddCategory(std::string_view category) {
  ++count_;
  const std::string_view cut = CutCategory(category);
  auto it = categories_.find(cut);
  if (it != categories_.end()) {
    ++it->second;
  } else if (categories_.size() >= kMaxCategories) {
    ++categories_[kOtherCategory];
  } else {
    categories_.emplace(std::string(cut), 1);
  }
}

absl::Status FeatureHistogram::Merge(const FeatureHistogram& other) {
  if (other.type_ != type_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot merge a ", FeatureTypeName(other.type_),
                                                   " histogram into a ", FeatureTypeName(type_),
                                                   " one"));
  }
  count_ += other.count_;
  missing_ += other.missing_;
  hits_ += other.hits_;
  for (const auto& [key, count] : other.bins_) bins_[key] += count;
  for (const auto& [category, count] : other.categories_) categories_[category] += count;
  if (categories_.size() > kMaxCategories) FoldCategories();
  return absl::OkStatus();
}

void FeatureHistogram::FoldCategories() {
  std::vector<std::pair<std::string, int64_t>> sorted;
  int64_t other = 0;
  for (auto& [category, count] : categories_) {
    if (category == kOtherCategory) {
      other += count;
    } else {
      sorted.emplace_back(category, count);
    }
  }
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  categories_.clear();
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (i + 1 < kMaxCategories) {
      categories_.emplace(std::move(sorted[i].first), sorted[i].second);
    } else {
      other += sorted[i].second;
    }
  }
  if (other > 0) categories_[kOtherCategory] = other;
}

std::vector<WeightedValue> FeatureHistogram::Values() const {
  std::vector<WeightedValue> values;
  values.reserve(bins_.size());
  for (const auto& [key, count] : bins_) {
    const double value =
        type_ == FeatureType::kConfidence ? key * kConfidenceStep : NumericValue(key);
    values.push_back({value, count});
  }
  return values;
}

std::string FeatureHistogram::ToJson() const {
  Json json = {{"n", count_}, {"missing", missing_}};
  switch (type_) {
    case FeatureType::kNumeric:
    case FeatureType::kConfidence: {
      Json bins = Json::array();
      for (const auto& [key, count] : bins_) bins.push_back(Json::array({key, count}));
      json["bins"] = std::move(bins);
      break;
    }
    case FeatureType::kCategorical:
      json["categories"] = categories_;
      break;
    case FeatureType::kRate:
      json["hits"] = hits_;
      break;
  }
  return common::CanonicalJson(json);
}

absl::StatusOr<FeatureHistogram> FeatureHistogram::FromJson(FeatureType type, std::string_view text,
                                                            std::string_view where) {
  absl::StatusOr<Json> json = common::ParseJson(text, where);
  if (!json.ok()) return json.status();
  if (!json->is_object()) return Malformed(where, "not an object");
  FeatureHistogram histogram(type);
  auto integer = [&](const char* name, int64_t& out) -> absl::Status {
    auto it = json->find(name);
    if (it == json->end()) return absl::OkStatus();
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return Malformed(where, absl::StrCat("\"", name, "\" is not a count"));
    }
    out = it->get<int64_t>();
    return absl::OkStatus();
  };
  if (absl::Status s = integer("n", histogram.count_); !s.ok()) return s;
  if (absl::Status s = integer("missing", histogram.missing_); !s.ok()) return s;
  if (absl::Status s = integer("hits", histogram.hits_); !s.ok()) return s;
  if (auto bins = json->find("bins"); bins != json->end()) {
    if (!bins->is_array()) return Malformed(where, "\"bins\" is not a list");
    for (const Json& bin : *bins) {
      if (!bin.is_array() || bin.size() != 2 || !bin[0].is_number_integer() ||
          !bin[1].is_number_integer()) {
        return Malformed(where, "a bin is not [key, count]");
      }
      histogram.bins_[bin[0].get<int32_t>()] += bin[1].get<int64_t>();
    }
  }
  if (auto categories = json->find("categories"); categories != json->end()) {
    if (!categories->is_object()) return Malformed(where, "\"categories\" is not an object");
    for (const auto& [category, count] : categories->items()) {
      if (!count.is_number_integer()) return Malformed(where, "a category count is not a number");
      histogram.categories_[category] = count.get<int64_t>();
    }
  }
  return histogram;
}

}  // namespace flowline::monitor
