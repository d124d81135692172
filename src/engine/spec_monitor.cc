// Reads a workflow's `monitor:` block: what drift detection watches, its windows and thresholds
// (monitor/monitor_spec.h; docs/workflows.md and docs/drift.md).
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "monitor/monitor_spec.h"

namespace flowline::engine::internal {
namespace {

const std::vector<std::string> kMonitorFields = {"enabled",    "defaults", "reference", "recent",
                                                 "thresholds", "notify",   "ignore",    "features"};
const std::vector<std::string> kWindowFields = {"from", "until"};
const std::vector<std::string> kThresholdFields = {
    "psi", "p_value", "js", "rate_change", "rate_p_value", "min_samples", "min_rate_samples"};
const std::vector<std::string> kFeatureFields = {"name", "from", "type", "direction", "thresholds"};
const std::vector<std::string> kTypeNames = {"numeric", "confidence", "categorical", "rate"};
const std::vector<std::string> kDirectionNames = {"both", "drop", "rise"};

constexpr std::string_view kFeatureHint =
    "write e.g. `- { name: amount, from: steps.figures.output.total, type: numeric }`";

std::optional<double> ReadBounded(const Field& field, const std::string& name, double low,
                                  double high, std::string_view hint, DiagnosticSink& sink) {
  auto value = ReadNumber(field, name, hint, sink);
  if (!value) return std::nullopt;
  if (*value < low || *value > high || (low == 0 && *value == 0)) {
    sink.Add(field.location,
             absl::StrCat(name, " must be ", low == 0 ? "above " : "at least ", low,
                          " and at most ", high, ", not ", *value),
             std::string(hint));
    return std::nullopt;
  }
  return value;
}

void ReadThresholds(const Field& field, const std::string& where,
                    monitor::DriftThresholds& thresholds, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `thresholds: { psi: 0.2, p_value: 0.01, js: 0.1, rate_change: 0.05 }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location, absl::StrCat(where, " must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, where, kThresholdFields, sink);
  auto share = [&](const char* name, double high, double& out) {
    if (const Field* f = fields.Find(name)) {
      if (auto v = ReadBounded(*f, absl::StrCat(where, ".", name), 0, high, kHint, sink)) out = *v;
    }
  };
  share("psi", 10, thresholds.psi);
  share("p_value", 0.5, thresholds.p_value);
  share("js", 1, thresholds.js);
  share("rate_change", 1, thresholds.rate_change);
  share("rate_p_value", 0.5, thresholds.rate_p_value);
  auto count = [&](const char* name, int64_t& out) {
    if (const Field* f = fields.Find(name)) {
      const std::string full = absl::StrCat(where, ".", name);
      constexpr std::string_view kCountHint = "write a whole number of values, e.g. 200";
      if (auto v = ReadInteger(*f, full, kCountHint, sink)) {
        if (*v < 10) {
          sink.Add(f->location, absl::StrCat(full, " must be at least 10, not ", *v),
                   "fewer values per window cannot tell drift from chance");
        } else {
          out = *v;
        }
      }
    }
  };
  count("min_samples", thresholds.min_samples);
  count("min_rate_samples", thresholds.min_rate_samples);
}

std::optional<absl::Time> ReadDate(const Field& field, const std::string& name,
                                   DiagnosticSink& sink) {
  constexpr std::string_view kHint = "write a date, e.g. 2026-01-01, or a time in RFC 3339";
  auto text = ReadString(field, name, kHint, sink);
  if (!text) return std::nullopt;
  absl::Time time;
  std::string error;
  if (absl::ParseTime("%Y-%m-%d", *text, absl::UTCTimeZone(), &time, &error) ||
      absl::ParseTime(absl::RFC3339_full, *text, &time, &error)) {
    return time;
  }
  sink.Add(field.location, absl::StrCat(name, " is not a date: '", *text, "'"), std::string(kHint));
  return std::nullopt;
}

void ReadReference(const Field& field, monitor::MonitorSpec& spec, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write the first days of production, e.g. `reference: 14d`, or a fixed window, e.g. "
      "`reference: { from: 2026-01-01, until: 2026-01-15 }`";
  if (field.value.IsScalar()) {
    if (auto days = ReadDuration(field, "monitor.reference", sink)) {
      if (*days < absl::Hours(24)) {
        sink.Add(field.location, "monitor.reference must be at least one day", std::string(kHint));
      } else {
        spec.reference_days = *days;
      }
    }
    return;
  }
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("monitor.reference must be a duration or a mapping, not ",
                          Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, "monitor.reference", kWindowFields, sink);
  const Field* from = fields.Find("from");
  const Field* until = fields.Find("until");
  if (from == nullptr || until == nullptr) {
    sink.Add(field.location, "monitor.reference needs both `from:` and `until:`",
             std::string(kHint));
    return;
  }
  auto from_time = ReadDate(*from, "monitor.reference.from", sink);
  auto until_time = ReadDate(*until, "monitor.reference.until", sink);
  if (!from_time || !until_time) return;
  if (*until_time - *from_time < absl::Hours(24)) {
    sink.Add(until->location, "monitor.reference.until must be at least a day after `from:`",
             std::string(kHint));
    return;
  }
  spec.reference_from = from_time;
  spec.reference_until = until_time;
}

// Whether `feature`'s source names something the spec has.
void CheckSource(const monitor::FeatureSpec& feature, const Field& from, const ParsedSpec& parsed,
                 DiagnosticSink& sink) {
  const WorkflowSpec& spec = parsed.spec;
  switch (feature.source) {
    case monitor::FeatureSource::kStepOutput:
    case monitor::FeatureSource::kStepConfidence: {
      std::vector<std::string> ids;
      for (const StepSpec& step : spec.steps) ids.push_back(step.id);
      if (std::find(ids.begin(), ids.end(), feature.step) == ids.end()) {
        sink.Add(
            from.location,
            absl::StrCat("feature '", feature.name, "' reads unknown step '", feature.step, "'"),
            SuggestName(feature.step, ids, "steps are"));
      }
      break;
    }
    case monitor::FeatureSource::kRunOutput: {
      std::vector<std::string> names;
      for (const auto& [name, value] : spec.outputs) names.push_back(name);
      if (!spec.outputs.contains(feature.path.front())) {
        sink.Add(from.location,
                 absl::StrCat("feature '", feature.name, "' reads unknown output '",
                              feature.path.front(), "'"),
                 SuggestName(feature.path.front(), names, "outputs are"));
      }
      break;
    }
    case monitor::FeatureSource::kStraightThrough:
    case monitor::FeatureSource::kAuditAccuracy: {
      bool gate = false;
      for (const StepSpec& step : spec.steps) {
        auto it = step.with.find("gate");
        gate |=
            step.uses == "review" && it != step.with.end() && it->is_boolean() && it->get<bool>();
      }
      if (!gate) {
        sink.Add(from.location,
                 absl::StrCat("feature '", feature.name, "' reads ", feature.from,
                              ", but the workflow has no gate"),
                 "it is measured at a review step with `gate: true`");
      } else if (feature.source == monitor::FeatureSource::kAuditAccuracy &&
                 spec.exceptions.audit_rate <= 0) {
        sink.Add(from.location,
                 absl::StrCat("feature '", feature.name,
                              "' reads audit_accuracy, but the workflow draws no audit sample"),
                 "set `exceptions: { audit_rate: 0.02 }` (a share of straight-through cases)");
      }
      break;
    }
    case monitor::FeatureSource::kInput:
      break;
  }
}

void ReadFeature(const YAML::Node& node, std::set<std::string>& names, const ParsedSpec& parsed,
                 monitor::MonitorSpec& spec, DiagnosticSink& sink) {
  if (!node.IsMap()) {
    sink.Add(LocationOf(node),
             absl::StrCat("each monitored feature must be a mapping, not ", Describe(node)),
             std::string(kFeatureHint));
    return;
  }
  MappingFields fields(node, "a monitored feature", kFeatureFields, sink);
  const Field* name = fields.Find("name");
  const Field* from = fields.Find("from");
  if (name == nullptr || from == nullptr) {
    sink.Add(LocationOf(node),
             absl::StrCat("a monitored feature needs ", name == nullptr ? "a `name:`" : "",
                          name == nullptr && from == nullptr ? " and " : "",
                          from == nullptr ? "a `from:`" : ""),
             std::string(kFeatureHint));
    return;
  }
  auto name_text = ReadString(*name, "monitor.features.name", kFeatureHint, sink);
  auto from_text = ReadString(*from, "monitor.features.from", kFeatureHint, sink);
  if (!name_text || !from_text) return;
  if (!IsLowerName(*name_text, "._-")) {
    sink.Add(name->location, absl::StrCat("feature name '", *name_text, "' is not valid"),
             "use lower-case letters, digits, '.', '-' and '_', e.g. `total_amount`");
    return;
  }
  if (!names.insert(*name_text).second) {
    sink.Add(name->location, absl::StrCat("two monitored features are named '", *name_text, "'"),
             "give each feature its own name");
    return;
  }
  std::string error;
  std::optional<monitor::FeatureSpec> feature = monitor::ParseFeatureFrom(*from_text, &error);
  if (!feature) {
    sink.Add(from->location, absl::StrCat("feature '", *name_text, "': ", error),
             monitor::kFeatureFromHint);
    return;
  }
  feature->name = *name_text;
  feature->thresholds = spec.thresholds;
  const bool builtin_rate = feature->source == monitor::FeatureSource::kStraightThrough ||
                            feature->source == monitor::FeatureSource::kAuditAccuracy;
  if (feature->source == monitor::FeatureSource::kAuditAccuracy) {
    feature->direction = monitor::Direction::kDrop;
  }
  if (const Field* type = fields.Find("type")) {
    constexpr std::string_view kTypeHint = "numeric, confidence, categorical or rate";
    if (auto text = ReadString(*type, "monitor.features.type", kTypeHint, sink)) {
      std::optional<monitor::FeatureType> parsed_type = monitor::ParseFeatureType(*text);
      if (!parsed_type) {
        sink.Add(type->location, absl::StrCat("unknown feature type '", *text, "'"),
                 SuggestName(*text, kTypeNames, "types are"));
      } else if (builtin_rate && *parsed_type != monitor::FeatureType::kRate) {
        sink.Add(
            type->location,
            absl::StrCat("feature '", *name_text, "': ", *from_text, " is a rate, not ", *text),
            "leave out `type:` or write `type: rate`");
      } else {
        feature->type = *parsed_type;
      }
    }
  } else if (!builtin_rate && feature->source != monitor::FeatureSource::kStepConfidence) {
    sink.Add(from->location, absl::StrCat("feature '", *name_text, "' has no `type:`"),
             "say how to compare its values: numeric, confidence, categorical or rate");
  }
  if (const Field* direction = fields.Find("direction")) {
    constexpr std::string_view kHint = "write both, drop or rise";
    if (auto text = ReadString(*direction, "monitor.features.direction", kHint, sink)) {
      if (feature->type != monitor::FeatureType::kRate) {
        sink.Add(direction->location,
                 absl::StrCat("feature '", *name_text, "': only a rate has a direction"),
                 "leave out `direction:`, or make the feature `type: rate`");
      } else if (*text == "both" || *text == "drop" || *text == "rise") {
        feature->direction = *text == "both"   ? monitor::Direction::kBoth
                             : *text == "drop" ? monitor::Direction::kDrop
                                               : monitor::Direction::kRise;
      } else {
        sink.Add(direction->location, absl::StrCat("unknown direction '", *text, "'"),
                 SuggestName(*text, kDirectionNames, "directions are"));
      }
    }
  }
  if (const Field* thresholds = fields.Find("thresholds")) {
    ReadThresholds(*thresholds, absl::StrCat("feature '", *name_text, "': thresholds"),
                   feature->thresholds, sink);
  }
  CheckSource(*feature, *from, parsed, sink);
  spec.features.push_back(*std::move(feature));
}

}  // namespace

void ReadMonitor(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `monitor: { reference: 14d, recent: 7d }` (docs/workflows.md)";
  if (!field.value.IsMap()) {
    sink.Add(field.location, absl::StrCat("monitor must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  monitor::MonitorSpec& spec = parsed.spec.monitor;
  MappingFields fields(field.value, "monitor", kMonitorFields, sink);
  if (const Field* enabled = fields.Find("enabled")) {
    if (auto flag = ReadBool(*enabled, "monitor.enabled", "write true or false", sink)) {
      spec.enabled = *flag;
    }
  }
  if (const Field* defaults = fields.Find("defaults")) {
    if (auto flag = ReadBool(*defaults, "monitor.defaults", "write true or false", sink)) {
      spec.defaults = *flag;
    }
  }
  if (const Field* reference = fields.Find("reference")) ReadReference(*reference, spec, sink);
  if (const Field* recent = fields.Find("recent")) {
    if (auto days = ReadDuration(*recent, "monitor.recent", sink)) {
      if (*days < absl::Hours(1)) {
        sink.Add(recent->location, "monitor.recent must be at least an hour",
                 "write e.g. `recent: 7d`");
      } else {
        spec.recent = *days;
      }
    }
  }
  // The workflow's thresholds first: every feature starts from them.
  if (const Field* thresholds = fields.Find("thresholds")) {
    ReadThresholds(*thresholds, "monitor.thresholds", spec.thresholds, sink);
  }
  if (const Field* notify = fields.Find("notify")) {
    constexpr std::string_view kUrlHint =
        "write the webhook's URL, e.g. https://hooks.example/drift";
    if (auto url = ReadString(*notify, "monitor.notify", kUrlHint, sink)) {
      if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
        sink.Add(notify->location,
                 absl::StrCat("monitor.notify must be an http(s) URL, not '", *url, "'"),
                 std::string(kUrlHint));
      } else {
        spec.notify_url = *url;
      }
    }
  }
  if (const Field* ignore = fields.Find("ignore")) {
    constexpr std::string_view kIgnoreHint =
        "list derived features not to watch, e.g. `ignore: [kind.confidence]`";
    if (auto names = ReadNameList(*ignore, "monitor.ignore", kIgnoreHint, sink)) {
      for (const auto& [name, location] : *names) spec.ignore.push_back(name);
    }
  }
  if (const Field* features = fields.Find("features")) {
    if (!features->value.IsSequence()) {
      sink.Add(features->location,
               absl::StrCat("monitor.features must be a list, not ", Describe(features->value)),
               std::string(kFeatureHint));
    } else {
      std::set<std::string> names;
      for (const YAML::Node& node : features->value) ReadFeature(node, names, parsed, spec, sink);
    }
  }
}

}  // namespace flowline::engine::internal
