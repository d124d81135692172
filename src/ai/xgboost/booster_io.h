// The XGBoost C API calls shared by the extract ranker (ai/extract/ranker.h) and the score model
// (ai/score/tabular_booster.h): an error with XGBoost's own message, and a booster saved to and
// loaded from bytes (UBJSON), predicting on one thread.
#pragma once

#include <xgboost/c_api.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace flowline::ai {

// Internal "xgboost: <what>: <XGBoost's last error>".
absl::Status XgbError(const char* what);

// A new booster holding the model in `bytes`, set to predict on one thread. The caller owns the
// handle (XGBoosterFree). InvalidArgument when `bytes` is not an XGBoost model.
absl::StatusOr<BoosterHandle> LoadBooster(std::string_view bytes);

// The booster's model as UBJSON bytes. Not thread-safe for one booster: the caller serialises.
absl::StatusOr<std::string> SaveBooster(BoosterHandle booster);

}  // namespace flowline::ai
