#include "steps/switch_step.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr const char* kCaseForm = "write each case as {when: ${{ ... }}, route: name}";

struct Case {
  std::optional<bool> matches;  // unknown at Prepare when `when` is an expression
  std::string route;
};

std::vector<Case> ReadCases(ParamReader& r) {
  std::vector<Case> cases;
  const Json* written = r.Get("cases");
  if (written == nullptr) return cases;
  if (written->empty()) r.Error("cases", "list at least one case");
  for (size_t i = 0; i < written->size(); ++i) {
    const Json& item = (*written)[i];
    const std::string path = absl::StrCat("cases.", i);
    if (r.Deferred(item)) continue;
    if (!item.is_object()) {
      r.Error(path, absl::StrCat("a case must be a mapping, got ", DescribeValue(item)), kCaseForm);
      continue;
    }
    for (const auto& [key, value] : item.items()) {
      if (key != "when" && key != "route") {
        r.Error(absl::StrCat(path, ".", key), absl::StrCat("unknown case field \"", key, "\""),
                kCaseForm);
      }
    }
    Case c;
    const Json when = item.value("when", Json());
    if (when.is_boolean()) {
      c.matches = when.get<bool>();
    } else if (!r.Deferred(when)) {
      r.Error(path + ".when",
              r.stage() == ParamReader::Stage::kPrepare
                  ? absl::StrCat("`when` must be a ${{ }} expression or true/false, got ",
                                 DescribeValue(when))
                  : absl::StrCat("case ", i, ": when evaluated to ", DescribeValue(when),
                                 ", not true or false"),
              "make the expression return a boolean, e.g. ${{ input.total > 1000 }}");
    }
    const Json route = item.value("route", Json());
    if (route.is_string() && !route.get<std::string>().empty()) {
      c.route = route.get<std::string>();
    } else {
      r.Error(
          path + ".route",
          absl::StrCat("each case needs a route (a non-empty string), got ", DescribeValue(route)),
          kCaseForm);
    }
    cases.push_back(std::move(c));
  }
  if (std::optional<std::string> fallback = r.String("default"); fallback && fallback->empty()) {
    r.Error("default", "the default route must not be empty");
  }
  return cases;
}

class PreparedSwitch final : public PreparedStep {
 public:
  explicit PreparedSwitch(const StepKindInfo& info) : info_(info) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    std::vector<Case> cases = ReadCases(r);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    for (size_t i = 0; i < cases.size(); ++i) {
      if (*cases[i].matches) {
        return StepOutcome::Completed(Json{{"route", cases[i].route}, {"case", i}});
      }
    }
    if (std::optional<std::string> fallback = r.String("default")) {
      return StepOutcome::Completed(Json{{"route", *fallback}, {"case", nullptr}});
    }
    return StepOutcome::Failed("no case matched and no default");
  }

 private:
  const StepKindInfo info_;
};

}  // namespace

SwitchStep::SwitchStep() {
  info_.name = "switch";
  info_.description = "Picks a route: the first case whose condition holds, else the default.";
  info_.actors = {Actor::kSystem};
  info_.params = {
      {"cases", ParamType::kArray, true, false,
       "the cases, in order: a list of {when: ${{ boolean expression }}, route: name}"},
      {"default", ParamType::kString, false, false, "the route when no case matches"},
  };
}

std::unique_ptr<PreparedStep> SwitchStep::Prepare(std::string_view /*step_id*/, const Json& with,
                                                  std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadCases(r);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedSwitch>(info_);
}

}  // namespace flowline::steps
