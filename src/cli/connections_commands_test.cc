// The CLI's wiring of connections.yaml: a broken file stops every command that opens the store;
// specs name connections, and validate/deploy report a wrong name at the spec's place.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "cli/app.h"
#include "common/temp_dir.h"
#include "engine/spec.h"

namespace flowline::cli {
namespace {

using ::testing::HasSubstr;

std::string Write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
  return path;
}

GlobalOptions Options(const common::TempDir& dir, const std::string& connections) {
  GlobalOptions global;
  global.store_path = dir.File("flowline.db");
  global.connections_file = connections;
  return global;
}

TEST(ConnectionsCommandsTest, ABrokenFileStopsOpeningTheStore) {
  common::TempDir dir;
  const std::string file = Write(dir.File("connections.yaml"),
                                 "connections:\n  ledger: { type: sqlite }\n"
                                 "  crm: { type: htp, base_url: \"http://h\" }\n");
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(Options(dir, file));
  ASSERT_FALSE(app.ok());
  EXPECT_EQ(app.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(app.status().message(),
              HasSubstr(file + ":2:11: error: connection ledger (type sqlite) needs path"));
  EXPECT_THAT(app.status().message(), HasSubstr(file + ":3:16: error: connection crm needs type"));

  absl::StatusOr<std::unique_ptr<App>> missing = App::Open(Options(dir, dir.File("nope.yaml")));
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("nope.yaml"));
}

TEST(ConnectionsCommandsTest, TheAppHoldsTheConnections) {
  common::TempDir dir;
  const std::string file =
      Write(dir.File("connections.yaml"), "connections:\n  ledger: { type: sqlite, path: l.db }\n");
  absl::StatusOr<std::unique_ptr<App>> app = App::Open(Options(dir, file));
  ASSERT_TRUE(app.ok()) << app.status();
  absl::StatusOr<const steps::Connection*> ledger = (*app)->connections()->Get("ledger", "sqlite");
  ASSERT_TRUE(ledger.ok()) << ledger.status();
  EXPECT_EQ((*ledger)->Path("path"), dir.File("l.db"));
  EXPECT_EQ(ConnectionsPath(Options(dir, "")), "");  // none in the test's working directory
}

TEST(ConnectionsCommandsTest, ASpecNamingAnUnknownConnectionFailsAtItsPlace) {
  common::TempDir dir;
  GlobalOptions global = Options(
      dir,
      Write(dir.File("connections.yaml"), "connections:\n  books: { type: sqlite, path: b.db }\n"));
  steps::StepKindRegistry registry;
  RegisterStepKinds(registry, global);
  const std::string spec = R"yaml(workflow: post
steps:
  - id: post
    uses: sql
    with:
      connection: ledger
      statement: "INSERT INTO t (a) VALUES (:a)"
      params: { a: 1 }
)yaml";
  std::vector<engine::Diagnostic> diagnostics;
  absl::StatusOr<engine::WorkflowSpec> parsed =
      engine::ParseSpec(spec, "post.yaml", registry, &diagnostics);
  ASSERT_FALSE(parsed.ok());
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].file, "post.yaml");
  EXPECT_EQ(diagnostics[0].line, 6);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("no connection named ledger in "));
  EXPECT_THAT(diagnostics[0].message, HasSubstr("(known: books)"));

  // A broken connections file reaches the step that names a connection.
  Write(global.connections_file, "connections:\n  books: { type: sqlite, pth: b.db }\n");
  steps::StepKindRegistry broken;
  RegisterStepKinds(broken, global);
  diagnostics.clear();
  ASSERT_FALSE(engine::ParseSpec(spec, "post.yaml", broken, &diagnostics).ok());
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_THAT(diagnostics[0].message, HasSubstr("unknown key 'pth'"));
}

}  // namespace
}  // namespace flowline::cli
