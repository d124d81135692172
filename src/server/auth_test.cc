#include "server/auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <regex>

#include "common/ids.h"
#include "common/temp_dir.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

class TokenAuthorityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options =
        store::sqlite::ScratchStoreOptions(dir_.File("auth.db"));
    absl::StatusOr<std::unique_ptr<store::sqlite::SqliteStore>> store =
        store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
    authority_ = std::make_unique<TokenAuthority>(*store_, clock_, random_);
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{7};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<TokenAuthority> authority_;
};

TEST_F(TokenAuthorityTest, CreatesTokenShownOnceAndStoresOnlyItsHash) {
  absl::StatusOr<CreatedToken> created = authority_->IssueToken("alice", "reviewer");
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(std::regex_match(created->secret, std::regex("flt_[A-Za-z0-9_-]{43}")))
      << created->secret;
  EXPECT_TRUE(std::regex_match(created->token_id, std::regex("tok_[0-9A-Z]+")))
      << created->token_id;

  absl::StatusOr<std::vector<store::TokenInfo>> tokens = store_->ListTokens();
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 1u);
  EXPECT_EQ((*tokens)[0].name, "alice");
  EXPECT_EQ((*tokens)[0].role, "reviewer");
  EXPECT_EQ((*tokens)[0].token_hash, common::Sha256Hex(created->secret));
  EXPECT_EQ((*tokens)[0].token_hash.find(created->secret), std::string::npos);
}

TEST_F(TokenAuthorityTest, AuthenticatesBearerTokens) {
  absl::StatusOr<std::string> secret = authority_->CreateToken("ci", "operator");
  ASSERT_TRUE(secret.ok());
  for (const std::string& header :
       {"Bearer " + *secret, "bearer " + *secret, "  Bearer   " + *secret + " "}) {
    absl::StatusOr<Principal> principal = authority_->Authenticate(header);
    ASSERT_TRUE(principal.ok()) << header << ": " << principal.status();
    EXPECT_EQ(principal->name, "ci");
    EXPECT_EQ(principal->role, Role::kOperator);
  }
}

TEST_F(TokenAuthorityTest, RefusesMissingMalformedUnknownAndRevokedTokens) {
  absl::StatusOr<CreatedToken> created = authority_->IssueToken("bob", "viewer");
  ASSERT_TRUE(created.ok());
  std::string unknown = created->secret;
  unknown.back() = unknown.back() == 'A' ? 'B' : 'A';
  for (const std::string& header :
       {std::string(), std::string("Bearer"), std::string("Basic dXNlcjpwYXNz"),
        "Token " + created->secret, std::string("Bearer flt_short"), "Bearer " + unknown,
        "Bearer " + created->secret.substr(4)}) {
    absl::StatusOr<Principal> principal = authority_->Authenticate(header);
    EXPECT_TRUE(absl::IsUnauthenticated(principal.status())) << header;
    // The message never repeats what was sent.
    EXPECT_THAT(std::string(principal.status().message()),
                ::testing::Not(HasSubstr(created->secret.substr(4, 12))));
  }
  ASSERT_TRUE(authority_->RevokeToken(created->token_id).ok());
  EXPECT_TRUE(
      absl::IsUnauthenticated(authority_->Authenticate("Bearer " + created->secret).status()));
}

