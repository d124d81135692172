#include "steps/review_step.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

struct ReviewConfig {
  TaskRequest task;
  std::vector<std::string> decisions = {"approve", "reject"};
  bool gate = false;
};

ReviewConfig ReadConfig(ParamReader& r, std::string_view step_id) {
  ReviewConfig config;
  config.task.title = absl::StrCat("Review ", Sv(step_id));
  if (std::optional<std::string> queue = r.String("queue")) {
    if (queue->empty()) {
      r.Error("queue", "the queue name must not be empty");
    } else {
      config.task.queue = std::move(*queue);
    }
  }
  if (std::optional<std::string> title = r.String("title"); title && !title->empty()) {
    config.task.title = std::move(*title);
  }
  if (const Json* priority = r.Get("priority")) {
    const double value = priority->get<double>();
    if (value < std::numeric_limits<int>::min() || value > std::numeric_limits<int>::max()) {
      r.Error("priority", "the priority is out of range");
    } else {
      config.task.priority = static_cast<int>(value);
    }
  }
  if (std::optional<absl::Duration> sla = r.Duration("sla")) config.task.sla = *sla;
  if (const Json* decisions = r.Get("decisions")) {
    std::vector<std::string> read;
    std::set<std::string> seen;
    for (size_t i = 0; i < decisions->size(); ++i) {
      const Json& decision = (*decisions)[i];
      if (r.Deferred(decision)) continue;
      if (!decision.is_string() || decision.get<std::string>().empty() ||
          !seen.insert(decision.get<std::string>()).second) {
        r.Error(absl::StrCat("decisions.", i),
                absl::StrCat("decisions must be distinct non-empty names, got ",
                             DescribeValue(decision)));
        continue;
      }
      read.push_back(decision.get<std::string>());
    }
    if (decisions->empty()) r.Error("decisions", "list at least one decision");
    config.decisions = std::move(read);
  }
  Json reasons = Json::array();
  if (const Json* written = r.Get("reasons")) {
    for (size_t i = 0; i < written->size(); ++i) {
      const Json& reason = (*written)[i];
      if (r.Deferred(reason)) continue;
      if (!reason.is_string() || reason.get<std::string>().empty()) {
        r.Error(absl::StrCat("reasons.", i),
                absl::StrCat("each reason must be a non-empty text, got ", DescribeValue(reason)));
        continue;
      }
      reasons.push_back(reason);
    }
  }
  if (std::optional<bool> gate = r.Bool("gate")) config.gate = *gate;
  if (std::optional<bool> four_eyes = r.Bool("four_eyes")) config.task.four_eyes = *four_eyes;
  if (std::optional<std::string> escalate_to = r.String("escalate_to")) {
    if (escalate_to->empty()) {
      r.Error("escalate_to", "the escalation queue's name must not be empty");
    } else {
      config.task.escalate_to = std::move(*escalate_to);
    }
  }
  Json payload = Json::object();
  if (std::optional<std::string> fields_step = r.String("fields_step")) {
    payload["fields_step"] = std::move(*fields_step);
  }
  payload["reasons"] = std::move(reasons);
  const Json* data = r.Get("data");
  payload["data"] = data != nullptr ? *data : Json::object();
  payload["instructions"] = r.String("instructions").value_or("");
  payload["decisions"] = config.decisions;
  config.task.payload = std::move(payload);
  return config;
}

class PreparedReview final : public PreparedStep {
 public:
  PreparedReview(const StepKindInfo& info, std::string_view step_id)
      : info_(info), step_id_(step_id) {}

  StepOutcome Execute(const StepContext& ctx) const override {
    const Json empty = Json::object();
    ParamReader r(info_, ctx.params != nullptr ? *ctx.params : empty, ParamReader::Stage::kExecute);
    ReviewConfig config = ReadConfig(r, step_id_);
    if (!r.ok()) return StepOutcome::Failed(r.Summary());
    if (ctx.resume != nullptr) return Resolve(*ctx.resume, config.decisions);
    if (config.gate && ctx.routing != nullptr) return Gate(*ctx.routing, std::move(config));
    return StepOutcome::WaitForTask(std::move(config.task));
  }

