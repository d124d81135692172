// API tokens and roles: who may call the HTTP API, and what each role may do.
//
// A token is a bearer secret `flt_<43 chars>` (32 random bytes, URL-safe base64). The secret is
// shown once, when it is created; the store keeps only its SHA-256 hex digest, under a `tok_` id,
// with a name (the person or system it belongs to, used as the user in task actions) and a role.
//
// Roles are cumulative, and what each may do is decided by ONE table (kRoleTable in auth.cc,
// mirrored in docs/api.md):
//
//   permission                              viewer  reviewer  operator  admin
//   read (workflows, runs, tasks, measures,  yes      yes       yes      yes
//         metrics, health)
//   review (claim, release, resolve tasks)    -       yes       yes      yes
//   deploy workflows                          -        -        yes      yes
//   start runs                                -        -        yes      yes
//   manage tokens                             -        -         -       yes
//
// Thread-safety: TokenAuthority is thread-safe (the store is; the Random must be too).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/clock.h"
#include "store/store.h"

namespace flowline::server {

enum class Role { kViewer, kReviewer, kOperator, kAdmin };

enum class Permission {
  kRead,          // workflows, runs, tasks, measures, metrics, health
  kReview,        // claim, release and resolve tasks
  kDeploy,        // deploy workflow versions
  kStartRun,      // start runs (API and unsigned webhooks)
  kManageTokens,  // create, list and revoke API tokens
};

const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);
const char* PermissionName(Permission permission);

// Whether `role` may do `permission`, per the role table.
bool Allows(Role role, Permission permission);

// Every permission `role` has, in declaration order (for docs and token listings).
std::vector<Permission> PermissionsOf(Role role);

// Who is calling: the token's id, name and role.
struct Principal {
  std::string token_id;
  std::string name;
  Role role = Role::kViewer;
  bool session = false;  // signed in with a password (a session), not an API token
};

// A freshly created token. `secret` exists only here: it is not stored and cannot be recovered.
struct CreatedToken {
  std::string token_id;
  std::string name;
  Role role = Role::kViewer;
  std::string secret;
  std::optional<absl::Time> expires_at;  // sessions only
};

// Argon2id (RFC 9106; libargon2) with OWASP's parameters: 19 MiB, 2 passes, 1 lane, a 16-byte
// random salt. Returns the encoded form ("$argon2id$v=19$m=19456,t=2,p=1$...").
absl::StatusOr<std::string> HashPassword(std::string_view password, common::Random& random);
// True if `password` matches the encoded hash (constant-time comparison inside libargon2).
bool VerifyPassword(std::string_view password, const std::string& encoded);

class TokenAuthority {
 public:
  // `store`, `clock` and `random` must outlive the authority. `random` must be cryptographically
  // secure outside tests (common::SystemRandom is): token secrets are drawn from it.
  TokenAuthority(store::Store& store, const common::Clock& clock, common::Random& random);

  // Creates a token for `name` (non-empty, at most 200 characters) with `role` (admin, operator,
  // reviewer or viewer) and returns its secret, which is not kept anywhere. Errors:
  // InvalidArgument (bad name or role), the store's errors.
  absl::StatusOr<std::string> CreateToken(std::string_view name, std::string_view role);
  // The same, returning the new token's id, name and role along with the secret.
  absl::StatusOr<CreatedToken> IssueToken(std::string_view name, std::string_view role);

  // Checks an `Authorization` header value ("Bearer flt_..."). Unauthenticated when the header is
  // missing (empty), malformed, or names an unknown or revoked token; the message never repeats
  // the token. Other store errors are returned as they are (the caller cannot tell yet).
  absl::StatusOr<Principal> Authenticate(std::string_view authorization) const;

  // Authenticate(), then checks that the caller's role has `needed`: PermissionDenied (naming
  // the roles that do) when it has not.
  absl::StatusOr<Principal> Authorize(std::string_view authorization, Permission needed) const;

  // People. AddUser stores `name` with `role` and an Argon2id hash of `password` (at least 8
  // characters); an existing user's role and password are replaced. InvalidArgument for a bad
  // name, role or password.
  absl::Status AddUser(std::string_view name, std::string_view role, std::string_view password);

  // Signs a person in: checks the password against the stored Argon2id hash and issues a
  // session (a token that expires after `lifetime`). Unauthenticated "wrong user name or
  // password" for an unknown user, a disabled one or a wrong password (the same answer for all).
  absl::StatusOr<CreatedToken> SignIn(std::string_view name, std::string_view password,
                                      absl::Duration lifetime);

  // Every token (revoked ones included), without secrets.
  absl::StatusOr<std::vector<store::TokenInfo>> ListTokens() const;

  // Revokes a token at once. NotFound for an unknown id.
  absl::Status RevokeToken(const std::string& token_id);

 private:
  store::Store& store_;
  const common::Clock& clock_;
  common::Random& random_;
};

}  // namespace flowline::server
