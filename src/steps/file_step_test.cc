#include "steps/file_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ids.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"
#include "steps/step_test_util.h"

namespace flowline::steps {
namespace {

using testing::ConfigErrorOn;
using ::testing::HasSubstr;
using testing::MustPrepare;
using testing::PrepareStep;

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class FileStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.File("exports");
    std::filesystem::create_directories(root_);
    std::filesystem::create_directories(dir_.File("outside"));
    absl::StatusOr<Connections> connections = Connections::Parse(
        "connections:\n  exports: { type: folder, path: exports }\n"
        "  crm: { type: http, base_url: \"http://127.0.0.1/\" }\n",
        dir_.File("connections.yaml"));
    ASSERT_TRUE(connections.ok()) << connections.status();
    kind_ =
        std::make_unique<FileStep>(std::make_shared<const Connections>(*std::move(connections)));
    artifacts_ = NewFileArtifactStore(dir_.File("artifacts"));
  }

  // `with` as evaluated; with `deferred_path`, the version's spec wrote the path as an expression
  // (so only the attempt can check it).
  StepOutcome Run(Json with, bool suppress = false, bool deferred_path = false) {
    with["connection"] = "exports";
    Json written = with;
    if (deferred_path) written["path"] = "${{ input.path }}";
    std::unique_ptr<PreparedStep> step = MustPrepare(*kind_, written);
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    params_ = with;
    StepContext ctx;
    ctx.idempotency_key = "run_1/export";
    ctx.params = &params_;
    ctx.artifacts = artifacts_.get();
    ctx.suppress_side_effects = suppress;
    return step->Execute(ctx);
  }

  // Everything under the test's folder except the root's own files.
  std::vector<std::string> Files() {
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
      if (entry.is_regular_file()) {
        files.push_back(std::filesystem::relative(entry.path(), dir_.path()).string());
      }
    }
    std::sort(files.begin(), files.end());
    return files;
  }

  common::TempDir dir_;
  std::string root_;
  std::unique_ptr<FileStep> kind_;
  std::unique_ptr<ArtifactStore> artifacts_;
  Json params_;
};

