// flowline token create / list / revoke.
#include <iostream>

#include "CLI/CLI.hpp"
#include "cli/commands.h"
#include "cli/table.h"
#include "server/auth.h"

namespace flowline::cli {

void AddTokenCommand(CLI::App& app, const GlobalOptions& global, int& exit_code) {
  auto* token = app.add_subcommand("token", "API tokens: create, list, revoke");
  token->require_subcommand(1);

  auto role = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  auto* create = token->add_subcommand(
      "create", "Create an API token and print it once (only its hash is stored)");
  create->add_option("--role,-r", *role, "What the token may do")
      ->required()
      ->check(CLI::IsMember({"admin", "operator", "reviewer", "viewer"}));
  create->add_option("--name,-n", *name, "Who or what uses it (shown in records as the actor)")
      ->required();
  create->callback([=, &global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
    if (!app.ok()) {
      exit_code = Fail(app.status());
      return;
    }
    server::TokenAuthority authority((*app)->store(), (*app)->clock(), (*app)->random());
    absl::StatusOr<std::string> secret = authority.CreateToken(*name, *role);
    if (!secret.ok()) {
      exit_code = Fail(secret.status());
      return;
    }
    std::cout << *secret << "\n";
    std::cerr << "token for " << *name << " (" << *role
              << ") created; it is shown only this once\n";
  });

  auto* list = token->add_subcommand("list", "List tokens (never their secrets)");
  list->callback([&global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
    if (!app.ok()) {
      exit_code = Fail(app.status());
      return;
    }
    absl::StatusOr<std::vector<store::TokenInfo>> tokens = (*app)->store().ListTokens();
    if (!tokens.ok()) {
      exit_code = Fail(tokens.status());
      return;
    }
    std::vector<std::vector<std::string>> rows;
    for (const store::TokenInfo& t : *tokens) {
      rows.push_back(
          {t.token_id, t.name, t.role, HumanTime(t.created_at), t.revoked ? "revoked" : "active"});
    }
    PrintTable(std::cout, {"TOKEN", "NAME", "ROLE", "CREATED", "STATE"}, rows);
  });

  auto token_id = std::make_shared<std::string>();
  auto* revoke = token->add_subcommand("revoke", "Revoke a token; it stops working at once");
  revoke->add_option("token_id", *token_id, "The token's id (tok_...)")->required();
  revoke->callback([=, &global, &exit_code] {
    absl::StatusOr<std::unique_ptr<App>> app = App::Open(global);
    if (!app.ok()) {
      exit_code = Fail(app.status());
      return;
    }
    absl::Status revoked = (*app)->store().RevokeToken(*token_id);
    if (!revoked.ok()) {
      exit_code = Fail(revoked);
      return;
    }
    std::cout << "revoked " << *token_id << "\n";
  });
}

}  // namespace flowline::cli
