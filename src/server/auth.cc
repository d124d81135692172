#include "server/auth.h"

#include <argon2.h>

#include <cstdint>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/ids.h"
#include "common/strings.h"

namespace flowline::server {
namespace {

constexpr uint32_t Bit(Permission p) { return 1u << static_cast<uint32_t>(p); }

struct RoleGrant {
  Role role;
  const char* name;
  uint32_t permissions;
};

// THE role table: every authorization decision in the server comes from here. Keep
// docs/api.md's table and auth.h's summary in step with it.
constexpr uint32_t kViewerGrants = Bit(Permission::kRead);
constexpr uint32_t kReviewerGrants = kViewerGrants | Bit(Permission::kReview);
constexpr uint32_t kOperatorGrants =
    kReviewerGrants | Bit(Permission::kDeploy) | Bit(Permission::kStartRun);
constexpr uint32_t kAdminGrants = kOperatorGrants | Bit(Permission::kManageTokens);

constexpr RoleGrant kRoleTable[] = {
    {Role::kViewer, "viewer", kViewerGrants},
    {Role::kReviewer, "reviewer", kReviewerGrants},
    {Role::kOperator, "operator", kOperatorGrants},
    {Role::kAdmin, "admin", kAdminGrants},
};

constexpr Permission kAllPermissions[] = {Permission::kRead, Permission::kReview,
                                          Permission::kDeploy, Permission::kStartRun,
                                          Permission::kManageTokens};

const RoleGrant& GrantOf(Role role) {
  for (const RoleGrant& grant : kRoleTable) {
    if (grant.role == role) return grant;
  }
  return kRoleTable[0];  // unreachable: every Role is in the table
}

constexpr std::string_view kTokenPrefix = "flt_";
constexpr size_t kSecretBytes = 32;
// 32 bytes in unpadded base64: ceil(32 * 4 / 3) = 43 characters.
constexpr size_t kSecretChars = 43;
constexpr size_t kMaxNameLength = 200;

bool IsBase64UrlChar(char c) { return absl::ascii_isalnum(c) || c == '-' || c == '_'; }

// "flt_" + 43 URL-safe base64 characters.
bool IsWellFormedSecret(std::string_view secret) {
  if (secret.size() != kTokenPrefix.size() + kSecretChars) return false;
  if (secret.substr(0, kTokenPrefix.size()) != kTokenPrefix) return false;
  for (char c : secret.substr(kTokenPrefix.size())) {
    if (!IsBase64UrlChar(c)) return false;
  }
  return true;
}

// What a permission lets one do, for error messages ("role viewer may not deploy workflows").
const char* PermissionPhrase(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "read workflows, runs and tasks";
    case Permission::kReview:
      return "claim, release or resolve tasks";
    case Permission::kDeploy:
      return "deploy workflows";
    case Permission::kStartRun:
      return "start runs";
    case Permission::kManageTokens:
      return "manage API tokens";
  }
  return "do this";
}

absl::Status BadToken(std::string_view why) {
  return absl::UnauthenticatedError(
      absl::StrCat(Sv(why), "; send `Authorization: Bearer flt_...` with a valid API token"));
}

}  // namespace

const char* RoleName(Role role) { return GrantOf(role).name; }

std::optional<Role> ParseRole(std::string_view name) {
  for (const RoleGrant& grant : kRoleTable) {
    if (name == grant.name) return grant.role;
  }
  return std::nullopt;
}

const char* PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "read";
    case Permission::kReview:
      return "review";
    case Permission::kDeploy:
      return "deploy";
    case Permission::kStartRun:
      return "start_run";
    case Permission::kManageTokens:
      return "manage_tokens";
  }
  return "unknown";
}

bool Allows(Role role, Permission permission) {
  return (GrantOf(role).permissions & Bit(permission)) != 0;
}

std::vector<Permission> PermissionsOf(Role role) {
  std::vector<Permission> out;
  for (Permission p : kAllPermissions) {
    if (Allows(role, p)) out.push_back(p);
  }
  return out;
}

