// Releases over HTTP: deploying into a stage, the stages in the workflow views, the shadow's
// comparison with live (docs/releases.md).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "server/test_server.h"
#include "server/test_specs.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

std::string ShoutingGreet() {
  std::string spec = kGreetSpec;
  const std::string from = "description: Says hello.";
  spec.replace(spec.find(from), from.size(), "description: Says hello, louder.");
  const std::string hello = "\"hello \"";
  spec.replace(spec.find(hello), hello.size(), "\"HELLO \"");
  return spec;
}

TEST(ApiReleaseTest, DeploysIntoAStageAndReportsTheShadowAgainstLive) {
  TestServer server;
  server.Deploy(kGreetSpec);
  const std::string live = server.store().GetWorkflow("greet")->live_version;
  ApiResponse draft = server.Post("/api/v1/workflows?stage=shadow", ShoutingGreet(),
                                  server.Token("operator"), "application/yaml");
  ASSERT_EQ(draft.status, 201) << draft.body.dump(2);
  EXPECT_EQ(draft.body["stage"], "shadow");
  const std::string shadow = draft.body["version"];
  EXPECT_EQ(server
                .Post("/api/v1/workflows?stage=retired", kGreetSpec, server.Token("operator"),
                      "application/yaml")
                .status,
            400);

  ApiResponse workflow = server.Get("/api/v1/workflows/greet", server.Token("viewer"));
  ASSERT_EQ(workflow.status, 200);
  EXPECT_EQ(workflow.body["live_version"], live);
  EXPECT_EQ(workflow.body["shadow_version"], shadow);
  EXPECT_TRUE(workflow.body["canary_version"].is_null());
  std::map<std::string, std::string> stages;
  for (const Json& v : workflow.body["versions"]) stages[v["version"]] = v["stage"];
  EXPECT_EQ(stages[live], "live");
  EXPECT_EQ(stages[shadow], "shadow");

  ApiResponse started =
      server.Post("/api/v1/workflows/greet/runs?wait=10s",
                  Json{{"id", "g1"}, {"name", "Ada"}}.dump(), server.Token("operator"));
  ASSERT_TRUE(started.status == 200 || started.status == 201) << started.body.dump(2);
  ApiResponse runs = server.Get("/api/v1/runs?workflow=greet", server.Token("viewer"));
  ASSERT_EQ(runs.status, 200);
  std::string shadow_run;
  for (const Json& run : runs.body["runs"]) {
    if (run["mode"] == "shadow") {
      shadow_run = run["run_id"];
      EXPECT_EQ(run["live_run_id"], started.body["run_id"]);
    }
  }
  ASSERT_FALSE(shadow_run.empty());
  ASSERT_TRUE(server.engine().WaitForRun(shadow_run, absl::Seconds(10)).ok());

  ApiResponse report = server.Get("/api/v1/workflows/greet/shadow", server.Token("viewer"));
  ASSERT_EQ(report.status, 200) << report.body.dump(2);
  EXPECT_EQ(report.body["shadow_version"], shadow);
  EXPECT_EQ(report.body["pairs"], 1);
  EXPECT_EQ(report.body["agreeing"], 0);
  ASSERT_EQ(report.body["disagreements"].size(), 1u);
  const Json& fields = report.body["disagreements"][0]["fields"];
  ASSERT_EQ(fields.size(), 1u) << fields.dump();
  EXPECT_EQ(fields[0]["field"], "outputs.greeting");
  EXPECT_EQ(fields[0]["live"], "hello Ada");
  EXPECT_EQ(fields[0]["shadow"], "HELLO Ada");

  EXPECT_EQ(server.Get("/api/v1/workflows/nope/shadow", server.Token("viewer")).status, 404);
  ApiResponse unknown =
      server.Get("/api/v1/workflows/greet/shadow?version=ffff", server.Token("viewer"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_THAT(unknown.body.dump(), HasSubstr("ffff"));
}

}  // namespace
}  // namespace flowline::server
