// Reads a workflow's `exceptions:` block (the exception policy, review/policy.h) and a step's own
// `exceptions:` (its confidence thresholds).
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/internal/spec_phases.h"
#include "engine/internal/spec_yaml.h"
#include "expr/expr.h"

namespace flowline::engine::internal {
namespace {

const std::vector<std::string> kPolicyFields = {
    "queue", "confidence",        "fields",     "confirmed_by", "checks", "unusual",
    "rules", "retries_exhausted", "audit_rate", "notify"};
const std::vector<std::string> kStepPolicyFields = {"confidence", "fields"};
const std::vector<std::string> kRuleFields = {"name", "when", "four_eyes"};

constexpr std::string_view kShareHint = "write a number from 0 to 1, e.g. 0.9";

std::optional<double> ReadShare(const Field& field, const std::string& name, DiagnosticSink& sink) {
  auto value = ReadNumber(field, name, kShareHint, sink);
  if (!value) return std::nullopt;
  if (*value < 0 || *value > 1) {
    sink.Add(field.location, absl::StrCat(name, " must be from 0 to 1, not ", *value),
             std::string(kShareHint));
    return std::nullopt;
  }
  return value;
}

// A confidence threshold: from 0 to 1, or above 1 for "always reviewed" (review/policy.h).
std::optional<double> ReadThreshold(const Field& field, const std::string& name,
                                    DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write a number from 0 to 1, e.g. 0.9 (above 1, e.g. 2: always reviewed)";
  auto value = ReadNumber(field, name, kHint, sink);
  if (!value) return std::nullopt;
  if (*value < 0) {
    sink.Add(field.location, absl::StrCat(name, " must not be negative, not ", *value),
             std::string(kHint));
    return std::nullopt;
  }
  return value;
}

void ReadThresholds(const MappingFields& fields, const std::string& where,
                    review::Thresholds& thresholds, DiagnosticSink& sink) {
  if (const Field* field = fields.Find("confidence")) {
    if (auto share = ReadThreshold(*field, absl::StrCat(where, "confidence"), sink)) {
      thresholds.confidence = *share;
    }
  }
  if (const Field* field = fields.Find("fields")) {
    if (!field->value.IsMap()) {
      sink.Add(field->location,
               absl::StrCat(where, "fields must map field names to thresholds, not ",
                            Describe(field->value)),
               "write e.g. `fields: { total_amount: 0.95 }`");
      return;
    }
    MappingFields named(field->value, absl::StrCat(where, "fields"), {}, sink);
    for (const Field& one : named.fields()) {
      if (auto share = ReadThreshold(one, absl::StrCat(where, "fields.", one.name), sink)) {
        thresholds.fields[one.name] = *share;
      }
    }
  }
}

void ReadConfirmedBy(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `confirmed_by: { total_amount: '${{ steps.checks.output.passed }}' }`";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("exceptions.confirmed_by must map field names to expressions, not ",
                          Describe(field.value)),
             std::string(kHint));
    return;
  }
  MappingFields named(field.value, "exceptions.confirmed_by", {}, sink);
  for (const Field& one : named.fields()) {
    const std::string name = absl::StrCat("exceptions.confirmed_by.", one.name);
    auto text = ReadString(one, name, kHint, sink);
    if (!text) continue;
    if (!expr::HasPlaceholder(*text)) {
      sink.Add(one.location, absl::StrCat(name, " must be a ${{ }} expression"),
               std::string(kHint));
      continue;
    }
    parsed.spec.exceptions.confirmed_by[one.name] = *text;
    parsed.confirmed_by.emplace_back(one.name, one.value);
  }
}

