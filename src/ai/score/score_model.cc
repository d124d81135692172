#include "ai/score/score_model.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/ids.h"
#include "common/model_files.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::ai {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

}  // namespace

Json ScoreFeature::ToJson() const {
  Json out = {{"name", name}, {"type", categorical ? "categorical" : "numeric"}};
  if (categorical) {
    out["categories"] = categories;
  } else if (has_range) {
    out["min"] = min;
    out["max"] = max;
  } else {
    out["min"] = nullptr;
    out["max"] = nullptr;
  }
  out["missing_in_training"] = missing_in_training;
  return out;
}

std::optional<std::string> CategoryText(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean() || value.is_number_integer() || value.is_number_unsigned()) {
    return value.dump();
  }
  if (value.is_number_float()) {
    const double number = value.get<double>();
    if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 1e15) {
      return absl::StrCat(static_cast<int64_t>(number));
    }
    return value.dump();
  }
  return std::nullopt;
}

absl::StatusOr<EncodedValue> EncodeFeature(const ScoreFeature& feature, const Json& value) {
  if (value.is_null()) return EncodedValue{kMissing, feature.missing_in_training == 0};
  if (feature.categorical) {
    const std::optional<std::string> text = CategoryText(value);
    if (!text.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("feature \"", feature.name, "\" is categorical (a string such as \"",
                       feature.categories.empty() ? "..." : feature.categories.front(), "\"), got ",
                       steps::DescribeValue(value)));
    }
    const auto it = std::lower_bound(feature.categories.begin(), feature.categories.end(), *text);
    if (it == feature.categories.end() || *it != *text) return EncodedValue{kMissing, true};
    return EncodedValue{static_cast<float>(it - feature.categories.begin()), false};
  }
  double number = 0;
  if (value.is_boolean()) {
    number = value.get<bool>() ? 1 : 0;
  } else if (value.is_number()) {
    number = value.get<double>();
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "feature \"", feature.name, "\" is numeric, got ", steps::DescribeValue(value),
        value.is_string() ? " (a string: pass a number, e.g. ${{ tonumber(...) }})" : ""));
  }
  if (!std::isfinite(number)) {
    return absl::InvalidArgumentError(
        absl::StrCat("feature \"", feature.name, "\" must be a finite number"));
  }
  const bool unusual = feature.has_range && (number < feature.min || number > feature.max);
  return EncodedValue{static_cast<float>(number), unusual};
}

absl::StatusOr<std::vector<ScoreFeature>> ParseScoreFeatures(const Json& features,
                                                             std::string_view where) {
  auto bad = [&](std::string_view what) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(where), ": malformed score model: ", Sv(what)));
  };
  if (!features.is_array() || features.empty()) return bad("`features` must be a non-empty list");
  std::vector<ScoreFeature> out;
  for (const Json& f : features) {
    if (!f.is_object() || !f.value("name", Json()).is_string()) {
      return bad("each feature needs a `name`");
    }
    ScoreFeature feature;
    feature.name = f["name"].get<std::string>();
    const Json missing = f.value("missing_in_training", Json(0));
    feature.missing_in_training = missing.is_number_integer() ? missing.get<int>() : 0;
    const std::string type = f.value("type", "");
    if (type == "categorical") {
      feature.categorical = true;
      const Json categories = f.value("categories", Json());
      if (!categories.is_array()) return bad(absl::StrCat(feature.name, ": no `categories`"));
      for (const Json& c : categories) {
        if (!c.is_string()) return bad(absl::StrCat(feature.name, ": a category is not a string"));
        feature.categories.push_back(c.get<std::string>());
      }
      if (!std::is_sorted(feature.categories.begin(), feature.categories.end())) {
        return bad(absl::StrCat(feature.name, ": the categories are not sorted"));
      }
    } else if (type == "numeric") {
      const Json min = f.value("min", Json());
      const Json max = f.value("max", Json());
      feature.has_range = min.is_number() && max.is_number();
      if (feature.has_range) {
        feature.min = min.get<double>();
        feature.max = max.get<double>();
      }
    } else {
      return bad(absl::StrCat(feature.name, ": `type` must be numeric or categorical"));
    }
    out.push_back(std::move(feature));
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ScoreModel>> ScoreModel::Load(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return absl::NotFoundError(absl::StrCat("model directory ", Sv(dir), " does not exist"));
  }
  const fs::path manifest_path = fs::path(dir) / "model.json";
  absl::StatusOr<std::string> manifest_text = common::ReadFileBytes(manifest_path);
  if (!manifest_text.ok()) return manifest_text.status();
  absl::StatusOr<Json> manifest = common::ParseJson(*manifest_text, manifest_path.string());
  if (!manifest.ok()) return absl::FailedPreconditionError(manifest.status().message());
  if (!manifest->is_object() || manifest->value("kind", "") != "score") {
    return absl::FailedPreconditionError(
        absl::StrCat(manifest_path.string(), " is not a score model (kind is not \"score\")"));
  }
  absl::StatusOr<std::string> bytes = common::ReadFileBytes(fs::path(dir) / "model.ubj");
  if (!bytes.ok()) return bytes.status();
  return FromParts(*manifest, *bytes, manifest_path.string());
}

