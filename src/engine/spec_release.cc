// Reads a workflow's `release:` block: the release gate a new version must pass before it
// replaces the live one (quality/gate.h; docs/workflows.md and docs/evaluation.md).
#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "quality/gate.h"

namespace flowline::engine::internal {
namespace {

const std::vector<std::string> kReleaseFields = {"gate"};
const std::vector<std::string> kGateFields = {"dataset", "split", "target_accuracy", "margins"};
const std::vector<std::string> kMarginFields = {"field_accuracy", "straight_through", "cost"};
const std::vector<std::string> kSplits = {"all", "train", "validation", "test"};

constexpr std::string_view kGateHint =
    "write e.g. `release: { gate: { dataset: invoices, split: test, target_accuracy: 0.99, "
    "margins: { field_accuracy: 0.01, straight_through: 0.02, cost: 0.10 } } }`";

// A number in [low, high]; nullopt (with a diagnostic) otherwise.
std::optional<double> ReadShare(const Field& field, const std::string& name, double low,
                                double high, std::string_view hint, DiagnosticSink& sink) {
  auto value = ReadNumber(field, name, hint, sink);
  if (!value) return std::nullopt;
  if (*value < low || *value > high) {
    sink.Add(field.location,
             absl::StrCat(name, " must be at least ", low, " and at most ", high, ", not ", *value),
             std::string(hint));
    return std::nullopt;
  }
  return value;
}

void ReadMargins(const Field& field, quality::GateMargins& margins, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "how much worse than live a candidate may be: accuracy and straight-through in shares "
      "(0.01 = 1 point), cost relative (0.10 = 10%), e.g. `margins: { field_accuracy: 0.01, "
      "straight_through: 0.02, cost: 0.10 }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("release.gate.margins must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields fields(field.value, "release.gate.margins", kMarginFields, sink);
  auto margin = [&](const char* name, double high, double& out) {
    if (const Field* f = fields.Find(name)) {
      if (auto v =
              ReadShare(*f, absl::StrCat("release.gate.margins.", name), 0, high, kHint, sink)) {
        out = *v;
      }
    }
  };
  margin("field_accuracy", 1, margins.field_accuracy);
  margin("straight_through", 1, margins.straight_through);
  margin("cost", 10, margins.cost);
}

void ReadGate(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("release.gate must be a mapping, not ", Describe(field.value)),
             std::string(kGateHint));
    return;
  }
  quality::ReleaseGate gate;
  MappingFields fields(field.value, "release.gate", kGateFields, sink);
  const Field* dataset = fields.Find("dataset");
  if (dataset == nullptr) {
    sink.Add(field.location,
             "release.gate needs a dataset: the labelled cases versions are "
             "evaluated on",
             std::string(kGateHint));
  } else if (auto name = ReadString(*dataset, "release.gate.dataset", kGateHint, sink)) {
    if (name->empty()) {
      sink.Add(dataset->location, "release.gate.dataset is empty", std::string(kGateHint));
    }
    gate.dataset = *name;
  }
  if (const Field* split = fields.Find("split")) {
    if (auto name = ReadString(*split, "release.gate.split", kGateHint, sink)) {
      if (std::find(kSplits.begin(), kSplits.end(), *name) == kSplits.end()) {
        sink.Add(split->location,
                 absl::StrCat("release.gate.split must be all, train, validation or test, not '",
                              *name, "'"),
                 "the gate usually evaluates on the test part: `split: test`");
      } else {
        gate.split = *name;
      }
    }
  }
  if (const Field* target = fields.Find("target_accuracy")) {
    if (auto v = ReadShare(*target, "release.gate.target_accuracy", 0.5, 1,
                           "the accuracy auto-accepted fields must reach, e.g. 0.99", sink)) {
      gate.target_accuracy = *v;
    }
  }
  if (const Field* margins = fields.Find("margins")) ReadMargins(*margins, gate.margins, sink);
  parsed.spec.release_gate = std::move(gate);
}

}  // namespace

void ReadRelease(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  if (!field.value.IsMap()) {
    sink.Add(field.location, absl::StrCat("release must be a mapping, not ", Describe(field.value)),
             std::string(kGateHint));
    return;
  }
  MappingFields fields(field.value, "release", kReleaseFields, sink);
  if (const Field* gate = fields.Find("gate")) ReadGate(*gate, parsed, sink);
}

}  // namespace flowline::engine::internal
