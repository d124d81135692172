#include "server/webhook_routes.h"

#include <algorithm>

#include "spdlog/spdlog.h"

namespace flowline::server {

WebhookRoutes::WebhookRoutes(engine::Engine& engine, store::Store& store,
                             std::function<bool(std::string_view)> reserved)
    : engine_(engine), store_(store), reserved_(std::move(reserved)) {}

absl::Status WebhookRoutes::Refresh() {
  std::lock_guard<std::mutex> refresh_lock(refresh_mu_);
  absl::StatusOr<std::vector<store::WorkflowInfo>> workflows = store_.ListWorkflows();
  if (!workflows.ok()) return workflows.status();
  // Oldest first, so that on a clash the most recently deployed workflow wins.
  std::sort(workflows->begin(), workflows->end(),
            [](const store::WorkflowInfo& a, const store::WorkflowInfo& b) {
              return a.updated_at < b.updated_at;
            });

  std::map<std::string, WebhookTrigger, std::less<>> table;
  for (const store::WorkflowInfo& workflow : *workflows) {
    absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
        engine_.GetPlan(workflow.workflow, workflow.live_version);
    if (!plan.ok()) {
      spdlog::warn("webhooks of workflow {} not served: its live version {} does not load: {}",
                   workflow.workflow, workflow.live_version, plan.status().ToString());
      continue;
    }
    for (const engine::TriggerSpec& trigger : (*plan)->spec().triggers) {
      if (trigger.type != "webhook" || trigger.path.empty()) continue;
      if (reserved_(trigger.path)) {
        spdlog::warn("webhook {} of workflow {} not served: the API uses that path", trigger.path,
                     workflow.workflow);
        continue;
      }
      auto existing = table.find(trigger.path);
      if (existing != table.end() && existing->second.workflow != workflow.workflow) {
        spdlog::warn("webhook {} is declared by workflows {} and {}; {} (deployed later) gets it",
                     trigger.path, existing->second.workflow, workflow.workflow, workflow.workflow);
      }
      WebhookTrigger route{
          trigger.path, workflow.workflow, trigger.secret_env, trigger.signature_header, {}};
      // `files:` is a name or a list of names (the spec's checker has validated it).
      const Json files = trigger.with.value("files", Json::array());
      for (const Json& name : files.is_array() ? files : Json::array({files})) {
        if (name.is_string()) route.files.push_back(name.get<std::string>());
      }
      table[trigger.path] = std::move(route);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  by_path_ = std::move(table);
  return absl::OkStatus();
}

std::optional<WebhookTrigger> WebhookRoutes::Find(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::nullopt;
  return it->second;
}

std::vector<WebhookTrigger> WebhookRoutes::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<WebhookTrigger> out;
  for (const auto& [path, trigger] : by_path_) out.push_back(trigger);
  return out;
}

}  // namespace flowline::server