TEST_F(FileStepTest, WritesJsonIntoNewFolders) {
  StepOutcome outcome =
      Run(Json{{"path", "invoices/2024/INV-1.json"}, {"json", {{"total", 119.5}, {"ok", true}}}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const std::string written = ReadAll(root_ + "/invoices/2024/INV-1.json");
  EXPECT_EQ(Json::parse(written), (Json{{"total", 119.5}, {"ok", true}}));
  EXPECT_EQ(outcome.output["path"], "invoices/2024/INV-1.json");
  EXPECT_EQ(outcome.output["bytes"], written.size());
  EXPECT_EQ(outcome.output["sha256"], common::Sha256Hex(written));
  // No temporary file is left behind.
  EXPECT_EQ(Files(), std::vector<std::string>{"exports/invoices/2024/INV-1.json"});
}

TEST_F(FileStepTest, WritesCsvWithQuotingAndColumns) {
  Json rows = {{{"name", "Acme, Inc."}, {"total", 10}},
               {{"name", "Say \"hi\""}, {"total", nullptr}, {"note", "x"}}};
  ASSERT_EQ(Run(Json{{"path", "a.csv"}, {"csv", rows}}).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(ReadAll(root_ + "/a.csv"),
            "name,total,note\r\n\"Acme, Inc.\",10,\r\n\"Say \"\"hi\"\"\",,x\r\n");
  ASSERT_EQ(Run(Json{{"path", "b.csv"}, {"csv", rows}, {"columns", {"total", "name"}}}).kind,
            StepOutcome::Kind::kCompleted);
  EXPECT_EQ(ReadAll(root_ + "/b.csv"),
            "total,name\r\n10,\"Acme, Inc.\"\r\n,\"Say \"\"hi\"\"\"\r\n");
}

TEST_F(FileStepTest, WritesTheOriginalDocument) {
  const std::string pdf = std::string("%PDF-1.4\n\0\x01\x02 binary", 20);
  absl::StatusOr<std::string> key = artifacts_->Put(pdf, "pdf");
  ASSERT_TRUE(key.ok());
  StepOutcome outcome = Run(Json{{"path", "docs/id.pdf"}, {"document", *key}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(ReadAll(root_ + "/docs/id.pdf"), pdf);
  StepOutcome missing =
      Run(Json{{"path", "docs/x.pdf"}, {"document", "sha256:" + std::string(64, 'a') + ".pdf"}});
  ASSERT_EQ(missing.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(missing.error, HasSubstr("cannot read the document"));
}

TEST_F(FileStepTest, PathsCannotLeaveTheFolder) {
  for (const char* path : {"../outside/x.json", "/etc/passwd", "a/../../x", "a//b", "dir/"}) {
    StepOutcome outcome = Run(Json{{"path", path}, {"json", 1}}, false, /*deferred_path=*/true);
    ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed) << path;
    EXPECT_EQ(outcome.error_class, ErrorClass::kPermanent);
    EXPECT_THAT(outcome.error, HasSubstr("the path")) << path;
  }
  // A literal path is checked when the version is prepared.
  EXPECT_THAT(
      PrepareStep(*kind_, Json{{"connection", "exports"}, {"path", "../x"}, {"json", 1}}).errors,
      ::testing::ElementsAre(ConfigErrorOn("path", "leaves the folder")));
  // A link below the root, to a folder or a file outside, is not followed.
  std::filesystem::create_directory_symlink(dir_.File("outside"), root_ + "/link");
  StepOutcome via_dir = Run(Json{{"path", "link/x.json"}, {"json", 1}});
  ASSERT_EQ(via_dir.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(via_dir.error, HasSubstr("symbolic link"));
  std::ofstream(dir_.File("outside/target.json")) << "keep";
  std::filesystem::create_symlink(dir_.File("outside/target.json"), root_ + "/file.json");
  StepOutcome via_file = Run(Json{{"path", "file.json"}, {"json", 1}});
  ASSERT_EQ(via_file.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(via_file.error, HasSubstr("symbolic link"));
  EXPECT_EQ(ReadAll(dir_.File("outside/target.json")), "keep");
  EXPECT_FALSE(std::filesystem::exists(dir_.File("outside/x.json")));
}

TEST_F(FileStepTest, OverwriteFalseAcceptsARetryButNotOtherContent) {
  ASSERT_EQ(Run(Json{{"path", "a.json"}, {"json", 1}, {"overwrite", false}}).kind,
            StepOutcome::Kind::kCompleted);
  EXPECT_EQ(Run(Json{{"path", "a.json"}, {"json", 1}, {"overwrite", false}}).kind,
            StepOutcome::Kind::kCompleted);
  StepOutcome other = Run(Json{{"path", "a.json"}, {"json", 2}, {"overwrite", false}});
  ASSERT_EQ(other.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(other.error, HasSubstr("exists with other content"));
  ASSERT_EQ(Run(Json{{"path", "a.json"}, {"json", 2}}).kind, StepOutcome::Kind::kCompleted);
  EXPECT_EQ(ReadAll(root_ + "/a.json"), "2\n");
}

TEST_F(FileStepTest, SuppressedRunsWriteNothing) {
  StepOutcome outcome = Run(Json{{"path", "a.json"}, {"json", {1, 2}}}, /*suppress=*/true);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["suppressed"], true);
  EXPECT_EQ(outcome.output["request"]["path"], "a.json");
  EXPECT_TRUE(Files().empty());
}

TEST_F(FileStepTest, PrepareChecksConnectionAndContent) {
  EXPECT_THAT(PrepareStep(*kind_, Json{{"connection", "crm"}, {"path", "a"}, {"json", 1}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("connection", "is of type http, not folder")));
  EXPECT_THAT(PrepareStep(*kind_, Json{{"connection", "exports"}, {"path", "a"}}).errors,
              ::testing::ElementsAre(ConfigErrorOn("", "exactly one of json, csv and document")));
  EXPECT_THAT(
      PrepareStep(
          *kind_,
          Json{{"connection", "exports"}, {"path", "a"}, {"json", 1}, {"csv", Json::array()}})
          .errors,
      ::testing::ElementsAre(ConfigErrorOn("", "exactly one of json, csv and document")));
}

}  // namespace
}  // namespace flowline::steps
