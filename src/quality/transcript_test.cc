#include "quality/transcript.h"

#include <gtest/gtest.h>

#include <fstream>

#include "common/temp_dir.h"

namespace flowline::quality {
namespace {

TEST(TranscriptTest, RowsOfOneVisualLineBecomeOneLineLeftToRight) {
  // SROIE's order: the amount's row comes after the rows below its label.
  const std::string csv =
      "10,10,90,10,90,30,10,30,SHOP SDN BHD\n"
      "10,100,70,100,70,120,10,120,TOTAL:\n"
      "10,140,60,140,60,160,10,160,CASH\r\n"
      "\n"
      "150,102,190,102,190,118,150,118,9.00\n";
  auto doc = ParseBoxTranscript(csv, "box/000.csv", 200, 400);
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->pages.size(), 1u);
  const ai::Page& page = doc->pages[0];
  ASSERT_EQ(page.lines.size(), 3u);
  EXPECT_EQ(page.lines[0].Text(), "SHOP SDN BHD");
  EXPECT_EQ(page.lines[1].Text(), "TOTAL: 9.00");
  EXPECT_EQ(page.lines[2].Text(), "CASH");
  EXPECT_FALSE(page.ocr);
  EXPECT_DOUBLE_EQ(page.width, 200);  // 72 dpi: one pixel per point
  // Words share their row's box by characters: "SHOP" is 4 of 12 characters of 80 pixels.
  const ai::Word& shop = page.lines[0].words[0];
  EXPECT_NEAR(shop.box.x0, 10.0 / 200, 1e-9);
  EXPECT_NEAR(shop.box.x1, (10 + 80.0 * 4 / 12) / 200, 1e-9);
  EXPECT_NEAR(shop.box.y0, 10.0 / 400, 1e-9);
  EXPECT_FALSE(shop.confidence.has_value());
  const ai::Word& amount = page.lines[1].words[1];
  EXPECT_NEAR(amount.box.x0, 150.0 / 200, 1e-9);
}

TEST(TranscriptTest, TranscriptMayHoldCommasAndPageDefaultsToTheRowsExtent) {
  auto doc = ParseBoxTranscript("0,0,50,0,50,10,0,10,NO.53 55,57 & 59, JALAN\n", "t.csv");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_EQ(doc->pages[0].lines[0].Text(), "NO.53 55,57 & 59, JALAN");
  EXPECT_DOUBLE_EQ(doc->pages[0].width, 50);
  EXPECT_DOUBLE_EQ(doc->pages[0].height, 10);
}

TEST(TranscriptTest, MalformedRowNamesFileAndLine) {
  auto missing = ParseBoxTranscript("0,0,5,0,5,5,0,5,A\n1,2,3,TOTAL\n", "box/007.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("box/007.csv:2: "), std::string::npos)
      << missing.status();
  auto not_number = ParseBoxTranscript("0,0,5,x,5,5,0,5,A\n", "box/008.csv");
  ASSERT_FALSE(not_number.ok());
  EXPECT_NE(not_number.status().message().find("box/008.csv:1: coordinate 4 'x'"),
            std::string::npos)
      << not_number.status();
}

TEST(TranscriptTest, ReadsThePageSizeAndDensityFromTheJpegHeader) {
  common::TempDir dir;
  // SOI, APP0 JFIF with 150 dpi, SOF0 with 300 x 600 pixels.
  const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 'J',  'F',  'I',  'F',
                                0x00, 0x01, 0x01, 0x01, 0x00, 0x96, 0x00, 0x96, 0x00, 0x00,
                                0xFF, 0xC0, 0x00, 0x11, 0x08, 0x02, 0x58, 0x01, 0x2C, 0x03};
  std::ofstream(dir.path() + "/a.jpg", std::ios::binary)
      .write(reinterpret_cast<const char*>(jpeg), sizeof(jpeg));
  std::ofstream(dir.path() + "/a.csv") << "0,0,30,0,30,10,0,10,A\n";
  auto doc = ReadBoxTranscript(dir.path() + "/a.csv", dir.path() + "/a.jpg");
  ASSERT_TRUE(doc.ok()) << doc.status();
  EXPECT_DOUBLE_EQ(doc->pages[0].width, 300 * 72.0 / 150);
  EXPECT_DOUBLE_EQ(doc->pages[0].height, 600 * 72.0 / 150);
  EXPECT_NEAR(doc->pages[0].lines[0].box.x1, 30.0 / 300, 1e-9);

  auto absent = ReadBoxTranscript(dir.path() + "/none.csv", "");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace flowline::quality
