// Starting runs and reading them back with their step timeline and decision records.
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/ids.h"
#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "steps/artifacts.h"

namespace flowline::server {
namespace {

constexpr int kDefaultRunLimit = 50;
constexpr int kMaxRunLimit = 500;

absl::StatusOr<Reply> StartRun(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(std::optional<absl::Duration> wait, DurationQuery(call, "wait"));
  ASSIGN_OR_RETURN(Json input, JsonBody(call, "the run input", Json::object()));
  engine::StartRunRequest request;
  request.workflow = call.PathParam("name");
  request.input = std::move(input);
  request.version = call.Query("version");
  return StartRunReply(ctx, request, wait);
}

// A document posted as the request body: kept as an artifact, then a run starts with the input
// {"file": <artifact key>, "name": ?name=, "sha256": <content hash>} (what `flowline run` gives
// a workflow for a file in a folder).
absl::StatusOr<Reply> UploadDocument(ServerContext& ctx, const Call& call) {
  if (ctx.options.artifacts == nullptr) {
    return absl::UnavailableError("this server keeps no documents (no artifact store)");
  }
  ASSIGN_OR_RETURN(std::optional<absl::Duration> wait, DurationQuery(call, "wait"));
  const std::string& bytes = call.http.body;
  if (bytes.empty()) {
    return absl::InvalidArgumentError(
        "the request body is empty: send the document's bytes (PDF, PNG, JPEG or TIFF) as the "
        "body, e.g. curl --data-binary @invoice.pdf");
  }
  const std::string extension = DocumentExtension(bytes);
  if (extension.empty()) {
    return absl::InvalidArgumentError(
        "the body is not a PDF, PNG, JPEG or TIFF document (told by its first bytes); send the "
        "file's bytes unchanged (curl --data-binary, not --data or a form)");
  }
  ASSIGN_OR_RETURN(std::string key, ctx.options.artifacts->Put(bytes, extension));
  std::string name = call.Query("name");
  if (name.empty()) name = absl::StrCat("upload.", extension);
  engine::StartRunRequest request;
  request.workflow = call.PathParam("name");
  request.version = call.Query("version");
  request.input = Json{{"file", key}, {"name", name}, {"sha256", common::Sha256Hex(bytes)}};
  return StartRunReply(ctx, request, wait);
}

absl::StatusOr<Reply> ListRuns(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(int limit, LimitQuery(call, kDefaultRunLimit, kMaxRunLimit));
  store::RunFilter filter;
  filter.workflow = call.Query("workflow");
  filter.before_run_id = call.Query("before");
  if (call.HasQuery("status")) {
    const std::string status = call.Query("status");
    filter.status = store::ParseRunStatus(status);
    if (!filter.status.has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown run status '", status,
                       "'; use running, completed, failed, rejected or cancelled"));
    }
  }
  filter.version_prefix = call.Query("version");
  filter.key_contains = call.Query("key");
  for (const auto& [name, target] :
       {std::pair{"from", &filter.created_from}, std::pair{"until", &filter.created_until}}) {
    if (!call.HasQuery(name)) continue;
    absl::Time time;
    std::string error;
    const std::string text = call.Query(name);
    if (!absl::ParseTime(absl::RFC3339_full, text, &time, &error)) {
      return absl::InvalidArgumentError(absl::StrCat(
          name, " must be an RFC 3339 time such as 2026-11-24T00:00:00Z, not '", text, "'"));
    }
    *target = time;
  }
  // One more than asked for tells whether there is a next page.
  filter.limit = limit + 1;
  ASSIGN_OR_RETURN(std::vector<store::Run> runs, ctx.store.ListRuns(filter));
  Json next = nullptr;
  if (runs.size() > static_cast<size_t>(limit)) {
    runs.resize(limit);
    next = runs.back().run_id;
  }
  Json list = Json::array();
  for (const store::Run& run : runs) list.push_back(RunSummaryJson(run));
  return Ok(Json{{"runs", std::move(list)}, {"next", std::move(next)}});
}

absl::StatusOr<Reply> GetRun(ServerContext& ctx, const Call& call) {
  const std::string& run_id = call.PathParam("id");
  ASSIGN_OR_RETURN(store::RunDetail detail, ctx.store.GetRunDetail(run_id));
  ASSIGN_OR_RETURN(std::vector<store::Record> records, ctx.store.ListRecords(run_id));
  Json body = RunJson(detail.run);
  Json steps = Json::array();
  for (const store::StepState& step : detail.steps) {
    // The end node is the engine's bookkeeping, not a step anyone wrote.
    if (step.step_id == store::kEndStepId) continue;
    steps.push_back(StepJson(step));
  }
  body["steps"] = std::move(steps);
  Json list = Json::array();
  for (const store::Record& record : records) list.push_back(RecordJson(record));
  body["records"] = std::move(list);
  return Ok(std::move(body));
}

}  // namespace

std::string DocumentExtension(const std::string& bytes) {
  if (bytes.rfind("%PDF-", 0) == 0) return "pdf";
  if (bytes.rfind("\x89PNG\r\n\x1a\n", 0) == 0) return "png";
  if (bytes.rfind("\xFF\xD8\xFF", 0) == 0) return "jpg";
  if (bytes.rfind(std::string("II*\0", 4), 0) == 0 ||
      bytes.rfind(std::string("MM\0*", 4), 0) == 0) {
    return "tif";
  }
  return "";
}

absl::StatusOr<Reply> StartRunReply(ServerContext& ctx, const engine::StartRunRequest& request,
                                    std::optional<absl::Duration> wait) {
  if (wait.has_value() && *wait > ctx.options.max_wait) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait may be at most ", absl::FormatDuration(ctx.options.max_wait)));
  }
  ASSIGN_OR_RETURN(engine::StartRunResult started, ctx.engine.StartRun(request));
  Json body = {{"run_id", started.run_id},
               {"workflow", request.workflow},
               {"version", started.version},
               {"status", store::RunStatusName(started.status)},
               {"created", started.created}};
  if (wait.has_value()) {
    // The run exists whatever the wait says: a run still going when the wait ends is reported
    // as it is (wait_timed_out), not as an error that would invite a retry.
    absl::StatusOr<store::Run> run = ctx.engine.WaitForRun(started.run_id, *wait);
    if (absl::IsDeadlineExceeded(run.status())) {
      body["wait_timed_out"] = true;
      run = ctx.store.GetRun(started.run_id);
    }
    if (!run.ok()) return run.status();
    body["status"] = store::RunStatusName(run->status);
    body["run"] = RunJson(*run);
  }
  return started.created ? Created(std::move(body)) : Ok(std::move(body));
}

void AddRunRoutes(ServerContext& ctx, Router& router) {
  router.Add({"POST", "/api/v1/workflows/{name}/runs", Permission::kStartRun,
              [&ctx](const Call& call) { return StartRun(ctx, call); }});
  router.Add({"POST", "/api/v1/workflows/{name}/documents", Permission::kStartRun,
              [&ctx](const Call& call) { return UploadDocument(ctx, call); }});
  router.Add({"GET", "/api/v1/runs", Permission::kRead,
              [&ctx](const Call& call) { return ListRuns(ctx, call); }});
  router.Add({"GET", "/api/v1/runs/{id}", Permission::kRead,
              [&ctx](const Call& call) { return GetRun(ctx, call); }});
}

}  // namespace flowline::server
