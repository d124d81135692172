#include "review/policy.h"

#include <openssl/sha.h>

#include <cstdint>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace flowline::review {
namespace {

const Json* StepEntry(const Json& env, const std::string& step_id) {
  auto steps = env.find("steps");
  if (steps == env.end() || !steps->is_object()) return nullptr;
  auto it = steps->find(step_id);
  if (it == steps->end() || !it->is_object()) return nullptr;
  if (it->value("skipped", false)) return nullptr;
  return &*it;
}

std::optional<double> Number(const Json& value) {
  if (value.is_number()) return value.get<double>();
  return std::nullopt;
}

// The threshold for `field` of `step`: the step's per-field, the workflow's per-field, the
// step's general, the workflow's general.
std::optional<double> ThresholdFor(const ExceptionPolicy& policy, const std::string& step,
                                   const std::string& field) {
  auto own = policy.step_thresholds.find(step);
  if (own != policy.step_thresholds.end()) {
    if (auto it = own->second.fields.find(field); it != own->second.fields.end()) {
      return it->second;
    }
  }
  if (auto it = policy.thresholds.fields.find(field); it != policy.thresholds.fields.end()) {
    return it->second;
  }
  if (own != policy.step_thresholds.end() && own->second.confidence.has_value()) {
    return own->second.confidence;
  }
  return policy.thresholds.confidence;
}

std::string Percent(double value) { return absl::StrFormat("%.2f", value); }

class Router {
 public:
  Router(const ExceptionPolicy& policy, const std::map<std::string, RuleVerdict>& confirmations,
         RoutingDecision& decision)
      : policy_(policy), confirmations_(confirmations), decision_(decision) {}

  void Confidence(const StepView& step, const Json& entry) {
    const Json& output = entry.contains("output") ? entry["output"] : Json();
    const Json* fields =
        output.is_object() && output.contains("fields") ? &output["fields"] : nullptr;
    if (fields != nullptr && fields->is_object()) {
      for (const auto& [name, field] : fields->items()) {
        if (!field.is_object()) continue;
        // Free text (an llm step's summary) has no value to be right or wrong about: a
        // workflow-wide threshold would otherwise fire on its missing confidence every time.
        if (field.value("free_text", false) == true) continue;
        std::optional<double> threshold = ThresholdFor(policy_, step.id, name);
        std::optional<double> confidence = Number(field.value("confidence", Json()));
        if (!threshold.has_value()) continue;
        bool fired = !confidence.has_value() || *confidence < *threshold;
        Json values = {{"confidence", confidence.has_value() ? Json(*confidence) : Json()},
                       {"threshold", *threshold},
                       {"value", field.value("value", Json())}};
        if (auto confirmed = confirmations_.find(name); confirmed != confirmations_.end()) {
          values["confirmed"] = confirmed->second.fired && confirmed->second.error.empty();
          if (!confirmed->second.error.empty()) values["confirm_error"] = confirmed->second.error;
          if (values["confirmed"].get<bool>()) fired = false;
        }
        std::string message = !confidence.has_value() ? absl::StrCat(name, ": no confidence")
                              : *threshold > 1
                                  ? absl::StrCat(name, ": always reviewed (threshold above 1)")
                                  : absl::StrCat(name, ": confidence ", Percent(*confidence),
                                                 " is under ", Percent(*threshold));
        Note("low_confidence", step.id, name, fired, std::move(message), std::move(values));
      }
      return;
    }
    std::optional<double> threshold = ThresholdFor(policy_, step.id, "");
    if (!threshold.has_value()) return;
    std::optional<double> confidence = Number(entry.value("confidence", Json()));
    if (!confidence.has_value()) return;  // a step that does not say how sure it is
    Note("low_confidence", step.id, "", *confidence < *threshold,
         absl::StrCat(step.id, ": confidence ", Percent(*confidence), " is under ",
                      Percent(*threshold)),
         Json{{"confidence", *confidence}, {"threshold", *threshold}});
  }

  // An AI step that could not answer (an llm step's `failed`: invalid answers after its retry,
  // a refusal, its provider's circuit open) has nothing to pass on: a person decides, always.
  void Failed(const StepView& step, const Json& entry) {
    const Json& output = entry.contains("output") ? entry["output"] : Json();
    if (!output.is_object()) return;
    auto failed = output.find("failed");
    if (failed == output.end() || !failed->is_object()) return;
    const std::string kind = failed->value("kind", std::string("failed"));
    const std::string said = failed->value("message", std::string());
    Note("ai_failed", step.id, "", true,
         said.empty() ? absl::StrCat(step.id, " failed: ", kind) : said, Json{{"kind", kind}});
  }

