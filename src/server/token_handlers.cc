// Managing API tokens (admin only). The secret of a new token is in the creation response and
// nowhere else.
#include <string>

#include "common/status_macros.h"
#include "server/handlers.h"
#include "server/json_views.h"
#include "spdlog/spdlog.h"

namespace flowline::server {
namespace {

absl::StatusOr<Reply> ListTokens(ServerContext& ctx, const Call&) {
  ASSIGN_OR_RETURN(std::vector<store::TokenInfo> tokens, ctx.tokens.ListTokens());
  Json list = Json::array();
  for (const store::TokenInfo& token : tokens) list.push_back(TokenJson(token));
  return Ok(Json{{"tokens", std::move(list)}});
}

absl::StatusOr<Reply> CreateToken(ServerContext& ctx, const Call& call) {
  ASSIGN_OR_RETURN(Json body, JsonBody(call, "the request body", Json()));
  RETURN_IF_ERROR(RequireObject(body, "the request body"));
  ASSIGN_OR_RETURN(std::string name, StringMember(body, "name", /*required=*/true));
  ASSIGN_OR_RETURN(std::string role, StringMember(body, "role", /*required=*/true));
  ASSIGN_OR_RETURN(CreatedToken created, ctx.tokens.IssueToken(name, role));
  spdlog::info("{} created API token {} ({}, role {})", call.user(), created.token_id, created.name,
               RoleName(created.role));
  return Created(Json{{"token_id", created.token_id},
                      {"name", created.name},
                      {"role", RoleName(created.role)},
                      {"token", created.secret}});
}

absl::StatusOr<Reply> RevokeToken(ServerContext& ctx, const Call& call) {
  const std::string& token_id = call.PathParam("id");
  RETURN_IF_ERROR(ctx.tokens.RevokeToken(token_id));
  spdlog::info("{} revoked API token {}", call.user(), token_id);
  return Ok(Json{{"token_id", token_id}, {"revoked", true}});
}

}  // namespace

void AddTokenRoutes(ServerContext& ctx, Router& router) {
  router.Add({"GET", "/api/v1/tokens", Permission::kManageTokens,
              [&ctx](const Call& call) { return ListTokens(ctx, call); }});
  router.Add({"POST", "/api/v1/tokens", Permission::kManageTokens,
              [&ctx](const Call& call) { return CreateToken(ctx, call); }});
  router.Add({"DELETE", "/api/v1/tokens/{id}", Permission::kManageTokens,
              [&ctx](const Call& call) { return RevokeToken(ctx, call); }});
}

}  // namespace flowline::server
