#include "ai/document/read_step.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "ai/document/document.h"
#include "ai/document/test_documents.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"
#include "steps/step_test_util.h"

namespace flowline::ai {
namespace {

using steps::StepOutcome;
using steps::testing::ConfigErrorOn;
using steps::testing::MustPrepare;
using steps::testing::PrepareStep;
using ::testing::HasSubstr;
using testing::MakePageImage;
using testing::MakePdf;
using testing::PdfPageSpec;
using ::testing::UnorderedElementsAre;

class DocumentReadStepTest : public ::testing::Test {
 protected:
  DocumentReadStepTest() : artifacts_(steps::NewFileArtifactStore(dir_.File("artifacts"))) {}

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    const std::string path = dir_.File(name);
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  StepOutcome Run(const Json& params) {
    std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind_, {{"file", "${{ input.file }}"}});
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    steps::StepContext ctx;
    ctx.params = &params;
    ctx.artifacts = artifacts_.get();
    return step->Execute(ctx);
  }

  DocumentReadStep kind_;
  common::TempDir dir_;
  std::unique_ptr<steps::ArtifactStore> artifacts_;
};

TEST_F(DocumentReadStepTest, ReadsAPdfByPathAndKeepsPageImages) {
  const std::string path =
      WriteFile("invoice.pdf", MakePdf({PdfPageSpec{.text = testing::InvoiceText(1)}}));
  const StepOutcome outcome = Run({{"file", path}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.confidence, 1.0);  // a text layer is exact
  const Json& out = outcome.output;
  EXPECT_EQ(out["media_type"], "application/pdf");
  EXPECT_EQ(out["page_count"], 1);
  EXPECT_EQ(out["ocr_pages"], Json::array());
  EXPECT_THAT(out["text"].get<std::string>(), HasSubstr("Invoice no. INV-2026-1001"));
  const std::string image = out["pages"][0]["image"].get<std::string>();
  ASSERT_TRUE(steps::IsArtifactKey(image)) << image;
  auto png = artifacts_->Get(image);
  ASSERT_TRUE(png.ok()) << png.status();
  EXPECT_EQ(png->substr(1, 3), "PNG");
  // The output is the document's JSON form, which extract reads back.
  EXPECT_TRUE(Document::FromJson(out).ok());
}

TEST_F(DocumentReadStepTest, ReadsAnUploadedImageByArtifactKeyWithOcr) {
  const std::string png = MakePageImage(
      {{"RECEIPT 2231", 72, 120, 28}, {"Total 18.40", 72, 200, 28}}, testing::ImageFormat::kPng);
  auto key = artifacts_->Put(png, "png");
  ASSERT_TRUE(key.ok()) << key.status();
  const StepOutcome outcome = Run({{"file", *key}, {"keep_page_images", false}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["ocr_pages"], Json::array({1}));
  EXPECT_EQ(outcome.output["text"], "RECEIPT 2231\nTotal 18.40\n");
  EXPECT_FALSE(outcome.output["pages"][0].contains("image"));
  ASSERT_TRUE(outcome.confidence.has_value());
  EXPECT_GT(*outcome.confidence, 0.8);
  EXPECT_LE(*outcome.confidence, 1.0);
  EXPECT_EQ(outcome.confidence, outcome.output["pages"][0]["confidence"].get<double>());
}

TEST_F(DocumentReadStepTest, BadFilesFailPermanentlyNamingTheFile) {
  const std::string pdf = MakePdf({PdfPageSpec{.text = testing::InvoiceText(2)}});
  const std::string truncated = WriteFile("cut.pdf", pdf.substr(0, pdf.size() / 3));
  const std::string text = WriteFile("notes.pdf", "just some notes, not a PDF at all\n");
  const std::string encrypted = WriteFile("locked.pdf", testing::MakeEncryptedPdf("pw"));
  const std::string empty = WriteFile("empty.png", "");
  struct Case {
    std::string file;
    std::string message;
  };
  for (const Case& c :
       {Case{truncated, "cut.pdf: the PDF is damaged"},
        Case{text, "notes.pdf: unsupported file type: plain text"},
        Case{encrypted, "locked.pdf: the PDF is encrypted with a password"},
        Case{empty, "empty.png: the file is empty"}, Case{dir_.File("missing.pdf"), "cannot open"},
        Case{"sha256:" + std::string(64, 'a') + ".pdf", "sha256:aaaa"}}) {
    const StepOutcome outcome = Run({{"file", c.file}});
    ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed) << c.file;
    EXPECT_EQ(outcome.error_class, steps::ErrorClass::kPermanent) << c.file;
    EXPECT_THAT(outcome.error, HasSubstr("document.read: ")) << c.file;
    EXPECT_THAT(outcome.error, HasSubstr(c.message)) << c.file;
  }
}

TEST_F(DocumentReadStepTest, ArtifactKeyWithoutAStoreFails) {
  std::unique_ptr<steps::PreparedStep> step = MustPrepare(kind_, {{"file", "x.pdf"}});
  ASSERT_NE(step, nullptr);
  const Json params = {{"file", "sha256:" + std::string(64, 'b') + ".pdf"}};
  steps::StepContext ctx;
  ctx.params = &params;
  const StepOutcome outcome = step->Execute(ctx);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("no artifact store"));
}

TEST_F(DocumentReadStepTest, EvaluatedParametersAreCheckedAtExecute) {
  const StepOutcome outcome = Run({{"file", "a.pdf"}, {"ocr", "sometimes"}});
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_THAT(outcome.error, HasSubstr("ocr: unknown ocr mode \"sometimes\""));
}

TEST(DocumentReadStepPrepareTest, ReportsBadParameters) {
  DocumentReadStep kind;
  EXPECT_EQ(kind.Info().name, "document.read");
  EXPECT_THAT(kind.Info().actors, ::testing::ElementsAre(steps::Actor::kAi));
  EXPECT_THAT(PrepareStep(kind, Json::object()).errors,
              UnorderedElementsAre(ConfigErrorOn("file", "")));
  EXPECT_THAT(
      PrepareStep(kind, {{"file", "a.pdf"},
                         {"ocr", "maybe"},
                         {"dpi", 20},
                         {"languages", "eng deu"},
                         {"keep_page_images", "yes"},
                         {"colour", true}})
          .errors,
      UnorderedElementsAre(ConfigErrorOn("ocr", "unknown ocr mode \"maybe\""),
                           ConfigErrorOn("dpi", "dpi 20 is out of range"),
                           ConfigErrorOn("languages", "not a Tesseract language list"),
                           ConfigErrorOn("keep_page_images", ""), ConfigErrorOn("colour", "")));
  // Values known only at run time are accepted at Prepare.
  EXPECT_NE(MustPrepare(kind, {{"file", "${{ input.file }}"},
                               {"ocr", "${{ input.ocr }}"},
                               {"dpi", "${{ input.dpi }}"}}),
            nullptr);
}

}  // namespace
}  // namespace flowline::ai
