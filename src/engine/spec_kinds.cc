// Checks each step against its kind: that the kind is registered, that it may run as the step's
// actor, and that `with:` gives the kind's parameters with the right types; then lets the kind
// check its own configuration (StepKind::Prepare) and places those problems in the file too.
#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "engine/internal/scalar_position.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "expr/expr.h"
#include "steps/duration.h"

namespace flowline::engine::internal {

namespace {

bool ContainsPlaceholder(const Json& value) {
  if (value.is_string()) return expr::HasPlaceholder(value.get_ref<const std::string&>());
  if (value.is_structured()) {
    for (const Json& member : value) {
      if (ContainsPlaceholder(member)) return true;
    }
  }
  return false;
}

bool HasType(const Json& value, steps::ParamType type) {
  switch (type) {
    case steps::ParamType::kAny:
      return true;
    case steps::ParamType::kString:
      return value.is_string();
    case steps::ParamType::kNumber:
      return value.is_number();
    case steps::ParamType::kInteger:
      return value.is_number_integer() ||
             (value.is_number_float() &&
              value.get<double>() ==
                  static_cast<double>(static_cast<int64_t>(value.get<double>())));
    case steps::ParamType::kBoolean:
      return value.is_boolean();
    case steps::ParamType::kObject:
      return value.is_object();
    case steps::ParamType::kArray:
      return value.is_array();
    case steps::ParamType::kDuration:
      return value.is_string() && steps::ParseDuration(value.get_ref<const std::string&>()).ok();
  }
  return false;
}

// The hint for a value of the wrong type: quoted numbers and booleans are the usual slip.
std::string TypeHint(const YAML::Node& node, const Json& value, const steps::ParamSpec& param) {
  Json unquoted = node.IsScalar() ? ResolvePlainScalar(node.Scalar()) : value;
  if (value.is_string() && !IsPlainScalar(node) && !unquoted.is_string() &&
      HasType(unquoted, param.type)) {
    return "remove the quotes: a quoted value is a string";
  }
  if (param.type == steps::ParamType::kDuration && unquoted.is_number()) {
    return absl::StrCat("add a unit, e.g. `", node.Scalar(), "s` for seconds or `", node.Scalar(),
                        "m` for minutes");
  }
  if (param.literal) return "write the value itself";
  return absl::StrCat("write ", steps::ParamTypeName(param.type),
                      ", or compute it with a ${{ }} expression");
}

std::vector<std::string> KindNames(const steps::StepKindRegistry& registry) {
  std::vector<std::string> names;
  for (const steps::StepKind* kind : registry.List()) names.push_back(kind->Info().name);
  return names;
}

bool CheckActor(const steps::StepKindInfo& info, const std::string& step, StepSpec& spec,
                const StepSource& source, DiagnosticSink& sink) {
  if (info.actors.empty()) return true;
  if (!source.actor_written) {
    // The kind's first actor is its natural one (a review is done by a human).
    spec.actor = info.actors.front();
    return true;
  }
  if (std::find(info.actors.begin(), info.actors.end(), spec.actor) != info.actors.end()) {
    return true;
  }
  std::vector<std::string> allowed;
  for (steps::Actor actor : info.actors) allowed.push_back(steps::ActorName(actor));
  sink.Add(source.actor_location,
           absl::StrCat(step, ": kind '", info.name, "' cannot run as actor '",
                        steps::ActorName(spec.actor), "'"),
           allowed.size() == 1
               ? absl::StrCat("write `actor: ", allowed[0], "` or leave `actor:` out")
               : absl::StrCat("kind '", info.name, "' runs as ", JoinNames(allowed)));
  return false;
}

// Checks `with:` against the kind's parameter list. Returns false if it reported anything.
bool CheckParams(const steps::StepKindInfo& info, const std::string& step, const StepSpec& spec,
                 const StepSource& source, DiagnosticSink& sink) {
  bool ok = true;
  std::vector<std::string> names;
  for (const steps::ParamSpec& param : info.params) names.push_back(param.name);
  if (source.with.IsDefined()) {
    for (auto it = source.with.begin(); it != source.with.end(); ++it) {
      if (!it->first.IsScalar()) continue;  // reported when reading
      const std::string name = it->first.Scalar();
      auto param = std::find_if(info.params.begin(), info.params.end(),
                                [&](const steps::ParamSpec& p) { return p.name == name; });
      if (param == info.params.end()) {
        sink.Add(it->first,
                 absl::StrCat(step, ": unknown parameter '", name, "' for kind '", info.name, "'"),
                 SuggestName(name, names, absl::StrCat("'", info.name, "' takes")));
        ok = false;
        continue;
      }
      if (!spec.with.contains(name)) continue;
      const Json& value = spec.with[name];
      Location location = it->second.IsNull() ? LocationOf(it->first) : LocationOf(it->second);
      if (param->literal && ContainsPlaceholder(value)) {
        sink.Add(location,
                 absl::StrCat(step, ": parameter '", name, "' of kind '", info.name,
                              "' must be written out, not computed with ${{ }}"),
                 "it is used as written for every run; write the value itself");
        ok = false;
        continue;
      }
      if (value.is_string() && expr::HasPlaceholder(value.get_ref<const std::string&>())) {
        continue;  // its type is known only when a run evaluates it
      }
      if (!HasType(value, param->type)) {
        sink.Add(location,
                 absl::StrCat(step, ": parameter '", name, "' must be ",
                              steps::ParamTypeName(param->type), ", not ", Describe(it->second)),
                 TypeHint(it->second, value, *param));
        ok = false;
      }
    }
  }
  for (const steps::ParamSpec& param : info.params) {
    if (!param.required || spec.with.contains(param.name)) continue;
    std::string hint = absl::StrCat("add `", param.name, ":` under `with:`");
    if (!param.description.empty()) absl::StrAppend(&hint, " (", param.description, ")");
    sink.Add(source.with_location,
             absl::StrCat(step, ": kind '", info.name, "' needs parameter '", param.name, "'"),
             hint);
    ok = false;
  }
  return ok;
}

// Where the kind's problem with `param` ("headers.Authorization") is written: the parameter,
// else its nearest written parent, else `with:`.
Location ParamLocation(const StepSpec& spec, const StepSource& source, std::string param) {
  while (!param.empty()) {
    auto it = spec.param_locations.find(absl::StrCat("with.", param));
    if (it != spec.param_locations.end()) return it->second;
    size_t dot = param.rfind('.');
    param = dot == std::string::npos ? "" : param.substr(0, dot);
  }
  return source.with_location;
}

// The node at `param` ("rules.0.assert") inside `with`; undefined if there is none.
YAML::Node ParamNode(const YAML::Node& with, std::string_view param) {
  YAML::Node node = with;
  for (absl::string_view segment : absl::StrSplit(Sv(param), '.')) {
    YAML::Node next;
    size_t index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      if (node.IsMap() && it->first.IsScalar() && it->first.Scalar() == segment) {
        next = it->second;
        break;
      }
      if (node.IsSequence() && absl::StrCat(index) == segment) {
        next = static_cast<const YAML::Node&>(*it);
        break;
      }
    }
    if (!next.IsDefined()) return next;
    node = next;
  }
  return node;
}

// A kind that compiles Lua (a script's code) reports syntax errors as expr does, "...: syntax
// error at line L, column C: ..."; the position is then placed inside the parameter's scalar.
std::optional<Location> SyntaxErrorLocation(std::string_view source, const StepSource& step,
                                            const steps::ConfigError& error) {
  constexpr std::string_view kMarker = "syntax error at line ";
  size_t at = error.message.find(kMarker);
  if (at == std::string::npos || error.param.empty() || !step.with.IsDefined()) {
    return std::nullopt;
  }
  int line = 0, column = 0;
  std::string_view rest = std::string_view(error.message).substr(at + kMarker.size());
  if (std::sscanf(std::string(rest).c_str(), "%d, column %d", &line, &column) != 2 || line < 1) {
    return std::nullopt;
  }
  YAML::Node node = ParamNode(step.with, error.param);
  if (!node.IsScalar()) return std::nullopt;
  return LocateInScalar(source, node, OffsetOf(node.Scalar(), line, column));
}

bool IsGate(const StepSpec& step) {
  auto it = step.with.find("gate");
  return step.uses == "review" && it != step.with.end() && it->is_boolean() && it->get<bool>();
}

// An `llm` step that routes its failures (on_failure: route, the default) completes with
// `failed` for the exception policy to send to a person; without a gate after it, the case would
// carry on with no answer. (A step with mode: off never asks a model, so never fails that way.)
void CheckFailureRouting(const ParsedSpec& parsed, DiagnosticSink& sink) {
  const WorkflowSpec& spec = parsed.spec;
  std::map<std::string, std::set<std::string>> needs;
  for (size_t i = 0; i < spec.steps.size(); ++i) {
    const StepSpec& step = spec.steps[i];
    if (step.uses != "llm" || step.id.empty()) continue;
    if (step.with.value("mode", Json("replace")) == "off") continue;
    if (step.with.value("on_failure", Json("route")) != "route") continue;
    if (needs.empty()) needs = TransitiveNeeds(spec);
    const bool gated = std::any_of(spec.steps.begin(), spec.steps.end(), [&](const StepSpec& s) {
      return IsGate(s) && needs[s.id].contains(step.id);
    });
    if (gated) continue;
    auto written = step.param_locations.find("with.on_failure");
    sink.Add(
        written != step.param_locations.end() ? written->second : parsed.sources[i].uses_location,
        absl::StrCat("llm step '", step.id,
                     "' routes failures to a person, but the workflow has no gate after it"),
        "add a review step with `gate: true` after it, or set `on_failure: fail`");
  }
}

}  // namespace