TokenAuthority::TokenAuthority(store::Store& store, const common::Clock& clock,
                               common::Random& random)
    : store_(store), clock_(clock), random_(random) {}

absl::StatusOr<std::string> TokenAuthority::CreateToken(std::string_view name,
                                                        std::string_view role) {
  absl::StatusOr<CreatedToken> created = IssueToken(name, role);
  if (!created.ok()) return created.status();
  return std::move(created->secret);
}

absl::StatusOr<CreatedToken> TokenAuthority::IssueToken(std::string_view name,
                                                        std::string_view role) {
  std::optional<Role> parsed = ParseRole(role);
  if (!parsed.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown role '", Sv(role), "'; use one of admin, operator, reviewer, viewer"));
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(Sv(name));
  if (trimmed.empty() || trimmed.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        "a token needs a name (1 to 200 characters): the person or system that will use it");
  }
  const absl::Time now = clock_.Now();
  CreatedToken created;
  created.token_id = common::NewId("tok_", now, random_);
  created.name = std::string(trimmed);
  created.role = *parsed;
  created.secret = absl::StrCat(Sv(kTokenPrefix), common::RandomToken(kSecretBytes, random_));

  store::TokenInfo info;
  info.token_id = created.token_id;
  info.name = created.name;
  info.role = RoleName(created.role);
  info.token_hash = common::Sha256Hex(created.secret);
  info.created_at = now;
  absl::Status stored = store_.PutToken(info);
  if (!stored.ok()) return stored;
  return created;
}

absl::StatusOr<Principal> TokenAuthority::Authenticate(std::string_view authorization) const {
  if (authorization.empty()) return BadToken("missing Authorization header");
  absl::string_view value = absl::StripAsciiWhitespace(Sv(authorization));
  constexpr absl::string_view kScheme = "bearer ";
  if (value.size() <= kScheme.size() || !absl::StartsWithIgnoreCase(value, kScheme)) {
    return BadToken("the Authorization header is not a bearer token");
  }
  absl::string_view secret = absl::StripLeadingAsciiWhitespace(value.substr(kScheme.size()));
  if (!IsWellFormedSecret(std::string_view(secret.data(), secret.size()))) {
    return BadToken("the bearer token is malformed");
  }
  // The store finds the token by the digest of the secret, so the secret itself is never
  // compared; the digests are compared once more in constant time so that correctness does not
  // rest on how the store matches.
  const std::string hash = common::Sha256Hex(std::string_view(secret.data(), secret.size()));
  absl::StatusOr<store::TokenInfo> info = store_.FindToken(hash);
  if (absl::IsNotFound(info.status())) return BadToken("unknown or revoked token");
  if (!info.ok()) return info.status();
  if (info->revoked || !common::ConstantTimeEquals(info->token_hash, hash)) {
    return BadToken("unknown or revoked token");
  }
  if (info->expires_at.has_value() && *info->expires_at <= clock_.Now()) {
    return absl::UnauthenticatedError("the session has expired; sign in again");
  }
  std::optional<Role> role = ParseRole(info->role);
  if (!role.has_value()) return BadToken("the token has an unknown role");
  return Principal{info->token_id, info->name, *role, info->session};
}

absl::Status TokenAuthority::AddUser(std::string_view name, std::string_view role,
                                     std::string_view password) {
  std::optional<Role> parsed = ParseRole(role);
  if (!parsed.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown role '", Sv(role), "'; use one of admin, operator, reviewer, viewer"));
  }
  absl::string_view trimmed = absl::StripAsciiWhitespace(Sv(name));
  if (trimmed.empty() || trimmed.size() > kMaxNameLength || trimmed.size() != name.size()) {
    return absl::InvalidArgumentError(
        "a user name is 1 to 200 characters without leading or trailing spaces");
  }
  if (password.size() < 8) {
    return absl::InvalidArgumentError("a password needs at least 8 characters");
  }
  absl::StatusOr<std::string> hash = HashPassword(password, random_);
  if (!hash.ok()) return hash.status();
  store::UserInfo user;
  user.name = std::string(name);
  user.role = RoleName(*parsed);
  user.password_hash = *std::move(hash);
  user.created_at = clock_.Now();
  return store_.PutUser(user);
}