void ReadRules(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `rules: [{ name: large_amount, when: '${{ steps.figures.output.total > "
      "10000 }}' }]`";
  if (!field.value.IsSequence()) {
    sink.Add(field.location,
             absl::StrCat("exceptions.rules must be a list, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  std::set<std::string> names;
  for (const YAML::Node& node : field.value) {
    if (!node.IsMap()) {
      sink.Add(LocationOf(node),
               absl::StrCat("each exception rule must be a mapping, not ", Describe(node)),
               std::string(kHint));
      continue;
    }
    MappingFields fields(node, "an exception rule", kRuleFields, sink);
    review::ExceptionRule rule;
    const Field* name = fields.Find("name");
    if (name == nullptr) {
      sink.Add(LocationOf(node), "an exception rule has no `name:`",
               "name it for the people who read the reasons, e.g. `name: large_amount`");
    } else if (auto text = ReadString(*name, "exceptions.rules.name", kHint, sink)) {
      if (!IsLowerName(*text)) {
        sink.Add(name->location, absl::StrCat("rule name '", *text, "' is not valid"),
                 "use lower-case letters, digits and '_', e.g. `large_amount`");
      } else if (!names.insert(*text).second) {
        sink.Add(name->location, absl::StrCat("two exception rules are named '", *text, "'"),
                 "give each rule its own name");
      }
      rule.name = *text;
    }
    const Field* when = fields.Find("when");
    if (when == nullptr) {
      sink.Add(LocationOf(node), absl::StrCat("exception rule '", rule.name, "' has no `when:`"),
               std::string(kHint));
    } else if (auto text = ReadString(*when, "exceptions.rules.when", kHint, sink)) {
      if (!expr::HasPlaceholder(*text)) {
        sink.Add(
            when->location,
            absl::StrCat("exception rule '", rule.name, "': `when:` must be a ${{ }} expression"),
            std::string(kHint));
      }
      rule.when = *text;
      parsed.exception_rules.emplace_back(rule.name, when->value);
    }
    if (const Field* four_eyes = fields.Find("four_eyes")) {
      if (auto flag = ReadBool(*four_eyes, "four_eyes", "write true or false", sink)) {
        rule.four_eyes = *flag;
      }
    }
    parsed.spec.exceptions.rules.push_back(std::move(rule));
  }
}

}  // namespace

void ReadExceptions(const Field& field, ParsedSpec& parsed, DiagnosticSink& sink) {
  constexpr std::string_view kHint =
      "write e.g. `exceptions: { confidence: 0.9, audit_rate: 0.02 }` (docs/workflows.md)";
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat("exceptions must be a mapping, not ", Describe(field.value)),
             std::string(kHint));
    return;
  }
  review::ExceptionPolicy& policy = parsed.spec.exceptions;
  parsed.spec.has_exceptions = true;
  MappingFields fields(field.value, "exceptions", kPolicyFields, sink);
  if (const Field* queue = fields.Find("queue")) {
    if (auto text = ReadString(*queue, "exceptions.queue", "name a queue, e.g. ap", sink)) {
      policy.queue = *text;
    }
  }
  ReadThresholds(fields, "exceptions.", policy.thresholds, sink);
  if (const Field* confirmed = fields.Find("confirmed_by"))
    ReadConfirmedBy(*confirmed, parsed, sink);
  if (const Field* checks = fields.Find("checks")) {
    if (auto flag = ReadBool(*checks, "exceptions.checks", "write true or false", sink)) {
      policy.checks = *flag;
    }
  }
  if (const Field* unusual = fields.Find("unusual")) {
    if (auto flag = ReadBool(*unusual, "exceptions.unusual", "write true or false", sink)) {
      policy.unusual = *flag;
    }
  }
  if (const Field* retries = fields.Find("retries_exhausted")) {
    if (auto flag =
            ReadBool(*retries, "exceptions.retries_exhausted", "write true or false", sink)) {
      policy.retries_exhausted = *flag;
    }
  }
  if (const Field* rate = fields.Find("audit_rate")) {
    if (auto share = ReadShare(*rate, "exceptions.audit_rate", sink)) policy.audit_rate = *share;
  }
  if (const Field* notify = fields.Find("notify")) {
    constexpr std::string_view kUrlHint = "write the webhook's URL, e.g. https://hooks.example/ap";
    if (auto url = ReadString(*notify, "exceptions.notify", kUrlHint, sink)) {
      if (url->rfind("http://", 0) != 0 && url->rfind("https://", 0) != 0) {
        sink.Add(notify->location,
                 absl::StrCat("exceptions.notify must be an http(s) URL, not '", *url, "'"),
                 std::string(kUrlHint));
      } else {
        policy.notify_url = *url;
      }
    }
  }
  if (const Field* rules = fields.Find("rules")) ReadRules(*rules, parsed, sink);
  bool gate = false;
  for (const StepSpec& step : parsed.spec.steps) {
    auto it = step.with.find("gate");
    gate |= step.uses == "review" && it != step.with.end() && it->is_boolean() && it->get<bool>();
  }
  if (!gate && !policy.retries_exhausted) {
    sink.Add(field.key_location,
             "the exception policy has no gate to act at: no `review` step has `gate: true`",
             "add a review step with `gate: true` where a person should take over, e.g. before "
             "the step that posts the result");
  }
}

void ReadStepExceptions(const Field& field, const std::string& step, const std::string& step_id,
                        ParsedSpec& parsed, DiagnosticSink& sink) {
  if (!field.value.IsMap()) {
    sink.Add(field.location,
             absl::StrCat(step, ": exceptions must be a mapping, not ", Describe(field.value)),
             "write e.g. `exceptions: { confidence: 0.95, fields: { total: 0.99 } }`");
    return;
  }
  MappingFields fields(field.value, absl::StrCat(step, ": exceptions"), kStepPolicyFields, sink);
  ReadThresholds(fields, absl::StrCat(step, ": exceptions."),
                 parsed.spec.exceptions.step_thresholds[step_id], sink);
}

}  // namespace flowline::engine::internal
