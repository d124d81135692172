// Deploying workflow specs and reading what is deployed.
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "lifecycle/shadow.h"
#include "server/deploy_diagnostics.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "server/version_lookup.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

constexpr char kDefaultSource[] = "spec.yaml";

struct SpecUpload {
  std::string text;
  std::string source;
};

// The spec from the body: YAML as it is (application/yaml, text/yaml, text/plain), or JSON
// {"spec": "<yaml>", "source": "name.yaml"}.
absl::StatusOr<SpecUpload> ReadSpecUpload(const Call& call) {
  std::string type = absl::AsciiStrToLower(call.Header("Content-Type"));
  if (size_t semicolon = type.find(';'); semicolon != std::string::npos) type.resize(semicolon);
  type = std::string(absl::StripAsciiWhitespace(type));
  SpecUpload upload{call.http.body, kDefaultSource};
  if (type == "application/json") {
    ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json()));
    RETURN_IF_ERROR(RequireObject(body, "the request body"));
    ASSIGN_OR_RETURN(upload.text, StringMember(body, "spec", /*required=*/true));
    ASSIGN_OR_RETURN(std::string source, StringMember(body, "source", /*required=*/false));
    if (!source.empty()) upload.source = std::move(source);
  } else if (type.empty() || type == "application/yaml" || type == "application/x-yaml" ||
             type == "text/yaml" || type == "text/x-yaml" || type == "text/plain") {
    // YAML as sent.
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported Content-Type '", type,
                     "': send the spec as application/yaml (or text/yaml, text/plain), or as JSON "
                     "{\"spec\": \"...\", \"source\": \"name.yaml\"}"));
  }
  if (upload.text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return absl::InvalidArgumentError("the workflow spec is empty: send the YAML as the body");
  }
  return upload;
}

absl::StatusOr<Reply> Deploy(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(SpecUpload upload, ReadSpecUpload(call));
  // `?stage=draft|shadow|live`: the stage the new version enters (default: Engine::Deploy's).
  const std::string stage_name = call.Query("stage");
  const std::optional<store::VersionStage> stage = store::ParseVersionStage(stage_name);
  if (!stage_name.empty() && (!stage.has_value() || *stage == store::VersionStage::kRetired)) {
    return absl::InvalidArgumentError(absl::StrCat("stage '", stage_name,
                                                   "' is not one a version can be deployed "
                                                   "into: use draft, shadow or live"));
  }
  absl::StatusOr<engine::DeployResult> deployed =
      ctx.engine.Deploy(upload.text, upload.source, stage, call.user());
  if (!deployed.ok()) return DeployError(deployed.status());
  spdlog::info("{} deployed workflow {} version {}{}", call.user(), deployed->workflow,
               deployed->version, deployed->created ? "" : " (already deployed)");
  // The deploy is committed whatever happens here; a stale webhook table is fixed by the next
  // refresh, so it is logged rather than reported as a failed deploy.
  if (absl::Status refreshed = ctx.webhooks.Refresh(); !refreshed.ok()) {
    spdlog::warn("webhook routes not refreshed after deploying {}: {}", deployed->workflow,
                 refreshed.ToString());
  }
  Json body = {{"workflow", deployed->workflow},
               {"version", deployed->version},
               {"created", deployed->created},
               {"stage", store::VersionStageName(deployed->stage)}};
  return deployed->created ? Created(std::move(body)) : Ok(std::move(body));
}

// The shadow version's comparison with live (lifecycle/shadow.h); `?version=` a shadow version
// compared before.
absl::StatusOr<Reply> GetShadowReport(ServerContext& ctx, const Call& call) {
  const std::string& name = call.PathParam("name");
  std::string version;
  if (const std::string wanted = call.Query("version"); !wanted.empty()) {
    ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, ctx.store.ListVersions(name));
    ASSIGN_OR_RETURN(const store::VersionInfo* found, FindVersion(versions, name, wanted));
    version = found->version;
  }
  ASSIGN_OR_RETURN(lifecycle::ShadowReport report,
                   lifecycle::BuildShadowReport(ctx.store, name, version, ctx.clock.Now()));
  return Ok(lifecycle::ShadowReportJson(report));
}

