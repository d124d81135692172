#include "store/sqlite/catalog_writes.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/sqlite/release_rows.h"
#include "store/sqlite/rows.h"

namespace flowline::store::sqlite {

absl::StatusOr<bool> InsertVersion(Connection& db, const VersionInfo& version) {
  if (version.workflow.empty() || version.version.empty()) {
    return absl::InvalidArgumentError("a version needs a workflow name and a version hash");
  }
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO versions (workflow, version, "
                                           "spec_source, source_name, deployed_at, stage) "
                                           "VALUES (?1, ?2, ?3, ?4, ?5, 'draft') "
                                           "ON CONFLICT (workflow, version) DO NOTHING"));
    stmt->Bind(1, version.workflow);
    stmt->Bind(2, version.version);
    stmt->Bind(3, version.spec_source);
    stmt->Bind(4, version.source_name);
    stmt->Bind(5, version.deployed_at);
    RETURN_IF_ERROR(stmt->Run());
    if (stmt->Changes() == 0) return false;
  }
  {
    ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO workflows (workflow, live_version, "
                                           "updated_at) VALUES (?1, '', ?2) "
                                           "ON CONFLICT (workflow) DO NOTHING"));
    stmt->Bind(1, version.workflow);
    stmt->Bind(2, version.deployed_at);
    RETURN_IF_ERROR(stmt->Run());
  }
  // The new version enters its stage as a stage change would move it there.
  StageChange change;
  change.workflow = version.workflow;
  change.version = version.version;
  change.to = version.stage;
  change.now = version.deployed_at;
  RETURN_IF_ERROR(ChangeVersionStage(db, change).status());
  return true;
}

absl::Status InsertToken(Connection& db, const TokenInfo& token) {
  if (token.token_id.empty() || token.token_hash.empty()) {
    return absl::InvalidArgumentError("a token needs an id and a hash");
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO tokens (token_id, name, role, token_hash, "
                                         "created_at, revoked, expires_at, session) "
                                         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"));
  stmt->Bind(1, token.token_id);
  stmt->Bind(2, token.name);
  stmt->Bind(3, token.role);
  stmt->Bind(4, token.token_hash);
  stmt->Bind(5, token.created_at);
  stmt->Bind(6, token.revoked ? 1 : 0);
  stmt->Bind(7, token.expires_at);
  stmt->Bind(8, token.session ? 1 : 0);
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

absl::StatusOr<WorkflowInfo> UpdateWorkflowPaused(Connection& db, const std::string& workflow,
                                                  bool paused, const std::string& by,
                                                  absl::Time now) {
  static const std::string kSql = absl::StrCat(
      "UPDATE workflows SET paused = ?2, paused_by = ?3, paused_at = ?4 WHERE workflow = ?1 ",
      "RETURNING ", kWorkflowColumns);
  ASSIGN_OR_RETURN(auto stmt, db.Prepare(kSql));
  stmt->Bind(1, workflow);
  stmt->Bind(2, paused ? 1 : 0);
  static const std::string kNobody;
  stmt->Bind(3, paused ? by : kNobody);  // a named string: Bind keeps a view of it
  stmt->Bind(4, paused ? std::optional<absl::Time>(now) : std::nullopt);
  ASSIGN_OR_RETURN(bool row, stmt->Step());
  if (!row) {
    return absl::NotFoundError(
        absl::StrCat("workflow ", workflow, " not found; deploy it before pausing it"));
  }
  return ReadWorkflowRow(*stmt);
}

absl::Status UpsertUser(Connection& db, const UserInfo& user) {
  if (user.name.empty() || user.password_hash.empty()) {
    return absl::InvalidArgumentError("a user needs a name and a password hash");
  }
  ASSIGN_OR_RETURN(auto stmt, db.Prepare("INSERT INTO users (name, role, password_hash, "
                                         "created_at, disabled) VALUES (?1, ?2, ?3, ?4, ?5) "
                                         "ON CONFLICT (name) DO UPDATE SET role = excluded.role, "
                                         "password_hash = excluded.password_hash, "
                                         "disabled = excluded.disabled"));
  stmt->Bind(1, user.name);
  stmt->Bind(2, user.role);
  stmt->Bind(3, user.password_hash);
  stmt->Bind(4, user.created_at);
  stmt->Bind(5, user.disabled ? 1 : 0);
  return stmt->Run();
}

}  // namespace flowline::store::sqlite
