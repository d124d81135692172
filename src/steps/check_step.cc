#include "steps/check_step.h"

#include <map>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/strings.h"
#include "expr/expr.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr const char* kRuleForm =
    "write each rule as {name: ..., assert: ${{ ... }}, message: ...}";

struct Rule {
  std::string name;
  std::optional<bool> verdict;  // unknown at Prepare when `assert` is an expression
  std::optional<std::string> message;
};

// Reads `rules`. At Prepare an `assert` may be an expression; at Execute it holds the verdict.
std::vector<Rule> ReadRules(ParamReader& r) {
  std::vector<Rule> rules;
  const Json* written = r.Get("rules");
  if (written == nullptr) return rules;
  if (written->empty()) r.Error("rules", "list at least one rule");
  std::set<std::string> names;
  for (size_t i = 0; i < written->size(); ++i) {
    const Json& item = (*written)[i];
    const std::string path = absl::StrCat("rules.", i);
    if (r.Deferred(item)) continue;
    if (!item.is_object()) {
      r.Error(path, absl::StrCat("a rule must be a mapping, got ", DescribeValue(item)), kRuleForm);
      continue;
    }
    Rule rule;
    for (const auto& [key, value] : item.items()) {
      if (key != "name" && key != "assert" && key != "message") {
        r.Error(absl::StrCat(path, ".", key), absl::StrCat("unknown rule field \"", key, "\""),
                kRuleForm);
      }
    }
    const Json name = item.value("name", Json());
    if (!name.is_string() || name.get<std::string>().empty() ||
        expr::HasPlaceholder(name.get<std::string>())) {
      r.Error(path + ".name", "each rule needs a name (a plain string)", kRuleForm);
    } else if (!names.insert(name.get<std::string>()).second) {
      r.Error(path + ".name",
              absl::StrCat("rule name \"", name.get<std::string>(), "\" is used twice"),
              "give every rule its own name");
    } else {
      rule.name = name.get<std::string>();
    }
    const Json verdict = item.value("assert", Json());
    if (verdict.is_boolean()) {
      rule.verdict = verdict.get<bool>();
    } else if (!r.Deferred(verdict)) {
      r.Error(path + ".assert",
              r.stage() == ParamReader::Stage::kPrepare
                  ? absl::StrCat("`assert` must be a ${{ }} expression or true/false, got ",
                                 DescribeValue(verdict))
                  : absl::StrCat("rule \"", rule.name, "\": assert evaluated to ",
                                 DescribeValue(verdict), ", not true or false"),
              "make the expression return a boolean, e.g. ${{ input.total > 0 }}");
    }
    const Json message = item.value("message", Json());
    if (message.is_string()) {
      rule.message = message.get<std::string>();
    } else if (!message.is_null()) {
      // An evaluated template renders to a string; anything else is written as JSON.
      rule.message = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    }
    rules.push_back(std::move(rule));
  }
  return rules;
}

// "${{ input.total > 0 }}" -> "input.total > 0", for messages; other text as it is.
std::string ShownAssert(const Json& written) {
  if (!written.is_string()) return written.dump();
  std::string_view text = written.get_ref<const std::string&>();
  const size_t open = text.find("${{");
  const size_t close = text.rfind("}}");
  if (open == 0 && close == text.size() - 2 && text.find("${{", 3) == std::string_view::npos) {
    text = text.substr(3, close - 3);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  }
  return std::string(text);
}

class PreparedCheck final : public PreparedStep {
 public:
  PreparedCheck(const StepKindInfo& info, std::map<std::string, std::string> written_asserts)
      : info_(info), written_asserts_(std::move(written_asserts)) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    std::vector<Rule> rules = ReadRules(r);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());

    Json failed = Json::array();
    Json results = Json::array();
    std::vector<std::string> failures;
    for (const Rule& rule : rules) {
      const bool passed = *rule.verdict;
      Json message;
      if (!passed) {
        message = rule.message.value_or(DefaultMessage(rule.name));
        failed.push_back(rule.name);
        failures.push_back(absl::StrCat(rule.name, ": ", message.get<std::string>()));
      }
      results.push_back(Json{{"name", rule.name}, {"passed", passed}, {"message", message}});
    }
    const Json* fail_on_error = r.Get("fail_on_error");
    if (!failures.empty() && fail_on_error != nullptr && fail_on_error->get<bool>()) {
      return StepOutcome::Failed(absl::StrCat(failures.size(), " of ", rules.size(),
                                              " checks failed: ", absl::StrJoin(failures, "; ")));
    }
    return StepOutcome::Completed(
        Json{{"passed", failures.empty()}, {"failed", failed}, {"results", results}});
  }

 private:
  std::string DefaultMessage(const std::string& name) const {
    auto it = written_asserts_.find(name);
    if (it == written_asserts_.end()) return absl::StrCat(name, " failed");
    return absl::StrCat(name, " failed: ", it->second);
  }

  const StepKindInfo info_;
  // Rule name -> its `assert` as written, for the default message of a failed rule.
  const std::map<std::string, std::string> written_asserts_;
};

}  // namespace

CheckStep::CheckStep() {
  info_.name = "check";
  info_.description = "Evaluates named rules and reports which passed and which failed.";
  info_.actors = {Actor::kSystem, Actor::kAi};
  info_.params = {
      {"rules", ParamType::kArray, true, false,
       "the rules: a list of {name, assert: ${{ boolean expression }}, message}"},
      {"fail_on_error", ParamType::kBoolean, false, false,
       "fail the step when any rule fails (default false: report and continue)"},
  };
}

std::unique_ptr<PreparedStep> CheckStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                 std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadRules(r);
  if (!r.Report(errors)) return nullptr;
  std::map<std::string, std::string> written_asserts;
  if (const Json* rules = r.Get("rules")) {
    for (const Json& rule : *rules) {
      if (!rule.is_object() || !rule.contains("name") || !rule.contains("assert")) continue;
      written_asserts[rule["name"].get<std::string>()] = ShownAssert(rule["assert"]);
    }
  }
  return std::make_unique<PreparedCheck>(info_, std::move(written_asserts));
}

}  // namespace flowline::steps
