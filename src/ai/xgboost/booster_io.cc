#include "ai/xgboost/booster_io.h"

#include "absl/strings/str_cat.h"

namespace flowline::ai {

absl::Status XgbError(const char* what) {
  return absl::InternalError(absl::StrCat("xgboost: ", what, ": ", XGBGetLastError()));
}

absl::StatusOr<BoosterHandle> LoadBooster(std::string_view bytes) {
  BoosterHandle booster = nullptr;
  if (XGBoosterCreate(nullptr, 0, &booster) != 0) return XgbError("creating a booster");
  if (XGBoosterLoadModelFromBuffer(booster, bytes.data(), bytes.size()) != 0) {
    absl::Status error =
        absl::InvalidArgumentError(absl::StrCat("not an XGBoost model: ", XGBGetLastError()));
    XGBoosterFree(booster);
    return error;
  }
  if (XGBoosterSetParam(booster, "nthread", "1") != 0) {
    absl::Status error = XgbError("setting nthread");
    XGBoosterFree(booster);
    return error;
  }
  return booster;
}

absl::StatusOr<std::string> SaveBooster(BoosterHandle booster) {
  bst_ulong length = 0;
  const char* data = nullptr;
  if (XGBoosterSaveModelToBuffer(booster, R"({"format": "ubj"})", &length, &data) != 0) {
    return XgbError("saving the model");
  }
  return std::string(data, length);
}

}  // namespace flowline::ai
