#include "samples/render.h"

#include <poppler-document.h>
#include <poppler-page.h>
#include <zlib.h>

#include <memory>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "samples/generator.h"
#include "samples/label_check.h"
#include "samples/scan.h"

namespace flowline::samples {
namespace {

std::string Collapse(const std::string& text) {
  return absl::StrJoin(absl::StrSplit(text, absl::ByAnyChar(" \t\r\n"), absl::SkipEmpty()), " ");
}

// The text layer of a one-page PDF, as poppler reads it (physical layout), whitespace collapsed.
std::string PdfText(const std::string& pdf) {
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(pdf.data(), static_cast<int>(pdf.size())));
  if (doc == nullptr || doc->pages() != 1) return "";
  std::unique_ptr<poppler::page> page(doc->create_page(0));
  poppler::byte_array utf8 = page->text().to_utf8();
  return Collapse(std::string(utf8.begin(), utf8.end()));
}

std::vector<PlannedSample> Plan(int count, uint64_t seed) {
  GenerateOptions options;
  options.count = count;
  options.out_dir = "unused";
  options.seed = seed;
  absl::StatusOr<std::vector<PlannedSample>> samples = PlanSamples(options);
  EXPECT_TRUE(samples.ok()) << samples.status();
  return samples.ok() ? *std::move(samples) : std::vector<PlannedSample>{};
}

TEST(RenderTest, EveryLabelledValueIsInThePdfTextLayerAsPrinted) {
  int documents = 0;
  for (const PlannedSample& s : Plan(120, 5)) {
    absl::StatusOr<std::string> pdf = RenderPdf(s.layout.page);
    ASSERT_TRUE(pdf.ok()) << pdf.status();
    std::string text = PdfText(*pdf);
    ASSERT_FALSE(text.empty()) << s.file << ": poppler found no text";
    SCOPED_TRACE(s.label.dump());
    for (const TextItem& item : s.layout.page.texts) {
      if (item.fields.empty()) continue;
      EXPECT_NE(text.find(Collapse(item.text)), std::string::npos)
          << s.file << ": " << item.fields.front() << " printed as \"" << item.text
          << "\" is not in the PDF text layer";
    }
    EXPECT_TRUE(CheckPrintedValues(s.label, s.layout.page).empty());
    ++documents;
  }
  EXPECT_EQ(documents, 120);
}

TEST(RenderTest, PdfBytesDependOnlyOnThePage) {
  std::vector<PlannedSample> samples = Plan(2, 9);
  absl::StatusOr<std::string> a = RenderPdf(samples[0].layout.page);
  absl::StatusOr<std::string> b = RenderPdf(samples[0].layout.page);
  absl::StatusOr<std::string> c = RenderPdf(samples[1].layout.page);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
  EXPECT_NE(a->find("2026"), std::string::npos);  // the fixed creation date, not "now"
}

TEST(RenderTest, ScanIsSkewedGreyAndNoisyButKeepsTheInk) {
  std::vector<PlannedSample> samples = Plan(1, 21);
  const Page& page = samples[0].layout.page;
  ScanOptions options;
  options.dpi = 100;
  Rng rng(4);
  ScanParameters params;
  absl::StatusOr<GreyImage> scan = ScanPage(page, options, rng, &params);
  ASSERT_TRUE(scan.ok()) << scan.status();
  EXPECT_EQ(scan->width, static_cast<int>(std::lround(page.width * 100 / 72)));
  EXPECT_EQ(scan->height, static_cast<int>(std::lround(page.height * 100 / 72)));
  EXPECT_LE(std::abs(params.skew_degrees), 2.0);
  EXPECT_LT(params.paper, 251);  // never pure white paper
  EXPECT_GT(params.specks, 0);
  int dark = 0, light = 0;
  for (uint8_t px : scan->pixels) {
    dark += px < 128 ? 1 : 0;
    light += px > 200 ? 1 : 0;
  }
  EXPECT_GT(dark, 1000) << "text should survive the degradation";
  EXPECT_GT(light, static_cast<int>(scan->pixels.size()) / 2) << "most of a page is paper";

  Rng same(4);
  absl::StatusOr<GreyImage> again = ScanPage(page, options, same);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(scan->pixels, again->pixels);
}

TEST(RenderTest, PngIsValidGreyscaleWithItsResolution) {
  GreyImage image;
  image.width = 3;
  image.height = 2;
  image.dpi = 200;
  image.pixels = {0, 128, 255, 10, 20, 30};
  absl::StatusOr<std::string> png = EncodePng(image);
  ASSERT_TRUE(png.ok());
  ASSERT_EQ(png->substr(0, 8), std::string("\x89PNG\r\n\x1a\n"));
  EXPECT_EQ(png->substr(12, 4), "IHDR");
  EXPECT_EQ(static_cast<uint8_t>((*png)[24]), 8);  // bit depth
  EXPECT_EQ(static_cast<uint8_t>((*png)[25]), 0);  // colour type: greyscale
  size_t phys = png->find("pHYs");
  ASSERT_NE(phys, std::string::npos);
  uint32_t per_metre = 0;
  for (int i = 0; i < 4; ++i)
    per_metre = per_metre << 8 | static_cast<uint8_t>((*png)[phys + 4 + i]);
  EXPECT_EQ(per_metre, 7874u);  // 200 dpi
  // Inflate IDAT and undo the filters: the pixels come back.
  size_t idat = png->find("IDAT");
  ASSERT_NE(idat, std::string::npos);
  uint32_t length = 0;
  for (int i = 0; i < 4; ++i) length = length << 8 | static_cast<uint8_t>((*png)[idat - 4 + i]);
  std::string raw(2 * 4, '\0');
  uLongf raw_size = raw.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                       reinterpret_cast<const Bytef*>(png->data() + idat + 4), length),
            Z_OK);
  ASSERT_EQ(raw_size, 8u);
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 2; ++y) {
    uint8_t filter = static_cast<uint8_t>(raw[y * 4]);
    for (int x = 0; x < 3; ++x) {
      uint8_t v = static_cast<uint8_t>(raw[y * 4 + 1 + x]);
      if (filter == 2) v = static_cast<uint8_t>(v + pixels[(y - 1) * 3 + x]);
      pixels.push_back(v);
    }
  }
  EXPECT_EQ(pixels, image.pixels);
}

}  // namespace
}  // namespace flowline::samples
