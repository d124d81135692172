// PostgresStore: users and tokens.
#include "store/postgres/postgres_store.h"

#include "absl/status/status.h"

namespace flowline::store::postgres {

absl::Status PostgresStore::PutUser(const UserInfo& /*user*/) {
  return absl::UnimplementedError("PostgresStore::PutUser: not implemented yet");
}

absl::StatusOr<UserInfo> PostgresStore::FindUser(const std::string& /*name*/) {
  return absl::UnimplementedError("PostgresStore::FindUser: not implemented yet");
}

absl::StatusOr<std::vector<UserInfo>> PostgresStore::ListUsers() {
  return absl::UnimplementedError("PostgresStore::ListUsers: not implemented yet");
}

absl::Status PostgresStore::PutToken(const TokenInfo& /*token*/) {
  return absl::UnimplementedError("PostgresStore::PutToken: not implemented yet");
}

absl::StatusOr<TokenInfo> PostgresStore::FindToken(const std::string& /*token_hash*/) {
  return absl::UnimplementedError("PostgresStore::FindToken: not implemented yet");
}

absl::StatusOr<std::vector<TokenInfo>> PostgresStore::ListTokens() {
  return absl::UnimplementedError("PostgresStore::ListTokens: not implemented yet");
}

absl::Status PostgresStore::RevokeToken(const std::string& /*token_id*/) {
  return absl::UnimplementedError("PostgresStore::RevokeToken: not implemented yet");
}

}  // namespace flowline::store::postgres