 private:
  // The workflow's gate: the engine's routing decision plus the reasons the workflow gave.
  static StepOutcome Gate(const Json& routing, ReviewConfig config) {
    Json& payload = config.task.payload;
    Json reasons = Json::array();
    Json texts = Json::array();
    for (const Json& written : payload["reasons"]) {
      reasons.push_back({{"kind", "workflow"}, {"message", written}});
      texts.push_back(written);
    }
    for (const Json& reason : routing.value("reasons", Json::array())) {
      reasons.push_back(reason);
      texts.push_back(reason.value("message", std::string()));
    }
    if (reasons.empty()) {
      return StepOutcome::Completed(Json{{"decision", "auto"},
                                         {"routed", "straight_through"},
                                         {"reasons", Json::array()},
                                         {"data", Json::object()}});
    }
    payload["reasons"] = std::move(texts);
    payload["routing"] = std::move(reasons);
    payload["audit_sample"] = routing.value("audit_sample", false);
    if (routing.value("four_eyes", false)) config.task.four_eyes = true;
    if (auto queue = routing.find("queue"); queue != routing.end() && queue->is_string()) {
      config.task.queue = queue->get<std::string>();
    }
    return StepOutcome::WaitForTask(std::move(config.task));
  }

  static StepOutcome Resolve(const Json& resolution, const std::vector<std::string>& decisions) {
    const Json decision = resolution.is_object() ? resolution.value("decision", Json()) : Json();
    if (!decision.is_string()) {
      return StepOutcome::Failed("the review's resolution has no decision");
    }
    const std::string& name = decision.get_ref<const std::string&>();
    if (std::find(decisions.begin(), decisions.end(), name) == decisions.end()) {
      return StepOutcome::Failed(absl::StrCat("decision \"", Truncate(name, 60),
                                              "\" is not one of this review's decisions"));
    }
    if (name != "reject") return StepOutcome::Completed(resolution);
    const Json comment = resolution.value("comment", Json());
    if (comment.is_string() && !comment.get<std::string>().empty()) {
      return StepOutcome::Rejected(comment.get<std::string>(), resolution);
    }
    const Json by = resolution.value("by", Json());
    return StepOutcome::Rejected(
        absl::StrCat("rejected by ", by.is_string() ? by.get<std::string>() : "a reviewer"),
        resolution);
  }

  const StepKindInfo info_;
  const std::string step_id_;
};

}  // namespace

ReviewStep::ReviewStep() {
  info_.name = "review";
  info_.description = "Opens a task for a person and continues with their decision.";
  info_.actors = {Actor::kHuman};
  info_.params = {
      {"queue", ParamType::kString, false, false, "the task queue (default \"default\")"},
      {"title", ParamType::kString, false, false, "the task's title (default \"Review <step>\")"},
      {"priority", ParamType::kInteger, false, false, "higher is picked first (default 0)"},
      {"sla", ParamType::kDuration, false, false, "how soon the task should be resolved"},
      {"data", ParamType::kObject, false, false, "what the reviewer sees and may correct"},
      {"instructions", ParamType::kString, false, false, "what the reviewer should do"},
      {"reasons", ParamType::kArray, false, false,
       "why a person must look (short texts such as \"unsure: total_amount\"); reported and "
       "counted per reason"},
      {"decisions", ParamType::kArray, false, false,
       "the decisions the reviewer can make (default [approve, reject]; reject ends the run)"},
      {"gate", ParamType::kBoolean, false, true,
       "the workflow's gate: the exception policy decides whether a person looks (no reason: "
       "the step completes at once, straight through)"},
      {"four_eyes", ParamType::kBoolean, false, false,
       "two different people must decide (the one who corrected cannot approve)"},
      {"escalate_to", ParamType::kString, false, false,
       "after the SLA, move the task to this queue (and tell the policy's notify webhook)"},
      {"fields_step", ParamType::kString, false, false,
       "the ai step whose fields `data.fields` holds: people's decisions on them are stored as "
       "corrections (labelled cases)"},
  };
}

std::unique_ptr<PreparedStep> ReviewStep::Prepare(std::string_view step_id, const Json& with,
                                                  std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  ReadConfig(r, step_id);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedReview>(info_, step_id);
}

}  // namespace flowline::steps
