// Secrets never leave the connectors: workflows run through every connector (sql on PostgreSQL,
// http with OAuth2 and bearer auth, file, webhook.out) with recognisable secrets — some calls
// failing against servers that echo the credentials back — and none of the secrets may appear in
// the store (runs, step outputs, decision records), the artifacts, the commands' output or the
// logs (at trace level).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <pqxx/pqxx>
#include <set>
#include <sstream>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cli/command_test_util.h"
#include "cli/commands.h"
#include "common/temp_dir.h"
#include "spdlog/spdlog.h"
#include "steps/test_http_server.h"
#include "store/postgres/testing/pg_test_db.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

constexpr char kClientSecret[] = "SECRET-oauth-client-7c1d0e";
constexpr char kBearer[] = "SECRET-bearer-token-52aa91";
constexpr char kHookSecret[] = "SECRET-hook-signing-3e77f0";
constexpr char kPgPassword[] = "SECRET-pg-password-b40c2d";
const char* const kSecrets[] = {kClientSecret, kBearer, kHookSecret, kPgPassword};

std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Every way a secret could be written down: as is, base64 (basic auth), URL-encoded.
std::vector<std::string> Forms(const std::string& secret) {
  return {secret, absl::Base64Escape(secret), absl::StrReplaceAll(secret, {{"-", "%2D"}})};
}

constexpr char kOnboard[] = R"yaml(workflow: onboard
key: ${{ input.email }}
steps:
  - id: remember
    uses: sql
    with:
      connection: accounts
      statement: "INSERT INTO signups (email) VALUES (:email) RETURNING id"
      params: { email: "${{ input.email }}" }
  - id: crm
    uses: http
    with:
      connection: crm
      method: POST
      path: /accounts
      body: { email: "${{ input.email }}" }
  - id: archive
    uses: file
    with:
      connection: exports
      path: "accounts/${{ steps.crm.output.body.id }}.json"
      json: ${{ steps.crm.output.body }}
  - id: notify
    uses: webhook.out
    with:
      connection: partner
      event: customer.onboarded
      payload: { id: "${{ steps.crm.output.body.id }}" }
  - id: check
    uses: sql
    with:
      connection: accounts
      statement: "SELECT count(*) AS n FROM signups WHERE email = :email"
      params: { email: "${{ input.email }}" }
outputs:
  account: ${{ steps.crm.output.body.id }}
  signups: ${{ steps.check.output.row_count }}
)yaml";

// One failing step per spec; each server echoes the credentials it got.
constexpr char kLeaks[] = R"yaml(workflow: leak-NAME
steps:
  - id: call
    uses: KIND
    retry: { attempts: 1 }
    with: WITH
)yaml";

class ConnectorSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& svr = server_.server();
    svr.Post("/oauth/token", [](const httplib::Request& req, httplib::Response& res) {
      std::string decoded;
      absl::Base64Unescape(req.get_header_value("Authorization").substr(6), &decoded);
      if (decoded != absl::StrCat("onboarding:", kClientSecret)) {
        res.status = 401;
        res.set_content(
            Json{{"error", "invalid_client"}, {"error_description", "bad client " + decoded}}
                .dump(),
            "application/json");
        return;
      }
      res.set_content(Json{{"access_token", "SECRET-access-token-1"},
                           {"token_type", "bearer"},
                           {"expires_in", 600}}
                          .dump(),
                      "application/json");
    });
    svr.Post("/api/accounts", [](const httplib::Request& req, httplib::Response& res) {
      if (req.get_header_value("Authorization") != "Bearer SECRET-access-token-1") {
        res.status = 401;
        return;
      }
      res.status = 201;
      res.set_content(
          Json{{"id", "acc-42"}, {"you_sent", req.get_header_value("Authorization")}}.dump(),
          "application/json");
    });
    svr.Get("/api/broken", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 404;
      res.set_content("no such thing; you sent " + req.get_header_value("Authorization"),
                      "text/plain");
    });
    svr.Post("/hooks/ok", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      hooks_.push_back(req.body);
      res.set_content("{}", "application/json");
    });
    svr.Post("/hooks/echo", [](const httplib::Request&, httplib::Response& res) {
      res.status = 400;
      res.set_content(absl::StrCat("signature mismatch, expected key ", kHookSecret), "text/plain");
    });
    server_.Start();

    absl::StatusOr<std::string> conninfo = store::postgres::testing::TestConninfo();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    const std::string schema = store::postgres::testing::NewTestSchema();
    {
      pqxx::connection connection(*conninfo);
      pqxx::work work(connection);
      work.exec("CREATE SCHEMA " + schema);
      work.exec("CREATE TABLE " + schema + ".signups (id serial PRIMARY KEY, email text)");
      work.commit();
    }
    // The test cluster trusts loopback connections; the password is sent along regardless.
    setenv(
        "FLOWLINE_TEST_ACCOUNTS_URL",
        absl::StrCat(*conninfo, " password=", kPgPassword, " options='-c search_path=", schema, "'")
            .c_str(),
        1);
    setenv("FLOWLINE_TEST_DOWN_URL",
           absl::StrCat("host=127.0.0.1 port=1 user=nobody dbname=x connect_timeout=2 password=",
                        kPgPassword)
               .c_str(),
           1);
    setenv("FLOWLINE_TEST_CLIENT_SECRET", kClientSecret, 1);
    setenv("FLOWLINE_TEST_WRONG_SECRET", kBearer, 1);
    setenv("FLOWLINE_TEST_BEARER", kBearer, 1);
    setenv("FLOWLINE_TEST_HOOK_SECRET", kHookSecret, 1);

    std::filesystem::create_directories(dir_.File("exports"));
    std::ofstream(dir_.File("connections.yaml")) << absl::StrCat(
        "connections:\n"
        "  accounts: { type: postgres, url_env: FLOWLINE_TEST_ACCOUNTS_URL }\n"
        "  down: { type: postgres, url_env: FLOWLINE_TEST_DOWN_URL }\n"
        "  crm:\n    type: http\n    base_url: ",
        server_.Url("/api"), "\n    auth: { type: oauth2, token_url: \"",
        server_.Url("/oauth/token"),
        "\", client_id: onboarding, client_secret_env: FLOWLINE_TEST_CLIENT_SECRET }\n"
        "  crm_wrong:\n    type: http\n    base_url: ",
        server_.Url("/api"), "\n    auth: { type: oauth2, token_url: \"",
        server_.Url("/oauth/token"),
        "\", client_id: onboarding, client_secret_env: FLOWLINE_TEST_WRONG_SECRET }\n"
        "  simple: { type: http, base_url: \"",
        server_.Url("/api"),
        "\", auth: { type: bearer, token_env: FLOWLINE_TEST_BEARER } }\n"
        "  exports: { type: folder, path: exports }\n"
        "  partner: { type: webhook, url: \"",
        server_.Url("/hooks/ok"),
        "\", secret_env: FLOWLINE_TEST_HOOK_SECRET }\n"
        "  careless: { type: webhook, url: \"",
        server_.Url("/hooks/echo"), "\", secret_env: FLOWLINE_TEST_HOOK_SECRET }\n");
    std::ofstream(dir_.File("onboard.yaml")) << kOnboard;
    Leak("http", "http", "{ connection: simple, path: /broken }");
    Leak("sql", "sql", "{ connection: down, statement: \"SELECT 1 AS one\" }");
    Leak("hook", "webhook.out", "{ connection: careless, payload: { a: 1 } }");
    Leak("oauth", "http", "{ connection: crm_wrong, method: POST, path: /accounts }");
  }

  void Leak(const std::string& name, const std::string& kind, const std::string& with) {
    std::ofstream(dir_.File("leak-" + name + ".yaml"))
        << absl::StrReplaceAll(kLeaks, {{"NAME", name}, {"KIND", kind}, {"WITH", with}});
  }

  CommandResult Run(std::vector<std::string> args) {
    GlobalOptions global;
    global.store_path = dir_.File("flowline.db");
    global.models_dir = dir_.File("models");
    global.reference_db = dir_.File("reference.db");
    global.connections_file = dir_.File("connections.yaml");
    global.log_level = "trace";
    spdlog::set_level(spdlog::level::trace);
    CommandResult result = RunCommands(
        [&global](CLI::App& app, int& exit_code) {
          AddRunCommand(app, global, exit_code);
          AddRunsCommand(app, global, exit_code);
          AddAuditCommand(app, global, exit_code);
        },
        std::move(args));
    spdlog::set_level(spdlog::level::warn);
    everything_ += result.out + result.err;
    return result;
  }

  steps::testing::TestHttpServer server_;
  std::mutex mu_;
  std::vector<std::string> hooks_;
  common::TempDir dir_;
  std::string everything_;  // every command's output and log lines
};