  void Unusual(const StepView& step, const Json& entry) {
    const Json& output = entry.contains("output") ? entry["output"] : Json();
    if (!output.is_object() || !output.contains("unusual")) return;
    const bool unusual = output["unusual"].is_boolean() && output["unusual"].get<bool>();
    Json values = {{"label", output.value("label", Json())},
                   {"confidence", output.value("confidence", Json())}};
    Note("unusual", step.id, "", unusual, absl::StrCat("unusual input (", step.id, ")"),
         std::move(values));
  }

  void Checks(const StepView& step, const Json& entry) {
    const Json& output = entry.contains("output") ? entry["output"] : Json();
    if (!output.is_object()) return;
    auto results = output.find("results");
    if (results == output.end() || !results->is_array()) return;
    for (const Json& result : *results) {
      if (!result.is_object()) continue;
      const std::string name = result.value("name", std::string());
      const bool passed = result.value("passed", true);
      Json said = result.contains("message") ? result["message"] : Json();
      Note("check_failed", step.id, name, !passed, absl::StrCat("check failed: ", name),
           Json{{"passed", passed}, {"message", said}});
    }
  }

  void Rule(const RuleVerdict& verdict, const ExceptionRule* rule) {
    const bool fired = verdict.fired || !verdict.error.empty();
    Json values = {{"value", verdict.value}};
    if (!verdict.error.empty()) values["error"] = verdict.error;
    std::string message = verdict.error.empty()
                              ? absl::StrCat("business rule ", verdict.name, " fired")
                              : absl::StrCat("business rule ", verdict.name,
                                             " could not be evaluated: ", verdict.error);
    Note("rule", "", verdict.name, fired, std::move(message), std::move(values));
    if (fired && rule != nullptr && rule->four_eyes) decision_.four_eyes = true;
  }

  void Note(const char* kind, const std::string& step, const std::string& name, bool fired,
            std::string message, Json values) {
    Json evaluated = {{"kind", kind}, {"fired", fired}, {"values", values}};
    if (!step.empty()) evaluated["step"] = step;
    if (!name.empty()) evaluated["name"] = name;
    decision_.evaluated.push_back(std::move(evaluated));
    if (!fired) return;
    decision_.reasons.push_back(Reason{kind, step, name, std::move(message), std::move(values)});
  }

 private:
  const ExceptionPolicy& policy_;
  const std::map<std::string, RuleVerdict>& confirmations_;
  RoutingDecision& decision_;
};

}  // namespace

Json Reason::ToJson() const {
  Json json = {{"kind", kind}, {"message", message}, {"values", values}};
  if (!step.empty()) json["step"] = step;
  if (!name.empty()) json["name"] = name;
  return json;
}

Json RoutingDecision::ToJson() const {
  Json reasons_json = Json::array();
  for (const Reason& reason : reasons) reasons_json.push_back(reason.ToJson());
  return Json{{"routed", to_person ? "person" : "straight_through"},
              {"audit_sample", audit_sample},
              {"four_eyes", four_eyes},
              {"reasons", std::move(reasons_json)},
              {"evaluated", evaluated}};
}

double AuditDraw(std::string_view workflow, std::string_view key) {
  std::string material(workflow);
  material.push_back('\0');
  material.append(key);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(material.data()), material.size(), digest);
  uint64_t bits = 0;
  for (int i = 0; i < 8; ++i) bits = (bits << 8) | digest[i];
  // 53 bits: exactly representable, uniform in [0, 1).
  return static_cast<double>(bits >> 11) / static_cast<double>(uint64_t{1} << 53);
}

RoutingDecision Route(const ExceptionPolicy& policy, const std::vector<StepView>& steps,
                      const Json& env, const std::vector<RuleVerdict>& rules,
                      std::string_view workflow, std::string_view key,
                      const std::map<std::string, RuleVerdict>& confirmations) {
  RoutingDecision decision;
  Router router(policy, confirmations, decision);
  for (const StepView& step : steps) {
    const Json* entry = StepEntry(env, step.id);
    if (entry == nullptr) continue;
    if (step.actor == "ai") {
      router.Failed(step, *entry);
      router.Confidence(step, *entry);
      if (policy.unusual) router.Unusual(step, *entry);
    }
    if (policy.checks && step.kind == "check") router.Checks(step, *entry);
  }
  for (const RuleVerdict& verdict : rules) {
    const ExceptionRule* rule = nullptr;
    for (const ExceptionRule& candidate : policy.rules) {
      if (candidate.name == verdict.name) rule = &candidate;
    }
    router.Rule(verdict, rule);
  }
  if (decision.reasons.empty() && policy.audit_rate > 0) {
    const double draw = AuditDraw(workflow, key);
    const bool sampled = draw < policy.audit_rate;
    router.Note("audit_sample", "", "", sampled,
                absl::StrCat("random audit sample (", Percent(policy.audit_rate * 100),
                             "% of straight-through cases)"),
                Json{{"draw", draw}, {"rate", policy.audit_rate}});
    decision.audit_sample = sampled;
  }
  decision.to_person = !decision.reasons.empty();
  return decision;
}

}  // namespace flowline::review
