// Reading monitored values out of the decision record (docs/drift.md, "Where the values come
// from"). Each record kind feeds the features that read from it:
//
//   run.created     input.<path>                        (the run's input)
//   step.completed  steps.<id>.output.<path>, steps.<id>.confidence;
//                   straight_through: the gate completed at once (decision "auto") → 1
//   task.opened     straight_through: the gate opened a task → 0
//   task.resolved   audit_accuracy: the gate's task (the task names its step; the record does
//                   not) was a random audit sample and nothing else
//                   (every routing reason is "audit_sample"): no field changed and not rejected
//                   → 1, else 0
//   run.completed   outputs.<path>
//
// A value is converted by the feature's type: numbers (also numbers written as text, as
// extracted amounts are) for numeric and confidence features; text, numbers and booleans as
// text for categorical ones; booleans (or numbers, non-zero true) for rates. A null, absent or
// unconvertible value counts as missing.
//
// Pure apart from the task lookup; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "monitor/histogram.h"
#include "monitor/monitor_spec.h"
#include "store/store.h"

namespace flowline::monitor {

// The record kinds that feed features; the rest are never read.
const std::vector<std::string>& MonitoredRecordKinds();

// One value for one feature of the config.
struct FeatureValue {
  const FeatureSpec* feature = nullptr;
  bool missing = false;
  double number = 0;     // numeric, confidence, rate (0 or 1)
  std::string category;  // categorical
};

// Looks up a task by id (the store's GetTask).
using TaskLookup = std::function<absl::StatusOr<store::Task>(const std::string& task_id)>;

// The values `fed` gives the features of `config` (its version's), appended to `out`. Errors
// only from the task lookup; a record whose payload cannot be read gives no values.
absl::Status ValuesOfRecord(const MonitorConfig& config, const store::FeedRecord& fed,
                            const TaskLookup& lookup, std::vector<FeatureValue>& out);

// Converts one JSON value as `type` says (see above). Exposed for tests and for features fed
// from elsewhere (simulations).
FeatureValue ConvertValue(const FeatureSpec& feature, const Json* value);

// Adds a value to a histogram of the feature's type.
void AddValue(const FeatureValue& value, FeatureHistogram& histogram);

}  // namespace flowline::monitor
