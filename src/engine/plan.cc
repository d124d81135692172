#include "engine/plan.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "engine/input_schema.h"

namespace flowline::engine {

absl::StatusOr<CompiledValue> CompiledValue::Compile(const Json& value, const std::string& name) {
  CompiledValue out;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (!expr::HasPlaceholder(text)) {
      out.literal_ = value;
      return out;
    }
    ASSIGN_OR_RETURN(expr::Template compiled, expr::Template::Compile(text, name));
    out.shape_ = Shape::kTemplate;
    out.template_ = std::make_shared<const expr::Template>(std::move(compiled));
    return out;
  }
  if (value.is_object() || value.is_array()) {
    bool dynamic = false;
    std::vector<std::pair<std::string, CompiledValue>> members;
    size_t i = 0;
    for (auto it = value.begin(); it != value.end(); ++it, ++i) {
      std::string key = value.is_object() ? it.key() : std::to_string(i);
      ASSIGN_OR_RETURN(CompiledValue member, Compile(*it, absl::StrCat(name, ".", key)));
      dynamic = dynamic || member.shape_ != Shape::kLiteral;
      members.emplace_back(std::move(key), std::move(member));
    }
    if (!dynamic) {
      out.literal_ = value;  // nothing to evaluate: copy as a whole
      return out;
    }
    out.shape_ = value.is_object() ? Shape::kObject : Shape::kArray;
    out.members_ = std::move(members);
    return out;
  }
  out.literal_ = value;
  return out;
}

CompiledValue CompiledValue::Literal(Json value) {
  CompiledValue out;
  out.literal_ = std::move(value);
  return out;
}

CompiledValue CompiledValue::Object(std::vector<std::pair<std::string, CompiledValue>> members) {
  CompiledValue out;
  bool dynamic = false;
  for (const auto& member : members) dynamic = dynamic || member.second.shape_ != Shape::kLiteral;
  if (!dynamic) {
    out.literal_ = Json::object();
    for (auto& [key, member] : members) out.literal_[key] = std::move(member.literal_);
    return out;
  }
  out.shape_ = Shape::kObject;
  out.members_ = std::move(members);
  return out;
}

absl::StatusOr<Json> CompiledValue::Evaluate(expr::Evaluator& evaluator) const {
  switch (shape_) {
    case Shape::kLiteral:
      return literal_;
    case Shape::kTemplate:
      return template_->Evaluate(evaluator);
    case Shape::kObject: {
      Json out = Json::object();
      for (const auto& [key, member] : members_) {
        ASSIGN_OR_RETURN(out[key], member.Evaluate(evaluator));
      }
      return out;
    }
    case Shape::kArray: {
      Json out = Json::array();
      for (const auto& [key, member] : members_) {
        ASSIGN_OR_RETURN(Json item, member.Evaluate(evaluator));
        out.push_back(std::move(item));
      }
      return out;
    }
  }
  return absl::InternalError("unknown value shape");
}

Plan::~Plan() = default;

absl::StatusOr<std::shared_ptr<const Plan>> Plan::Build(WorkflowSpec spec,
                                                        const steps::StepKindRegistry& registry) {
  std::shared_ptr<Plan> plan(new Plan());
  plan->spec_ = std::move(spec);
  const WorkflowSpec& s = plan->spec_;

  ASSIGN_OR_RETURN(plan->input_schema_, InputSchema::Compile(s.input_schema));
  plan->personal_ = audit::PersonalFields(s.personal);
  if (!s.key.empty()) {
    ASSIGN_OR_RETURN(plan->key_, expr::Template::Compile(s.key, "key"));
  }
  for (const auto& [name, text] : s.outputs) {
    ASSIGN_OR_RETURN(expr::Template compiled,
                     expr::Template::Compile(text, absl::StrCat("outputs.", name)));
    plan->outputs_.emplace_back(name, std::move(compiled));
  }

  for (const review::ExceptionRule& rule : s.exceptions.rules) {
    ASSIGN_OR_RETURN(
        expr::Template compiled,
        expr::Template::Compile(rule.when, absl::StrCat("exceptions.rules.", rule.name)));
    plan->exception_rules_.emplace_back(rule.name, std::move(compiled));
  }
  for (const auto& [field, text] : s.exceptions.confirmed_by) {
    ASSIGN_OR_RETURN(
        expr::Template compiled,
        expr::Template::Compile(text, absl::StrCat("exceptions.confirmed_by.", field)));
    plan->confirmed_by_.emplace_back(field, std::move(compiled));
  }
  for (const StepSpec& step : s.steps) {
    plan->step_views_.push_back({step.id, step.uses, steps::ActorName(step.actor)});
  }

  plan->steps_.resize(s.steps.size());
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const StepSpec& step = s.steps[i];
    PlannedStep& planned = plan->steps_[i];
    planned.spec = &step;
    planned.kind = registry.Find(step.uses);
    if (planned.kind == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", step.id, ": unknown step kind '", step.uses, "'"));
    }
    planned.actor_label = absl::StrCat(steps::ActorName(step.actor), ":", step.uses);
    std::vector<steps::ConfigError> errors;
    planned.prepared = planned.kind->Prepare(step.id, step.with, &errors);
    if (planned.prepared == nullptr) {
      std::string message =
          absl::StrCat("step ", step.id, ": the ", step.uses, " step refused its configuration");
      for (const auto& e : errors) absl::StrAppend(&message, "; ", e.param, ": ", e.message);
      return absl::InvalidArgumentError(message);
    }
    // Literal parameters (a script's code) are used as written; the rest is compiled.
    std::vector<std::pair<std::string, CompiledValue>> members;
    for (auto it = step.with.begin(); it != step.with.end(); ++it) {
      bool is_literal = false;
      for (const auto& param : planned.kind->Info().params) {
        if (param.name == it.key()) is_literal = param.literal;
      }
      if (is_literal) {
        members.emplace_back(it.key(), CompiledValue::Literal(*it));
      } else {
        ASSIGN_OR_RETURN(
            CompiledValue value,
            CompiledValue::Compile(*it, absl::StrCat("steps.", step.id, ".with.", it.key())));
        members.emplace_back(it.key(), std::move(value));
      }
    }
    planned.params = CompiledValue::Object(std::move(members));
    if (!step.when.empty()) {
      ASSIGN_OR_RETURN(
          expr::Template when,
          expr::Template::Compile(step.when, absl::StrCat("steps.", step.id, ".when")));
      planned.when = std::make_shared<const expr::Template>(std::move(when));
    }
    plan->index_[step.id] = i;
  }

  // The graph: each step's dependents, and the $end node after every sink.
  int sinks = 0;
  for (const StepSpec& step : s.steps) {
    for (const std::string& need : step.needs) {
      auto it = plan->index_.find(need);
      if (it == plan->index_.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("step ", step.id, " needs unknown step '", need, "'"));
      }
      plan->steps_[it->second].dependents.push_back(step.id);
    }
    plan->new_steps_.push_back({step.id, static_cast<int>(step.needs.size())});
  }
  for (PlannedStep& planned : plan->steps_) {
    if (planned.dependents.empty()) {
      planned.dependents.push_back(store::kEndStepId);
      ++sinks;
    }
  }
  plan->new_steps_.push_back({store::kEndStepId, sinks});
  return std::shared_ptr<const Plan>(std::move(plan));
}

}  // namespace flowline::engine