void CheckStepKinds(const steps::StepKindRegistry& registry, std::string_view source,
                    ParsedSpec& parsed, DiagnosticSink& sink) {
  const std::vector<std::string> kinds = KindNames(registry);
  for (size_t i = 0; i < parsed.spec.steps.size(); ++i) {
    StepSpec& spec = parsed.spec.steps[i];
    const StepSource& step_source = parsed.sources[i];
    if (spec.uses.empty()) continue;  // reported when reading
    std::string step =
        spec.id.empty() ? absl::StrCat("step #", i + 1) : absl::StrCat("step '", spec.id, "'");
    const steps::StepKind* kind = registry.Find(spec.uses);
    if (kind == nullptr) {
      sink.Add(step_source.uses_location,
               absl::StrCat(step, " uses unknown step kind '", spec.uses, "'"),
               SuggestName(spec.uses, kinds, "registered kinds are"));
      continue;
    }
    const steps::StepKindInfo& info = kind->Info();
    CheckActor(info, step, spec, step_source, sink);
    if (!CheckParams(info, step, spec, step_source, sink)) continue;
    // The kind's own checks assume the parameters are present and typed, so they run only
    // when the generic checks passed (and would otherwise repeat them).
    std::vector<steps::ConfigError> errors;
    kind->Prepare(spec.id, spec.with, &errors);
    for (const steps::ConfigError& error : errors) {
      Location location = SyntaxErrorLocation(source, step_source, error)
                              .value_or(ParamLocation(spec, step_source, error.param));
      sink.Add(location, absl::StrCat(step, ": ", error.message), error.hint);
    }
  }
  CheckFailureRouting(parsed, sink);
}

}  // namespace flowline::engine::internal