absl::StatusOr<std::unique_ptr<ScoreModel>> ScoreModel::FromParts(const Json& manifest,
                                                                  std::string_view model_bytes,
                                                                  std::string_view where) {
  if (!manifest.is_object() || manifest.value("kind", "") != "score") {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(where), " is not a score model (kind is not \"score\")"));
  }
  auto model = std::unique_ptr<ScoreModel>(new ScoreModel());
  model->sha256_ = common::Sha256Hex(model_bytes);
  if (model->sha256_ != manifest.value("sha256", "")) {
    return absl::FailedPreconditionError(
        absl::StrCat("model.ubj beside ", Sv(where),
                     " does not match the SHA-256 in model.json: the file is corrupt or was "
                     "replaced"));
  }
  absl::StatusOr<std::vector<ScoreFeature>> features =
      ParseScoreFeatures(manifest.value("features", Json()), where);
  if (!features.ok()) return features.status();
  model->features_ = *std::move(features);
  const Json labels = manifest.value("labels", Json::object());
  const Json threshold = manifest.value("threshold", Json());
  if (!labels.is_object() || !labels.value("positive", Json()).is_string() ||
      !labels.value("negative", Json()).is_string() || !threshold.is_number()) {
    return absl::FailedPreconditionError(
        absl::StrCat(Sv(where),
                     ": malformed score model: needs labels.positive, "
                     "labels.negative and threshold"));
  }
  model->positive_label_ = labels["positive"].get<std::string>();
  model->negative_label_ = labels["negative"].get<std::string>();
  model->threshold_ = threshold.get<double>();
  absl::StatusOr<std::unique_ptr<TabularBooster>> booster = TabularBooster::Load(model_bytes);
  if (!booster.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("model.ubj beside ", Sv(where), ": ", booster.status().message()));
  }
  model->booster_ = *std::move(booster);
  model->manifest_ = manifest;
  return model;
}

absl::StatusOr<ScoreResult> ScoreModel::Score(const Json& values) const {
  if (!values.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("`features` must be a mapping of feature name to value, got ",
                     steps::DescribeValue(values)));
  }
  std::vector<std::string> names;
  for (const ScoreFeature& f : features_) names.push_back(f.name);
  for (const auto& [name, value] : values.items()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", name,
                                                     "\" is not a feature of the model (its "
                                                     "features: ",
                                                     absl::StrJoin(names, ", "), ")"));
    }
  }
  ScoreResult result;
  TabularRows row;
  for (const ScoreFeature& f : features_) {
    const auto it = values.find(f.name);
    const Json& value = it == values.end() ? Json() : *it;
    absl::StatusOr<EncodedValue> encoded = EncodeFeature(f, value);
    if (!encoded.ok()) return encoded.status();
    if (value.is_null()) result.missing.push_back(f.name);
    if (encoded->unusual) result.unusual.push_back(f.name);
    row.values.push_back(encoded->value);
    row.categorical.push_back(f.categorical);
  }
  absl::StatusOr<std::vector<float>> contributions = booster_->Contributions(row);
  if (!contributions.ok()) return contributions.status();
  double margin = 0;
  for (size_t i = 0; i < features_.size(); ++i) {
    result.contributions.push_back((*contributions)[i]);
    margin += (*contributions)[i];
  }
  result.bias = contributions->back();
  margin += result.bias;
  result.score = 1 / (1 + std::exp(-margin));
  return result;
}

}  // namespace flowline::ai
