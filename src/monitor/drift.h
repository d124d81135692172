// Drift of one feature: its reference window's histogram against its recent window's, tested as
// its type says (docs/drift.md):
//
//   numeric, confidence  drift when PSI >= thresholds.psi AND the KS p-value < p_value
//   categorical          drift when JS >= thresholds.js AND the chi-squared p-value < p_value
//   rate                 drift when the rate moved by >= rate_change in the feature's direction
//                        AND the two-proportion test's p-value < rate_p_value
//
// A window with fewer values than the minimum sample size gives kInsufficientData, never drift.
// The result carries what a person (and the dashboard) needs to see why: every statistic with
// its threshold, and the two distributions side by side.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "monitor/histogram.h"
#include "monitor/monitor_spec.h"

namespace flowline::monitor {

enum class DriftStatus {
  kOk,                // tested, no drift
  kDrift,             // tested, drifted
  kInsufficientData,  // a window has too few values to test
  kWarmingUp,         // the reference window has not ended before the recent one starts
};
const char* DriftStatusName(DriftStatus status);  // "ok", "drift", "insufficient_data", ...

struct DriftStatistic {
  std::string name;  // "psi", "ks_d", "ks_p", "chi2", "chi2_p", "js", "rate_change", "p"
  double value = 0;
  std::optional<double> threshold;  // the one it is held to, if any
  bool beyond = false;              // past its threshold (in the drift direction)
};

struct FeatureDrift {
  std::string feature;
  std::string from;
  FeatureType type = FeatureType::kNumeric;
  std::string test;  // "psi+ks", "chi2+js", "two_proportion"
  DriftStatus status = DriftStatus::kOk;
  std::string summary;  // one line for people: what moved, by how much, against what
  std::vector<DriftStatistic> statistics;
  int64_t reference_n = 0;
  int64_t current_n = 0;
  int64_t reference_missing = 0;
  int64_t current_missing = 0;
  // The two distributions for display (docs/api.md, GET /api/v1/workflows/{name}/drift):
  //   numeric, confidence  {"bins": [{"lower","upper","reference","current"}], "reference_median",
  //                         "current_median"} with shares over the PSI bins
  //   categorical          {"categories": [{"category","reference","current","new"}],
  //                         "new_categories": [{"category","count"}]} with shares
  //   rate                 {"reference_rate","current_rate","reference_trials","current_trials"}
  Json distribution = Json::object();

  Json ToJson() const;
};

// Tests `feature` (its type and thresholds) on the merged histograms of the two windows.
FeatureDrift EvaluateDrift(const FeatureSpec& feature, const FeatureHistogram& reference,
                           const FeatureHistogram& current);

// The same feature when the windows cannot be tested yet (kWarmingUp), with `summary`.
FeatureDrift NotTested(const FeatureSpec& feature, DriftStatus status, std::string summary);

}  // namespace flowline::monitor
