// What a workflow watches for drift: the `monitor:` block of its spec (docs/workflows.md), and the
// MonitorConfig a version resolves it to, with the features derived from the spec added
// (engine/monitoring.h derives them; docs/drift.md lists them).
//
// Plain data; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "monitor/histogram.h"
#include "monitor/statistics.h"

namespace flowline::monitor {

// When a feature counts as drifted. Both conditions of its type must hold: the change is
// statistically significant AND large enough to matter (docs/drift.md says why).
struct DriftThresholds {
  double psi = 0.2;           // numeric, confidence: PSI at least this, and KS p below p_value
  double p_value = 0.01;      // distribution tests (KS, chi-squared): the p-value below this
  double js = 0.1;            // categorical: Jensen–Shannon divergence (bits) at least this, and
                              // chi-squared p below p_value
  double rate_change = 0.05;  // rates: the rate moved at least this much (absolute), and the
                              // two-proportion test's p below rate_p_value
  // Stricter than p_value: a rate's change threshold is close to its noise at everyday volumes,
  // so the p-value is what holds false alarms down across daily re-checks (docs/drift.md).
  double rate_p_value = 0.001;
  int64_t min_samples = 200;       // distribution features: values per window, else no test
  int64_t min_rate_samples = 100;  // rates: trials per window, else no test
};

// Where a feature's value is read.
enum class FeatureSource {
  kInput,            // the run's input: `input.<path>`
  kStepOutput,       // a step's output: `steps.<id>.output.<path>`
  kStepConfidence,   // a step's confidence: `steps.<id>.confidence`
  kRunOutput,        // the run's outputs: `outputs.<path>`
  kStraightThrough,  // the gate let the case through without a person (1) or not (0)
  kAuditAccuracy,    // a random audit sample's reviewer changed nothing (1) or something (0)
};

struct FeatureSpec {
  std::string name;  // unique per workflow: "fields.total_amount", "straight_through"
  FeatureType type = FeatureType::kNumeric;
  FeatureSource source = FeatureSource::kStepOutput;
  std::string from;               // as written: "steps.fields.output.values.total_amount"
  std::string step;               // the step (kStepOutput, kStepConfidence; the gate for rates)
  std::vector<std::string> path;  // inside the input, output or outputs; list indexes as digits
  Direction direction = Direction::kBoth;  // rates: which change is drift
  DriftThresholds thresholds;              // the workflow's, with the feature's own over them
  bool derived = false;                    // a default derived from the spec, not written
};

// The `monitor:` block as written (defaults where absent).
struct MonitorSpec {
  bool enabled = true;   // `enabled: false` turns drift checks off for the workflow
  bool defaults = true;  // add the features derived from the spec to the ones written
  // The reference window: the first `reference_days` of monitored data, or the explicit
  // [reference_from, reference_until).
  absl::Duration reference_days = absl::Hours(24 * 14);
  std::optional<absl::Time> reference_from;
  std::optional<absl::Time> reference_until;
  absl::Duration recent = absl::Hours(24 * 7);  // the recent window: the last 7 days
  DriftThresholds thresholds;
  std::string notify_url;             // alerts' webhook; empty: the exception policy's
  std::vector<FeatureSpec> features;  // written
  std::vector<std::string> ignore;    // derived features not to watch, by name
};

// A version's monitoring, resolved: the block, the derived features, the webhook.
struct MonitorConfig {
  std::string workflow;
  std::string version;
  MonitorSpec spec;
  std::vector<FeatureSpec> features;  // derived (unless turned off or ignored), then written
  std::string notify_url;             // spec.notify_url, else the exception policy's
  std::string gate_step;              // the workflow's gate (review step with gate: true), if any

  const FeatureSpec* Find(const std::string& name) const;
};

// What a feature's `from:` may be, as a hint for people.
inline constexpr char kFeatureFromHint[] =
    "write input.<field>, steps.<step>.output.<field>, steps.<step>.confidence, outputs.<name>, "
    "straight_through or audit_accuracy";

// Splits a feature's `from:` into source, step and path. nullopt (with `error` saying why) when
// it is none of the forms of kFeatureFromHint.
std::optional<FeatureSpec> ParseFeatureFrom(const std::string& from, std::string* error);

}  // namespace flowline::monitor
