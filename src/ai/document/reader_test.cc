#include "ai/document/reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ai/document/ocr.h"
#include "ai/document/test_documents.h"
#include "common/ids.h"
#include "common/temp_dir.h"
#include "steps/artifacts.h"

namespace flowline::ai {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ImageFormat;
using testing::MakePageImage;
using testing::MakePdf;
using testing::PdfPageSpec;
using testing::TextItem;

std::vector<std::string> LineTexts(const Page& page) {
  std::vector<std::string> texts;
  for (const Line& line : page.lines) texts.push_back(line.Text());
  return texts;
}

const Word* FindWord(const Page& page, const std::string& text) {
  for (const Line& line : page.lines) {
    for (const Word& word : line.words) {
      if (word.text == text) return &word;
    }
  }
  return nullptr;
}

ReadOptions NoImages() {
  ReadOptions options;
  options.keep_page_images = false;
  return options;
}

absl::StatusOr<Document> Read(const std::string& bytes, const ReadOptions& options = NoImages()) {
  return ReadDocument(bytes, "test-file", options, nullptr);
}

// Large, clear text for the OCR path.
const std::vector<TextItem> kScanText = {{"INVOICE 4711", 72, 120, 28},
                                         {"Total due 1234.50", 72, 220, 28}};

TEST(ReadDocumentTest, TextLayerPdfGivesWordsBoxesAndReadingOrder) {
  // Drawn out of reading order: the reader orders by position, not by drawing order.
  const std::string pdf = MakePdf({PdfPageSpec{.text = {{"Total 99.50", 72, 300, 12},
                                                        {"Date 2026-03-14", 400, 100, 12},
                                                        {"Invoice no. 123", 72, 100, 20}}}});
  auto document = Read(pdf);
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(document->sha256, common::Sha256Hex(pdf));
  EXPECT_EQ(document->media_type, "application/pdf");
  ASSERT_EQ(document->pages.size(), 1u);
  const Page& page = document->pages[0];
  EXPECT_FALSE(page.ocr);
  EXPECT_FALSE(page.confidence.has_value());
  EXPECT_NEAR(page.width, 595.28, 0.01);
  EXPECT_NEAR(page.height, 841.89, 0.01);
  // The label and the date far to its right are separate lines of one row.
  EXPECT_THAT(LineTexts(page), ElementsAre("Invoice no. 123", "Date 2026-03-14", "Total 99.50"));
  EXPECT_EQ(document->Text(), "Invoice no. 123\nDate 2026-03-14\nTotal 99.50\n");

  const Word* word = FindWord(page, "Invoice");
  ASSERT_NE(word, nullptr);
  EXPECT_FALSE(word->confidence.has_value());
  EXPECT_NEAR(word->box.x0, 72 / 595.28, 0.005);
  EXPECT_NEAR(word->box.y1, 100 / 841.89, 0.01);  // the baseline, give or take the descent
  EXPECT_NEAR(word->box.y0, 80 / 841.89, 0.01);   // 20 pt text
  EXPECT_GT(word->box.x1, word->box.x0);
  const Word* date = FindWord(page, "2026-03-14");
  ASSERT_NE(date, nullptr);
  EXPECT_GT(date->box.x0, 400 / 595.28);
  EXPECT_LT(date->box.x1, 1.0);
}

TEST(ReadDocumentTest, ImageOnlyPageOfAPdfIsOcrd) {
  const std::string pdf =
      MakePdf({PdfPageSpec{.text = {{"Delivery note for order 5521 shipped today", 72, 100, 12}}},
               PdfPageSpec{.text = kScanText, .scanned = true}});
  auto document = Read(pdf);
  ASSERT_TRUE(document.ok()) << document.status();
  ASSERT_EQ(document->pages.size(), 2u);
  EXPECT_EQ(document->ToJson()["ocr_pages"], Json::array({2}));
  EXPECT_FALSE(document->pages[0].ocr);
  const Page& scanned = document->pages[1];
  EXPECT_TRUE(scanned.ocr);
  EXPECT_THAT(LineTexts(scanned), ElementsAre("INVOICE 4711", "Total due 1234.50"));
  ASSERT_TRUE(scanned.confidence.has_value());
  EXPECT_GT(*scanned.confidence, 0.8);
  const Word* total = FindWord(scanned, "1234.50");
  ASSERT_NE(total, nullptr);
  ASSERT_TRUE(total->confidence.has_value());
  EXPECT_GT(*total->confidence, 0.5);
  EXPECT_LE(*total->confidence, 1.0);
  // Boxes are fractions of the page, as for text layers: the line sits at y 220 pt of 842.
  EXPECT_NEAR(total->box.y1, 220 / 841.89, 0.015);
  EXPECT_THAT(document->Text(), HasSubstr("shipped today\n\fINVOICE 4711\nTotal due 1234.50\n"));
}

TEST(ReadDocumentTest, OcrModesOverrideTheTextLayerChoice) {
  const std::string pdf =
      MakePdf({PdfPageSpec{.text = kScanText}, PdfPageSpec{.text = kScanText, .scanned = true}});
  ReadOptions always = NoImages();
  always.ocr = OcrMode::kAlways;
  auto ocrd = Read(pdf, always);
  ASSERT_TRUE(ocrd.ok()) << ocrd.status();
  EXPECT_EQ(ocrd->ToJson()["ocr_pages"], Json::array({1, 2}));
  EXPECT_THAT(LineTexts(ocrd->pages[0]), ElementsAre("INVOICE 4711", "Total due 1234.50"));

  ReadOptions never = NoImages();
  never.ocr = OcrMode::kNever;
  auto text_only = Read(pdf, never);
  ASSERT_TRUE(text_only.ok()) << text_only.status();
  EXPECT_EQ(text_only->ToJson()["ocr_pages"], Json::array());
  EXPECT_THAT(LineTexts(text_only->pages[0]), ElementsAre("INVOICE 4711", "Total due 1234.50"));
  EXPECT_TRUE(text_only->pages[1].lines.empty());
}

TEST(ReadDocumentTest, PngIsOcrdAtTheAssumedResolution) {
  const std::string png = MakePageImage(kScanText, ImageFormat::kPng, 300);
  auto document = Read(png);
  ASSERT_TRUE(document.ok()) << document.status();
  EXPECT_EQ(document->media_type, "image/png");
  EXPECT_EQ(document->sha256, common::Sha256Hex(png));
  ASSERT_EQ(document->pages.size(), 1u);
  const Page& page = document->pages[0];
  EXPECT_TRUE(page.ocr);
  // A PNG from cairo records no resolution: 300 dpi is assumed, so A4 pixels give A4 points.
  EXPECT_NEAR(page.width, 595.28, 0.5);
  EXPECT_THAT(LineTexts(page), ElementsAre("INVOICE 4711", "Total due 1234.50"));
  for (const Line& line : page.lines) {
    for (const Word& word : line.words) {
      ASSERT_TRUE(word.confidence.has_value()) << word.text;
      EXPECT_GT(*word.confidence, 0.5) << word.text;
    }
  }
  const Word* invoice = FindWord(page, "INVOICE");
  ASSERT_NE(invoice, nullptr);
  EXPECT_NEAR(invoice->box.x0, 72 / 595.28, 0.01);
}

TEST(ReadDocumentTest, TiffAndJpegAreOcrdWithTheirRecordedResolution) {
  for (ImageFormat format : {ImageFormat::kTiff, ImageFormat::kJpeg}) {
    const std::string image = MakePageImage(kScanText, format, 200);
    auto document = Read(image);
    ASSERT_TRUE(document.ok()) << document.status();
    EXPECT_EQ(document->media_type, format == ImageFormat::kTiff ? "image/tiff" : "image/jpeg");
    ASSERT_EQ(document->pages.size(), 1u);
    EXPECT_NEAR(document->pages[0].width, 595.28, 0.5);  // 200 dpi recorded in the file
    EXPECT_THAT(LineTexts(document->pages[0]), ElementsAre("INVOICE 4711", "Total due 1234.50"));
  }
}

TEST(ReadDocumentTest, PageImagesAreKeptAsArtifacts) {
  common::TempDir dir;
  std::unique_ptr<steps::ArtifactStore> artifacts = steps::NewFileArtifactStore(dir.path());
  const std::string pdf =
      MakePdf({PdfPageSpec{.text = {{"Delivery note for order 5521 shipped today", 72, 100, 12}}},
               PdfPageSpec{.text = kScanText, .scanned = true}});
  auto document = ReadDocument(pdf, "test.pdf", ReadOptions(), artifacts.get());
  ASSERT_TRUE(document.ok()) << document.status();
  for (const Page& page : document->pages) {
    ASSERT_TRUE(steps::IsArtifactKey(page.image)) << page.image;
    EXPECT_THAT(page.image, ::testing::EndsWith(".png"));
    auto png = artifacts->Get(page.image);
    ASSERT_TRUE(png.ok()) << png.status();
    // A page read back as an image: 150 dpi A4 is 1240 pixels wide (PNG IHDR width).
    auto image = Read(*png);
    ASSERT_TRUE(image.ok()) << image.status();
    EXPECT_EQ(image->media_type, "image/png");
    const unsigned char* ihdr = reinterpret_cast<const unsigned char*>(png->data()) + 16;
    EXPECT_EQ((ihdr[0] << 24) | (ihdr[1] << 16) | (ihdr[2] << 8) | ihdr[3], 1240);
  }
  // An image file is kept as it is.
  const std::string png = MakePageImage(kScanText, ImageFormat::kPng);
  auto scan = ReadDocument(png, "scan.png", ReadOptions(), artifacts.get());
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(scan->pages[0].image, "sha256:" + common::Sha256Hex(png) + ".png");
}

TEST(ReadDocumentTest, BadFilesFailWithClearErrors) {
  const std::string pdf = MakePdf({PdfPageSpec{.text = kScanText}});
  const std::string png = MakePageImage(kScanText, ImageFormat::kPng);
  struct Case {
    std::string name;
    std::string bytes;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"empty", "", "the file is empty"},
      {"truncated pdf", pdf.substr(0, pdf.size() / 3), "the PDF is damaged"},
      {"garbage after pdf header", "%PDF-1.7\n" + std::string(4000, '\x9c'), "the PDF is damaged"},
      {"encrypted pdf", testing::MakeEncryptedPdf("secret"), "encrypted with a password"},
      {"truncated png", png.substr(0, 200), "image/png image is damaged"},
      {"random bytes", std::string("\x13\x37\xfe\x01\x99\x00\x42\x07", 8) + std::string(100, 'x'),
       "unknown binary data (first bytes 13 37 fe 01 99 00 42 07)"},
      {"plain text", "Invoice 12345\nTotal: 99.00\n", "plain text (starting \"Invoice 12345 Total"},
      {"gif", "GIF89a\x01\x00\x01\x00", "a GIF image"},
  };
  for (const Case& c : cases) {
    auto document = ReadDocument(c.bytes, "in/" + c.name, ReadOptions(), nullptr);
    ASSERT_FALSE(document.ok()) << c.name;
    EXPECT_EQ(document.status().code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_THAT(document.status().message(), HasSubstr("in/" + c.name + ": ")) << c.name;
    EXPECT_THAT(document.status().message(), HasSubstr(c.message)) << c.name;
  }
}

TEST(ReadDocumentTest, DamagedPdfsFailOrReadButNeverCrash) {
  // Deterministic corruption: bytes overwritten, or the file cut, at fixed-seed random places.
  const std::string pdf = MakePdf({PdfPageSpec{.text = testing::InvoiceText(3)},
                                   PdfPageSpec{.text = kScanText, .scanned = true}});
  std::mt19937 random(42);
  ReadOptions options = NoImages();
  options.ocr = OcrMode::kNever;  // the parsing is under test, not OCR
  int failed = 0;
  for (int round = 0; round < 300; ++round) {
    std::string bytes = pdf;
    if (round % 3 == 0) {
      bytes.resize(random() % bytes.size());
    } else {
      for (int i = 0; i < 1 + round % 20; ++i) bytes[random() % bytes.size()] = random() & 0xFF;
    }
    auto document = Read(bytes, options);
    if (!document.ok()) {
      ++failed;
      EXPECT_EQ(document.status().code(), absl::StatusCode::kInvalidArgument)
          << round << ": " << document.status();
    }
  }
  EXPECT_GT(failed, 0);  // some corruption must have been detected
}

TEST(ReadDocumentTest, EncryptedFixtureIsARealProtectedPdf) {
  // So the test above proves the reader rejects a locked PDF, not a broken one.
  const std::string pdf = testing::MakeEncryptedPdf("secret");
  std::unique_ptr<poppler::document> unlocked(poppler::document::load_from_raw_data(
      pdf.data(), static_cast<int>(pdf.size()), "", "secret"));
  ASSERT_NE(unlocked, nullptr);
  EXPECT_FALSE(unlocked->is_locked());
  std::unique_ptr<poppler::page> page(unlocked->create_page(0));
  ASSERT_NE(page, nullptr);
  const poppler::byte_array text = page->text().to_utf8();
  EXPECT_THAT(std::string(text.begin(), text.end()), HasSubstr("Secret report"));
}

TEST(ReadDocumentTest, BadOptionsAreRejected) {
  const std::string png = MakePageImage(kScanText, ImageFormat::kPng);
  ReadOptions options = NoImages();
  options.languages = "eng;rm -rf";
  EXPECT_THAT(Read(png, options).status().message(), HasSubstr("not a Tesseract language list"));
  options.languages = "xqz";
  auto missing = Read(png, options);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(missing.status().message(), HasSubstr("tesseract-ocr-xqz"));
  options = NoImages();
  options.dpi = 10;
  EXPECT_THAT(Read(png, options).status().message(), HasSubstr("dpi 10 is out of range"));
  options = NoImages();
  options.ocr = OcrMode::kNever;
  EXPECT_THAT(Read(png, options).status().message(),
              HasSubstr("can only be read by OCR, but ocr is \"never\""));
}

TEST(ReadDocumentTest, OpenMpIsLimitedToOneThreadPerPage) {
  // Set before main by ocr.cc (re-executing the test once) unless the environment set it.
  EXPECT_NE(getenv("OMP_THREAD_LIMIT"), nullptr);
}

TEST(ReadDocumentTest, ThreadsReadAtOnceWithTheirOwnEngines) {
  // Scans and PDFs (poppler and Tesseract both) on four threads at once.
  const std::string tiff = MakePageImage(kScanText, ImageFormat::kTiff, 200);
  const std::string pdf =
      MakePdf({PdfPageSpec{.text = kScanText}, PdfPageSpec{.text = kScanText, .scanned = true}});
  std::vector<std::vector<std::string>> results(4);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < results.size(); ++i) {
    threads.emplace_back([&, i] {
      auto document = Read(i % 2 == 0 ? tiff : pdf);
      if (!document.ok()) return;
      for (const Page& page : document->pages) {
        for (const std::string& line : LineTexts(page)) results[i].push_back(line);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (size_t i = 0; i < results.size(); ++i) {
    if (i % 2 == 0) {
      EXPECT_THAT(results[i], ElementsAre("INVOICE 4711", "Total due 1234.50"));
    } else {
      EXPECT_THAT(results[i], ElementsAre("INVOICE 4711", "Total due 1234.50", "INVOICE 4711",
                                          "Total due 1234.50"));
    }
  }
}

TEST(ReadDocumentTest, ReaderVersionNamesTheReaderAndTheOcrLibrary) {
  // Cached reads are keyed on it (cli/document_cache.cc): a new Tesseract must change it.
  const std::string version = ReaderVersion();
  EXPECT_THAT(version, ::testing::StartsWith("reader "));
  EXPECT_THAT(version, HasSubstr(absl::StrCat("tesseract ", OcrEngineVersion())));
  EXPECT_FALSE(OcrEngineVersion().empty());
}

}  // namespace
}  // namespace flowline::ai