absl::StatusOr<CreatedToken> TokenAuthority::SignIn(std::string_view name,
                                                    std::string_view password,
                                                    absl::Duration lifetime) {
  const absl::Status wrong = absl::UnauthenticatedError("wrong user name or password");
  absl::StatusOr<store::UserInfo> user = store_.FindUser(std::string(name));
  if (absl::IsNotFound(user.status())) {
    // Spend the time a check would take, so a wrong name answers like a wrong password.
    static const std::string kDecoy =
        "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$"
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    VerifyPassword(password, kDecoy);
    return wrong;
  }
  if (!user.ok()) return user.status();
  if (!VerifyPassword(password, user->password_hash) || user->disabled) return wrong;
  std::optional<Role> role = ParseRole(user->role);
  if (!role.has_value()) return absl::DataLossError("the user has an unknown role");
  const absl::Time now = clock_.Now();
  CreatedToken created;
  created.token_id = common::NewId("ses_", now, random_);
  created.name = user->name;
  created.role = *role;
  created.secret = absl::StrCat(Sv(kTokenPrefix), common::RandomToken(kSecretBytes, random_));
  created.expires_at = now + lifetime;
  store::TokenInfo info;
  info.token_id = created.token_id;
  info.name = created.name;
  info.role = RoleName(created.role);
  info.token_hash = common::Sha256Hex(created.secret);
  info.created_at = now;
  info.expires_at = created.expires_at;
  info.session = true;
  absl::Status stored = store_.PutToken(info);
  if (!stored.ok()) return stored;
  return created;
}

absl::StatusOr<std::string> HashPassword(std::string_view password, common::Random& random) {
  constexpr uint32_t kPasses = 2;
  constexpr uint32_t kMemoryKiB = 19456;
  constexpr uint32_t kLanes = 1;
  constexpr size_t kSaltBytes = 16;
  constexpr size_t kHashBytes = 32;
  std::string salt(kSaltBytes, '\0');
  for (size_t i = 0; i < kSaltBytes; i += 8) {
    uint64_t bits = random.Next64();
    for (size_t j = i; j < i + 8 && j < kSaltBytes; ++j, bits >>= 8) {
      salt[j] = static_cast<char>(bits & 0xff);
    }
  }
  std::string encoded(
      argon2_encodedlen(kPasses, kMemoryKiB, kLanes, kSaltBytes, kHashBytes, Argon2_id), '\0');
  int rc =
      argon2id_hash_encoded(kPasses, kMemoryKiB, kLanes, password.data(), password.size(),
                            salt.data(), salt.size(), kHashBytes, encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return absl::InternalError(absl::StrCat("hashing the password: ", argon2_error_message(rc)));
  }
  encoded.resize(std::strlen(encoded.c_str()));
  return encoded;
}

bool VerifyPassword(std::string_view password, const std::string& encoded) {
  return argon2id_verify(encoded.c_str(), password.data(), password.size()) == ARGON2_OK;
}

absl::StatusOr<Principal> TokenAuthority::Authorize(std::string_view authorization,
                                                    Permission needed) const {
  absl::StatusOr<Principal> principal = Authenticate(authorization);
  if (!principal.ok() || Allows(principal->role, needed)) return principal;
  std::string allowed;
  for (const RoleGrant& grant : kRoleTable) {
    if ((grant.permissions & Bit(needed)) == 0) continue;
    absl::StrAppend(&allowed, allowed.empty() ? "" : ", ", grant.name);
  }
  return absl::PermissionDeniedError(absl::StrCat("role ", RoleName(principal->role), " may not ",
                                                  PermissionPhrase(needed),
                                                  "; roles that may: ", allowed));
}

absl::StatusOr<std::vector<store::TokenInfo>> TokenAuthority::ListTokens() const {
  return store_.ListTokens();
}

absl::Status TokenAuthority::RevokeToken(const std::string& token_id) {
  return store_.RevokeToken(token_id);
}

}  // namespace flowline::server
