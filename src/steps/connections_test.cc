#include "steps/connections.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::steps {
namespace {

using ::testing::HasSubstr;

constexpr char kFile[] = R"(connections:
  crm:
    type: http
    base_url: http://127.0.0.1:8089/api
    timeout: 10s
    headers: { X-Tenant: acme }
    auth:
      type: oauth2
      token_url: http://127.0.0.1:8089/oauth/token
      client_id_env: CRM_CLIENT_ID
      client_secret_env: CRM_CLIENT_SECRET
      scope: accounts.write
  accounts_db: { type: postgres, url_env: ACCOUNTS_DB_URL }
  ledger:      { type: sqlite, path: ledger.db }
  exports:     { type: folder, path: /srv/exports }
  partner:     { type: webhook, url: "https://partner.example/hooks", secret_file: hook.secret }
  mail_out:    { type: smtp, url: "smtp://127.0.0.1:2525", username_env: SMTP_USER,
                 password_env: SMTP_PASSWORD, from: "Acme <welcome@acme.example>", tls: none }
  mailbox:     { type: imap, url: "imap://127.0.0.1:1143", username: robot,
                 password_file: /run/secrets/imap, tls: starttls }
  events:      { type: amqp, url_env: AMQP_URL }
)";

TEST(ConnectionsTest, ParsesEveryType) {
  absl::StatusOr<Connections> connections = Connections::Parse(kFile, "/etc/flowline/conn.yaml");
  ASSERT_TRUE(connections.ok()) << connections.status();
  EXPECT_EQ(connections->all().size(), 8u);
  absl::StatusOr<const Connection*> crm = connections->Get("crm", "http");
  ASSERT_TRUE(crm.ok()) << crm.status();
  EXPECT_EQ((*crm)->type, "http");
  EXPECT_EQ((*crm)->where, "/etc/flowline/conn.yaml:2:3");
  EXPECT_EQ((*crm)->base_dir, "/etc/flowline");
  EXPECT_EQ((*crm)->settings["auth"]["client_id_env"], "CRM_CLIENT_ID");
  EXPECT_EQ((*crm)->settings["headers"]["X-Tenant"], "acme");
  absl::StatusOr<const Connection*> ledger = connections->GetAny("ledger", {"postgres", "sqlite"});
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_EQ((*ledger)->Path("path"), "/etc/flowline/ledger.db");
  EXPECT_EQ((*connections->Get("exports", "folder"))->Path("path"), "/srv/exports");
}

TEST(ConnectionsTest, EmptyOrAbsentFileHasNoConnections) {
  EXPECT_TRUE(Connections::Parse("", "c.yaml")->all().empty());
  EXPECT_TRUE(Connections::Parse("connections:\n", "c.yaml")->all().empty());
  EXPECT_TRUE(Connections::Load("")->all().empty());
  absl::StatusOr<Connections> missing = Connections::Load("/nonexistent/connections.yaml");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("/nonexistent/connections.yaml"));
}

TEST(ConnectionsTest, GetExplainsUnknownNamesAndWrongTypes) {
  absl::StatusOr<Connections> connections = Connections::Parse(kFile, "conn.yaml");
  ASSERT_TRUE(connections.ok());
  absl::StatusOr<const Connection*> unknown = connections->Get("crn", "http");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(unknown.status().message(), HasSubstr("no connection named crn in conn.yaml"));
  EXPECT_THAT(unknown.status().message(), HasSubstr("known: accounts_db, crm, events"));
  absl::StatusOr<const Connection*> wrong = connections->Get("accounts_db", "smtp");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(wrong.status().message(),
            "connection accounts_db (conn.yaml:13:3) is of type postgres, not smtp");
  absl::StatusOr<const Connection*> none = Connections().Get("crm", "http");
  EXPECT_THAT(none.status().message(), HasSubstr("there is no connections file"));
}

