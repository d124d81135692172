// PostgresStore: users and tokens.
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "store/postgres/pg_pool.h"
#include "store/postgres/pg_tx.h"
#include "store/postgres/postgres_store.h"

namespace flowline::store::postgres {
namespace {

constexpr char kTokenColumns[] =
    "token_id, name, role, token_hash, created_at, revoked, expires_at, session";
constexpr char kUserColumns[] = "name, role, password_hash, created_at, disabled";
const std::string kPutUserSql = absl::StrCat(
    "INSERT INTO users (", kUserColumns,
    ") VALUES ($1, $2, $3, $4, $5) ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
    "password_hash = excluded.password_hash, disabled = excluded.disabled");
const PgQuery kPutUser{"put_user", kPutUserSql.c_str()};
const std::string kFindUserSql =
    absl::StrCat("SELECT ", kUserColumns, " FROM users WHERE name = $1");
const PgQuery kFindUser{"find_user", kFindUserSql.c_str()};
const std::string kListUsersSql =
    absl::StrCat("SELECT ", kUserColumns, " FROM users ORDER BY name COLLATE \"C\"");
const PgQuery kListUsers{"list_users", kListUsersSql.c_str()};
const std::string kPutTokenSql =
    absl::StrCat("INSERT INTO tokens (", kTokenColumns,
                 ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (token_id) DO NOTHING");
const PgQuery kPutToken{"put_token", kPutTokenSql.c_str()};
const std::string kFindTokenSql = absl::StrCat(
    "SELECT ", kTokenColumns, " FROM tokens WHERE token_hash = $1 AND NOT revoked LIMIT 1");
const PgQuery kFindToken{"find_token", kFindTokenSql.c_str()};
const std::string kListTokensSql = absl::StrCat(
    "SELECT ", kTokenColumns, " FROM tokens ORDER BY created_at, token_id COLLATE \"C\"");
const PgQuery kListTokens{"list_tokens", kListTokensSql.c_str()};

TokenInfo ReadToken(const pqxx::row& row) {
  TokenInfo token;
  token.token_id = PgText(row[0]);
  token.name = PgText(row[1]);
  token.role = PgText(row[2]);
  token.token_hash = PgText(row[3]);
  token.created_at = PgTime(row[4]);
  token.revoked = PgBool(row[5]);
  token.expires_at = PgOptTime(row[6]);
  token.session = PgBool(row[7]);
  return token;
}

UserInfo ReadUser(const pqxx::row& row) {
  UserInfo user;
  user.name = PgText(row[0]);
  user.role = PgText(row[1]);
  user.password_hash = PgText(row[2]);
  user.created_at = PgTime(row[3]);
  user.disabled = PgBool(row[4]);
  return user;
}

template <typename T, typename ReadRow>
std::vector<T> AllOf(const pqxx::result& rows, ReadRow read_row) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const pqxx::row& row : rows) out.push_back(read_row(row));
  return out;
}

}  // namespace

absl::Status PostgresStore::PutUser(const UserInfo& user) {
  if (user.name.empty() || user.password_hash.empty()) {
    return absl::InvalidArgumentError("a user needs a name and a password hash");
  }
  // Replacing a user keeps when they were added.
  return pool_->Run("PutUser", [&](PgTx& tx) {
    tx.Exec(kPutUser, {user.name, user.role, user.password_hash, user.created_at, user.disabled});
    return absl::OkStatus();
  });
}

absl::StatusOr<UserInfo> PostgresStore::FindUser(const std::string& name) {
  return pool_->Run<UserInfo>("FindUser", [&](PgTx& tx) -> absl::StatusOr<UserInfo> {
    pqxx::result rows = tx.Exec(kFindUser, {name});
    if (rows.empty()) return absl::NotFoundError(absl::StrCat("user ", name, " not found"));
    return ReadUser(rows[0]);
  });
}

absl::StatusOr<std::vector<UserInfo>> PostgresStore::ListUsers() {
  return pool_->Run<std::vector<UserInfo>>("ListUsers",
                                           [&](PgTx& tx) -> absl::StatusOr<std::vector<UserInfo>> {
                                             return AllOf<UserInfo>(tx.Exec(kListUsers), ReadUser);
                                           });
}

absl::Status PostgresStore::PutToken(const TokenInfo& token) {
  if (token.token_id.empty() || token.token_hash.empty()) {
    return absl::InvalidArgumentError("a token needs an id and a hash");
  }
  // ON CONFLICT DO NOTHING: a duplicate id is reported as such, not as a failed statement.
  return pool_->Run("PutToken", [&](PgTx& tx) -> absl::Status {
    pqxx::result inserted =
        tx.Exec(kPutToken, {token.token_id, token.name, token.role, token.token_hash,
                            token.created_at, token.revoked, token.expires_at, token.session});
    if (inserted.affected_rows() == 0) {
      return absl::AlreadyExistsError(absl::StrCat("token ", token.token_id, " already exists"));
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<TokenInfo> PostgresStore::FindToken(const std::string& token_hash) {
  return pool_->Run<TokenInfo>("FindToken", [&](PgTx& tx) -> absl::StatusOr<TokenInfo> {
    pqxx::result rows = tx.Exec(kFindToken, {token_hash});
    // The hash is a secret's digest: do not echo it into logs.
    if (rows.empty()) return absl::NotFoundError("no valid token has this hash");
    return ReadToken(rows[0]);
  });
}

absl::StatusOr<std::vector<TokenInfo>> PostgresStore::ListTokens() {
  return pool_->Run<std::vector<TokenInfo>>(
      "ListTokens", [&](PgTx& tx) -> absl::StatusOr<std::vector<TokenInfo>> {
        return AllOf<TokenInfo>(tx.Exec(kListTokens), ReadToken);
      });
}

absl::Status PostgresStore::RevokeToken(const std::string& token_id) {
  static constexpr PgQuery kUpdate{"revoke_token",
                                   "UPDATE tokens SET revoked = TRUE WHERE token_id = $1"};
  return pool_->Run("RevokeToken", [&](PgTx& tx) -> absl::Status {
    if (tx.Exec(kUpdate, {token_id}).affected_rows() == 0) {
      return absl::NotFoundError(absl::StrCat("token ", token_id, " not found"));
    }
    return absl::OkStatus();
  });
}

}  // namespace flowline::store::postgres