TEST_F(TokenAuthorityTest, RefusesUnknownRolesAndEmptyNames) {
  EXPECT_TRUE(absl::IsInvalidArgument(authority_->CreateToken("x", "root").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(authority_->CreateToken("x", "Admin").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(authority_->CreateToken("  ", "admin").status()));
  EXPECT_TRUE(
      absl::IsInvalidArgument(authority_->CreateToken(std::string(201, 'n'), "admin").status()));
}

TEST_F(TokenAuthorityTest, AuthorizeNamesTheRolesThatMay) {
  absl::StatusOr<std::string> secret = authority_->CreateToken("v", "viewer");
  ASSERT_TRUE(secret.ok());
  absl::StatusOr<Principal> denied =
      authority_->Authorize("Bearer " + *secret, Permission::kDeploy);
  EXPECT_TRUE(absl::IsPermissionDenied(denied.status()));
  EXPECT_THAT(std::string(denied.status().message()), HasSubstr("operator, admin"));
  EXPECT_TRUE(authority_->Authorize("Bearer " + *secret, Permission::kRead).ok());
}

// The role table, written out independently of the code that implements it.
TEST(RoleTableTest, RolesAreCumulative) {
  struct Row {
    Role role;
    std::vector<Permission> allowed;
  };
  const std::vector<Row> table = {
      {Role::kViewer, {Permission::kRead}},
      {Role::kReviewer, {Permission::kRead, Permission::kReview}},
      {Role::kOperator,
       {Permission::kRead, Permission::kReview, Permission::kDeploy, Permission::kStartRun}},
      {Role::kAdmin,
       {Permission::kRead, Permission::kReview, Permission::kDeploy, Permission::kStartRun,
        Permission::kManageTokens}},
  };
  for (const Row& row : table) {
    EXPECT_EQ(PermissionsOf(row.role), row.allowed) << RoleName(row.role);
    EXPECT_EQ(ParseRole(RoleName(row.role)), row.role);
  }
  EXPECT_FALSE(ParseRole("superuser").has_value());
}

TEST_F(TokenAuthorityTest, PasswordsAreStoredAsArgon2idHashesAndSignInIssuesASession) {
  ASSERT_TRUE(authority_->AddUser("ann", "reviewer", "correct horse").ok());
  absl::StatusOr<store::UserInfo> user = store_->FindUser("ann");
  ASSERT_TRUE(user.ok()) << user.status();
  EXPECT_THAT(user->password_hash, ::testing::StartsWith("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_THAT(user->password_hash, ::testing::Not(HasSubstr("correct horse")));

  absl::StatusOr<CreatedToken> session =
      authority_->SignIn("ann", "correct horse", absl::Hours(12));
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->role, Role::kReviewer);
  EXPECT_EQ(session->expires_at, clock_.Now() + absl::Hours(12));
  absl::StatusOr<Principal> principal = authority_->Authenticate("Bearer " + session->secret);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->name, "ann");
  EXPECT_TRUE(principal->session);

  clock_.Advance(absl::Hours(12));
  principal = authority_->Authenticate("Bearer " + session->secret);
  EXPECT_EQ(principal.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(principal.status().message(), HasSubstr("expired"));
}

TEST_F(TokenAuthorityTest, AWrongNameAWrongPasswordAndADisabledUserGetTheSameAnswer) {
  ASSERT_TRUE(authority_->AddUser("ann", "reviewer", "correct horse").ok());
  for (auto [name, password] : std::vector<std::pair<std::string, std::string>>{
           {"ann", "wrong horse"}, {"nobody", "correct horse"}}) {
    absl::StatusOr<CreatedToken> refused = authority_->SignIn(name, password, absl::Hours(1));
    EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(refused.status().message(), "wrong user name or password");
  }
  store::UserInfo disabled = *store_->FindUser("ann");
  disabled.disabled = true;
  ASSERT_TRUE(store_->PutUser(disabled).ok());
  EXPECT_EQ(authority_->SignIn("ann", "correct horse", absl::Hours(1)).status().message(),
            "wrong user name or password");
}

TEST_F(TokenAuthorityTest, AddUserRefusesBadInput) {
  EXPECT_THAT(authority_->AddUser("ann", "boss", "correct horse").message(),
              HasSubstr("unknown role"));
  EXPECT_THAT(authority_->AddUser("ann", "viewer", "short").message(),
              HasSubstr("at least 8 characters"));
  EXPECT_THAT(authority_->AddUser(" ann", "viewer", "correct horse").message(),
              HasSubstr("user name"));
}

}  // namespace
}  // namespace flowline::server
