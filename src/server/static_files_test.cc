// The web UI's files: what is served, with which type and caching, and what is refused.
#include "server/static_files.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.h"
#include "server/test_server.h"

namespace flowline::server {
namespace {

using ::testing::HasSubstr;

void Write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string Header(const StaticFile& file, const std::string& name) {
  for (const auto& [key, value] : file.headers) {
    if (key == name) return value;
  }
  return "";
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Write(ui_.File("web/index.html"), "<!doctype html><title>ui</title>");
    Write(ui_.File("web/assets/app-ABC123.js"), "console.log(1)");
    Write(ui_.File("web/assets/app-ABC123.css"), "body{}");
    Write(ui_.File("secret.txt"), "outside");
    std::filesystem::create_symlink(ui_.File("secret.txt"), ui_.File("web/leak.txt"));
    absl::StatusOr<std::unique_ptr<StaticFiles>> files = StaticFiles::Open(ui_.File("web"));
    ASSERT_TRUE(files.ok()) << files.status();
    files_ = *std::move(files);
  }

  common::TempDir ui_;
  std::unique_ptr<StaticFiles> files_;
};

TEST_F(StaticFilesTest, ServesIndexUncachedAndHashedAssetsForAYear) {
  std::optional<StaticFile> index = files_->Serve("/");
  ASSERT_TRUE(index.has_value());
  EXPECT_EQ(index->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(index->body, "<!doctype html><title>ui</title>");
  EXPECT_EQ(Header(*index, "Cache-Control"), "no-cache");
  EXPECT_THAT(Header(*index, "Content-Security-Policy"), HasSubstr("default-src 'self'"));

  std::optional<StaticFile> script = files_->Serve("/assets/app-ABC123.js");
  ASSERT_TRUE(script.has_value());
  EXPECT_EQ(script->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(script->body, "console.log(1)");
  EXPECT_EQ(Header(*script, "Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(files_->Serve("/assets/app-ABC123.css")->content_type, "text/css; charset=utf-8");
}

TEST_F(StaticFilesTest, ClientRoutesGetTheIndexButMissingFilesDoNot) {
  for (const char* route : {"/inbox", "/tasks/task_01ABC", "/runs/run_1", "/workflows/invoice",
                            "/datasets/invoice.reviewed"}) {
    std::optional<StaticFile> page = files_->Serve(route);
    ASSERT_TRUE(page.has_value()) << route;
    EXPECT_EQ(page->content_type, "text/html; charset=utf-8") << route;
    EXPECT_EQ(Header(*page, "Cache-Control"), "no-cache") << route;
  }
  EXPECT_FALSE(files_->Serve("/assets/app-OLD.js").has_value());
  EXPECT_FALSE(files_->Serve("/assets/gone").has_value());
  EXPECT_FALSE(files_->Serve("/favicon.ico").has_value());
  EXPECT_FALSE(files_->Serve("/robots.txt").has_value());
}

TEST_F(StaticFilesTest, NeverServesTheApiOrAnythingOutsideTheFolder) {
  EXPECT_FALSE(files_->Serve("/api/v1/nope").has_value());
  EXPECT_FALSE(files_->Serve("/api").has_value());
  EXPECT_FALSE(files_->Serve("/../secret.txt").has_value());
  EXPECT_FALSE(files_->Serve("/assets/../../secret.txt").has_value());
  EXPECT_FALSE(files_->Serve("/assets/..").has_value());
  EXPECT_FALSE(files_->Serve("/./index.html").has_value());
  EXPECT_FALSE(files_->Serve("//etc/passwd").has_value());
  EXPECT_FALSE(files_->Serve("/..\\secret.txt").has_value());
  EXPECT_FALSE(files_->Serve(std::string("/index.html\0.js", 15)).has_value());
  // A symlink out of the folder is not followed.
  EXPECT_FALSE(files_->Serve("/leak.txt").has_value());
  EXPECT_FALSE(files_->Serve("relative").has_value());
}

TEST_F(StaticFilesTest, OpenNeedsABuiltUi) {
  absl::StatusOr<std::unique_ptr<StaticFiles>> missing = StaticFiles::Open(ui_.File("nowhere"));
  EXPECT_TRUE(absl::IsNotFound(missing.status()));
  EXPECT_THAT(missing.status().message(), HasSubstr("./scripts/build.sh"));
  Write(ui_.File("empty/readme.txt"), "no index");
  EXPECT_TRUE(absl::IsNotFound(StaticFiles::Open(ui_.File("empty")).status()));
}

TEST(ContentTypeTest, KnowsTheUisTypes) {
  EXPECT_EQ(ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(ContentTypeFor("a.json"), "application/json");
  EXPECT_EQ(ContentTypeFor("a.bin"), "application/octet-stream");
}

// Through the server: the UI at /, the API untouched under /api/v1.
TEST(ApiServerUiTest, ServesTheUiBesideTheApi) {
  common::TempDir ui;
  Write(ui.File("index.html"), "<!doctype html><title>ui</title>");
  Write(ui.File("assets/app-X.js"), "1");
  ApiServerOptions options;
  options.ui_dir = ui.path();
  TestServer server(options);

  httplib::Client client("127.0.0.1", server.port());
  httplib::Result index = client.Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  httplib::Result route = client.Get("/runs/run_123");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->status, 200);
  EXPECT_EQ(route->body, index->body);
  httplib::Result asset = client.Get("/assets/app-X.js");
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");

  // The API is what it was: JSON errors, tokens required.
  ApiResponse unknown = server.Get("/api/v1/nope", server.Token("viewer"));
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body["error"]["code"], "not_found");
  EXPECT_EQ(server.Get("/api/v1/runs", "").status, 401);
  ApiResponse missing_asset = server.Get("/assets/app-OLD.js", "");
  EXPECT_EQ(missing_asset.status, 404);
  EXPECT_EQ(missing_asset.content_type, "application/json");
  // A traversal attempt gets the JSON 404 too, never a file.
  const std::string raw = server.RawHttp(
      "GET /assets/../../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(raw, ::testing::Not(HasSubstr("root:")));
  // Only GET serves files.
  EXPECT_EQ(server.Post("/", "{}", server.Token("admin")).status, 404);
}

TEST(ApiServerUiTest, CreateFailsForAFolderWithoutAUi) {
  common::TempDir empty;
  ApiServerOptions options;
  options.ui_dir = empty.File("nothing-here");
  TestServer probe;  // the engine and store to build a second server on
  absl::StatusOr<std::unique_ptr<ApiServer>> server =
      ApiServer::Create(options, probe.engine(), probe.store(), common::SystemClock::Get(),
                        common::SystemRandom::Get());
  EXPECT_TRUE(absl::IsNotFound(server.status())) << server.status();
}

}  // namespace
}  // namespace flowline::server