TEST_F(ConnectorSecretsTest, NoSecretReachesTheStoreRecordsOutputsOrLogs) {
  CommandResult onboard = Run({"run", dir_.File("onboard.yaml"), "-i", R"({"email": "ann@x.io"})"});
  ASSERT_EQ(onboard.exit_code, 0) << onboard.out << onboard.err;
  for (const char* leak : {"http", "sql", "hook", "oauth"}) {
    CommandResult failed =
        Run({"run", dir_.File(absl::StrCat("leak-", leak, ".yaml")), "-i", "{}"});
    EXPECT_NE(failed.exit_code, 0) << leak << ": " << failed.out << failed.err;
  }
  // Every connector did its work.
  EXPECT_TRUE(std::filesystem::exists(dir_.File("exports/accounts/acc-42.json")));
  {
    std::lock_guard<std::mutex> lock(mu_);
    EXPECT_EQ(hooks_.size(), 1u);
  }
  CommandResult list = Run({"runs", "list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const Json runs = Json::parse(list.out);
  ASSERT_EQ(runs.size(), 5u);
  std::string shown;
  for (const Json& run : runs) {
    const std::string id = run["run_id"].get<std::string>();
    CommandResult show = Run({"runs", "show", id, "--json"});
    EXPECT_EQ(show.exit_code, 0) << show.err;
    shown += show.out;
    Run({"audit", "export", "--run", id});
  }
  // The servers did echo the credentials: the failures say so, redacted.
  EXPECT_THAT(shown, HasSubstr("you sent Bearer [redacted]"));
  EXPECT_THAT(shown, HasSubstr("expected key [redacted]"));
  EXPECT_THAT(shown, HasSubstr("bad client onboarding:[redacted]"));
  EXPECT_THAT(shown, HasSubstr("cannot connect to connection down"));
  EXPECT_THAT(shown, HasSubstr("\"account\": \"acc-42\""));

  // Nothing that was written down holds a secret: the commands' output and logs, the store
  // (every file of it: database, WAL), the artifacts and the exported files.
  std::vector<std::pair<std::string, std::string>> places = {{"output and logs", everything_}};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
    if (entry.is_regular_file())
      places.emplace_back(entry.path().string(), ReadBytes(entry.path()));
  }
  ASSERT_GE(places.size(), 4u);
  for (const char* secret : kSecrets) {
    for (const std::string& form : Forms(secret)) {
      for (const auto& [place, bytes] : places) {
        EXPECT_FALSE(absl::StrContains(bytes, form)) << form << " found in " << place;
      }
    }
  }
  // The access token is a secret too.
  for (const auto& [place, bytes] : places) {
    EXPECT_FALSE(absl::StrContains(bytes, "SECRET-access-token-1")) << place;
  }
}

}  // namespace
}  // namespace flowline::cli