TEST(ConnectionsTest, ReportsEveryProblemWithItsPlace) {
  const char* kBad = R"(connections:
  Crm: { type: http, base_url: "ftp://x" }
  db: { type: postgres }
  api:
    type: http
    base_url: http://127.0.0.1/api
    auth: { type: bearer, token: abc123 }
  hook: { type: webhook, url: "http://u:p@example.com/h", secret_env: "not a var" }
  q: { type: kafka }
  f: { type: folder, path: out, colour: red }
  m: { type: smtp, url: "smtp://h", tls: maybe, password_env: A, password_file: b }
  t: { type: http, base_url: "http://h", timeout: soon, headers: { Authorization: x } }
)";
  absl::StatusOr<Connections> connections = Connections::Parse(kBad, "c.yaml");
  ASSERT_FALSE(connections.ok());
  EXPECT_EQ(connections.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string message(connections.status().message());
  EXPECT_THAT(message, HasSubstr("c.yaml:2:3: error: connection name \"Crm\" must be"));
  EXPECT_THAT(message, HasSubstr("c.yaml:2:32: error: base_url must be a http/https URL"));
  EXPECT_THAT(message, HasSubstr("c.yaml:3:7: error: connection db (type postgres) needs url"));
  EXPECT_THAT(message,
              HasSubstr("c.yaml:7:27: error: token is a secret and is never written in the "
                        "connections file; write token_env: VARIABLE or token_file: PATH"));
  EXPECT_THAT(message, HasSubstr("c.yaml:8:31: error: url must not hold credentials"));
  EXPECT_THAT(message, HasSubstr("c.yaml:8:71: error: secret_env must name an environment"));
  EXPECT_THAT(message, HasSubstr("c.yaml:9:14: error: connection q needs type: one of http"));
  EXPECT_THAT(message, HasSubstr("c.yaml:10:33: error: unknown key 'colour' in connection f"));
  EXPECT_THAT(message, HasSubstr("tls must be one of starttls, required, none"));
  EXPECT_THAT(message, HasSubstr("gives password more than once"));
  EXPECT_THAT(message, HasSubstr("timeout must be a duration above zero"));
  EXPECT_THAT(message, HasSubstr("Authorization is set by flowline"));
  // The value written where a secret must not be is not repeated back.
  EXPECT_THAT(message, ::testing::Not(HasSubstr("abc123")));
}

TEST(ConnectionsTest, SyntaxErrorsHaveTheirPlace) {
  absl::StatusOr<Connections> connections =
      Connections::Parse("connections:\n  crm: { type: http\n", "c.yaml");
  ASSERT_FALSE(connections.ok());
  EXPECT_THAT(connections.status().message(), HasSubstr("c.yaml:"));
}

TEST(ConnectionsTest, UnusableConnectionsReportTheirError) {
  Connections broken = Connections::Unusable(absl::InvalidArgumentError("c.yaml:3:1: error: x"));
  EXPECT_EQ(broken.Get("crm", "http").status().message(), "c.yaml:3:1: error: x");
}

TEST(SecretsTest, ReadsFromEnvironmentFileOrAsWritten) {
  common::TempDir dir;
  {
    std::ofstream(dir.path() + "/token") << "file-secret-42\n";
    std::ofstream(dir.path() + "/empty") << "\n";
  }
  setenv("FLOWLINE_TEST_SECRET_A", "env-secret-17", 1);
  unsetenv("FLOWLINE_TEST_SECRET_UNSET");
  Json block = {{"token_env", "FLOWLINE_TEST_SECRET_A"},
                {"password_file", "token"},
                {"empty_file", "empty"},
                {"missing_file", "nope"},
                {"unset_env", "FLOWLINE_TEST_SECRET_UNSET"},
                {"username", "robot"}};
  EXPECT_EQ(*ResolveSecret(block, "token", "connection crm", dir.path()), "env-secret-17");
  EXPECT_EQ(*ResolveSecret(block, "password", "connection crm", dir.path()), "file-secret-42");
  EXPECT_EQ(*ResolveSecret(block, "username", "connection crm", dir.path()), "robot");

  absl::StatusOr<std::string> unset = ResolveSecret(block, "unset", "connection crm");
  EXPECT_EQ(unset.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(unset.status().message(),
              HasSubstr("environment variable FLOWLINE_TEST_SECRET_UNSET (unset_env of "
                        "connection crm) is not set or is empty"));
  absl::StatusOr<std::string> missing = ResolveSecret(block, "missing", "c", dir.path());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir.path() + "/nope"));
  EXPECT_THAT(ResolveSecret(block, "empty", "c", dir.path()).status().message(),
              HasSubstr("is empty"));
  EXPECT_EQ(ResolveSecret(block, "other", "c").status().code(), absl::StatusCode::kNotFound);
  unsetenv("FLOWLINE_TEST_SECRET_A");
}

TEST(SecretsTest, ConnectionSecretsResolveAgainstTheFilesFolder) {
  common::TempDir dir;
  { std::ofstream(dir.path() + "/hook.secret") << "whsec-99"; }
  const std::string path = dir.path() + "/connections.yaml";
  {
    std::ofstream(path) << "connections:\n  partner: { type: webhook, url: \"http://h/x\", "
                           "secret_file: hook.secret }\n";
  }
  absl::StatusOr<Connections> connections = Connections::Load(path);
  ASSERT_TRUE(connections.ok()) << connections.status();
  absl::StatusOr<const Connection*> partner = connections->Get("partner", "webhook");
  ASSERT_TRUE(partner.ok());
  EXPECT_EQ(*(*partner)->Secret("secret"), "whsec-99");
  // The settings hold the file's name, never the secret.
  EXPECT_EQ((*partner)->settings.dump().find("whsec-99"), std::string::npos);
}

TEST(SecretsTest, RedactsLongestFirst) {
  EXPECT_EQ(Redact("token abc and abcdef and ABC", {"abc", "abcdef", ""}),
            "token [redacted] and [redacted] and ABC");
  EXPECT_EQ(Redact("nothing here", {}), "nothing here");
}

}  // namespace
}  // namespace flowline::steps