namespace flowline::engine {

const PlannedStep* Plan::Find(const std::string& step_id) const {
  auto it = index_.find(step_id);
  return it == index_.end() ? nullptr : &steps_[it->second];
}

absl::Status Plan::ValidateInput(const Json& input) const { return input_schema_->Validate(input); }

absl::StatusOr<std::string> Plan::EvaluateKey(expr::Evaluator& evaluator) const {
  if (!key_.has_value()) return std::string();
  ASSIGN_OR_RETURN(Json key, key_->Evaluate(evaluator));
  if (key.is_string() && !key.get_ref<const std::string&>().empty()) return key.get<std::string>();
  if (key.is_number_integer()) return std::to_string(key.get<int64_t>());
  if (key.is_number()) return common::CanonicalJson(key);
  return absl::FailedPreconditionError(
      absl::StrCat("the business key (key: ", spec_.key,
                   ") must give a non-empty string or a number for this input, got ",
                   key.is_null() ? "nothing" : common::CanonicalJson(key)));
}

absl::StatusOr<Json> Plan::EvaluateOutputs(expr::Evaluator& evaluator) const {
  Json out = Json::object();
  for (const auto& [name, compiled] : outputs_) {
    ASSIGN_OR_RETURN(out[name], compiled.Evaluate(evaluator));
  }
  return out;
}

bool Plan::IsGate(const PlannedStep& step) const {
  if (step.spec->uses != "review") return false;
  auto gate = step.spec->with.find("gate");
  return gate != step.spec->with.end() && gate->is_boolean() && gate->get<bool>();
}

namespace {

// A true-or-false expression's verdict: fired when it gave true; null is false; anything else is
// an error.
review::RuleVerdict Verdict(const std::string& name, const expr::Template& compiled,
                            expr::Evaluator& evaluator) {
  review::RuleVerdict verdict;
  verdict.name = name;
  absl::StatusOr<Json> value = compiled.Evaluate(evaluator);
  if (!value.ok()) {
    verdict.error = std::string(value.status().message());
  } else {
    verdict.value = *value;
    verdict.fired = value->is_boolean() && value->get<bool>();
    if (!value->is_boolean() && !value->is_null()) {
      verdict.error = absl::StrCat("gave ", common::CanonicalJson(*value), ", not true or false");
    }
  }
  return verdict;
}

}  // namespace

review::RoutingDecision Plan::Route(expr::Evaluator& evaluator, const Json& env,
                                    std::string_view key) const {
  std::vector<review::RuleVerdict> verdicts;
  for (const auto& [name, compiled] : exception_rules_) {
    verdicts.push_back(Verdict(name, compiled, evaluator));
  }
  std::map<std::string, review::RuleVerdict> confirmations;
  for (const auto& [field, compiled] : confirmed_by_) {
    confirmations[field] = Verdict(field, compiled, evaluator);
  }
  return review::Route(spec_.exceptions, step_views_, env, verdicts, spec_.name, key,
                       confirmations);
}

}  // namespace flowline::engine
