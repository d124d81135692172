// Stored evaluations (docs/evaluation.md): listed per workflow, one with its report, and two
// compared field by field — what the web UI's Evaluations screen shows.
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "lifecycle/stored_evaluation.h"
#include "server/handlers.h"
#include "server/json_views.h"

namespace flowline::server {
namespace {

absl::StatusOr<Reply> ListEvaluations(ServerContext& ctx, const Call& call) {
  store::EvaluationFilter filter;
  ASSIGN_OR_RETURN(filter.limit, LimitQuery(call, 100, 1000));
  filter.workflow = call.Query("workflow");
  filter.version = call.Query("version");
  filter.dataset = call.Query("dataset");
  ASSIGN_OR_RETURN(std::vector<store::EvaluationRow> rows, ctx.store.ListEvaluations(filter));
  Json list = Json::array();
  for (const store::EvaluationRow& row : rows) {
    ASSIGN_OR_RETURN(Json json, lifecycle::EvaluationJson(row, /*with_report=*/false));
    list.push_back(std::move(json));
  }
  return Ok(Json{{"evaluations", std::move(list)}});
}

absl::StatusOr<Reply> GetEvaluation(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(store::EvaluationRow row, ctx.store.GetEvaluation(call.PathParam("id")));
  ASSIGN_OR_RETURN(Json json, lifecycle::EvaluationJson(row, /*with_report=*/true));
  return Ok(std::move(json));
}

absl::StatusOr<Reply> CompareEvaluations(ServerContext& ctx, const Call& call) {
  if (!call.HasQuery("a") || !call.HasQuery("b")) {
    return absl::InvalidArgumentError(
        "compare needs two evaluations: ?a=<id>&b=<id> (GET /api/v1/evaluations lists them)");
  }
  ASSIGN_OR_RETURN(store::EvaluationRow a, ctx.store.GetEvaluation(call.Query("a")));
  ASSIGN_OR_RETURN(store::EvaluationRow b, ctx.store.GetEvaluation(call.Query("b")));
  ASSIGN_OR_RETURN(Json comparison, lifecycle::CompareEvaluations(a, b));
  return Ok(std::move(comparison));
}

}  // namespace

void AddEvaluationRoutes(ServerContext& ctx, Router& router) {
  // The fixed path first: "compare" is not an evaluation id.
  router.Add({"GET", "/api/v1/evaluations/compare", Permission::kRead,
              [&ctx](const Call& call) { return CompareEvaluations(ctx, call); }});
  router.Add({"GET", "/api/v1/evaluations", Permission::kRead,
              [&ctx](const Call& call) { return ListEvaluations(ctx, call); }});
  router.Add({"GET", "/api/v1/evaluations/{id}", Permission::kRead,
              [&ctx](const Call& call) { return GetEvaluation(ctx, call); }});
}

}  // namespace flowline::server