absl::StatusOr<Reply> ListWorkflows(ServerContext& ctx, const Call&) {
  ASSIGN_OR_RETURN(std::vector<store::WorkflowInfo> workflows, ctx.store.ListWorkflows());
  Json list = Json::array();
  for (const store::WorkflowInfo& workflow : workflows) list.push_back(WorkflowJson(workflow));
  return Ok(Json{{"workflows", std::move(list)}});
}

absl::StatusOr<Reply> GetWorkflow(ServerContext& ctx, const Call& call) {
  const std::string& name = call.PathParam("name");
  ASSIGN_OR_RETURN(store::WorkflowInfo workflow, ctx.store.GetWorkflow(name));
  ASSIGN_OR_RETURN(std::vector<store::VersionInfo> versions, ctx.store.ListVersions(name));
  // `?version=` (a full hash or a unique prefix) describes that version instead of the live one.
  const std::string wanted = call.Query("version");
  const store::VersionInfo* shown = nullptr;
  if (wanted.empty()) {
    for (const store::VersionInfo& version : versions) {
      if (version.version == workflow.live_version) shown = &version;
    }
  } else {
    ASSIGN_OR_RETURN(shown, FindVersion(versions, name, wanted));
  }
  Json body = WorkflowJson(workflow);
  Json list = Json::array();
  for (const store::VersionInfo& version : versions) {
    list.push_back(VersionJson(version, version.version == workflow.live_version));
  }
  body["versions"] = std::move(list);
  if (shown == nullptr) return Ok(std::move(body));
  body["shown_version"] = shown->version;
  body["spec"] = shown->spec_source;
  body["source_name"] = shown->source_name;
  absl::StatusOr<std::shared_ptr<const engine::Plan>> plan =
      ctx.engine.GetPlan(workflow.workflow, shown->version);
  if (plan.ok()) {
    const engine::WorkflowSpec& spec = (*plan)->spec();
    body["description"] = spec.description;
    Json triggers = Json::array();
    for (const engine::TriggerSpec& trigger : spec.triggers) {
      Json item = {{"type", trigger.type}, {"id", trigger.id}, {"with", trigger.with}};
      if (trigger.type == "webhook") {
        item["path"] = trigger.path;
        item["signed"] = !trigger.secret_env.empty();
      }
      triggers.push_back(std::move(item));
    }
    body["triggers"] = std::move(triggers);
    Json steps = Json::array();
    for (const engine::StepSpec& step : spec.steps) {
      Json item = {{"id", step.id},
                   {"uses", step.uses},
                   {"actor", steps::ActorName(step.actor)},
                   {"needs", step.needs}};
      if (!step.when.empty()) item["when"] = step.when;
      steps.push_back(std::move(item));
    }
    body["steps"] = std::move(steps);
  }
  return Ok(std::move(body));
}

}  // namespace

void AddWorkflowRoutes(ServerContext& ctx, Router& router) {
  router.Add({"POST", "/api/v1/workflows", Permission::kDeploy,
              [&ctx](const Call& call) { return Deploy(ctx, call); }});
  router.Add({"GET", "/api/v1/workflows", Permission::kRead,
              [&ctx](const Call& call) { return ListWorkflows(ctx, call); }});
  router.Add({"GET", "/api/v1/workflows/{name}", Permission::kRead,
              [&ctx](const Call& call) { return GetWorkflow(ctx, call); }});
  router.Add({"GET", "/api/v1/workflows/{name}/shadow", Permission::kRead,
              [&ctx](const Call& call) { return GetShadowReport(ctx, call); }});
}

}  // namespace flowline::server
