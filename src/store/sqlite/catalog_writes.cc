#include "store/sqlite/catalog_writes.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::store::sqlite {

absl::StatusOr<bool> InsertVersion(Connection& db, const VersionInfo& version) {
  if (version.workflow.empty() || version.version.empty()) {
    return absl::InvalidArgumentError("a version needs a workflow name and a version hash");
  }
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO versions (workflow, version, "
                                           "spec_source, source_name, deployed_at) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5) "
                                           "ON CONFLICT (workflow, version) DO NOTHING"));
    stmt->Bind(1, version.workflow);
    stmt->Bind(2, version.version);
    stmt->Bind(3, version.spec_source);
    stmt->Bind(4, version.source_name);
    stmt->Bind(5, version.deployed_at);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() == 0) return false;
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO workflows (workflow, live_version, "
                                         "updated_at) VALUES (?1, ?2, ?3) "
                                         "ON CONFLICT (workflow) DO UPDATE SET "
                                         "live_version = excluded.live_version, "
                                         "updated_at = excluded.updated_at"));
  stmt->Bind(1, version.workflow);
  stmt->Bind(2, version.version);
  stmt->Bind(3, version.deployed_at);
  RETURN_IF_ERROR(stmt->Run());
  return true;
}

absl::Status InsertToken(Connection& db, const TokenInfo& token) {
  if (token.token_id.empty() || token.token_hash.empty()) {
    return absl::InvalidArgumentError("a token needs an id and a hash");
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO tokens (token_id, name, role, token_hash, "
                                         "created_at, revoked) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  stmt->Bind(1, token.token_id);
  stmt->Bind(2, token.name);
  stmt->Bind(3, token.role);
  stmt->Bind(4, token.token_hash);
  stmt->Bind(5, token.created_at);
  stmt->Bind(6, token.revoked ? 1 : 0);
  absl::Status status = stmt->Run();
  if (absl::IsAlreadyExists(status)) {
    return absl::AlreadyExistsError(absl::StrCat("token ", token.token_id, " already exists"));
  }
  return status;
}

absl::Status RevokeTokenRow(Connection& db, const std::string& token_id) {
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("UPDATE tokens SET revoked = 1 WHERE token_id = ?1"));
  stmt->Bind(1, token_id);
  RETURN_IF_ERROR(stmt->Run());
  if (stmt->Changes() == 0) {
    return absl::NotFoundError(absl::StrCat("token ", token_id, " not found"));
  }
  return absl::OkStatus();
}

}  // namespace flowline::store::sqlite
