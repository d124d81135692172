#include "ai/document/document.h"

#include <gtest/gtest.h>

namespace flowline::ai {
namespace {

Document Sample() {
  Document doc;
  doc.sha256 = "ab";
  doc.media_type = "application/pdf";
  Page page;
  page.number = 1;
  page.width = 595;
  page.height = 842;
  Line line;
  line.words = {Word{"Invoice", Box{0.1, 0.1, 0.2, 0.12}, std::nullopt},
                Word{"42", Box{0.21, 0.1, 0.25, 0.12}, 0.9}};
  line.box = line.words[0].box.Union(line.words[1].box);
  page.lines.push_back(line);
  doc.pages.push_back(page);
  Page scan = page;
  scan.number = 2;
  scan.ocr = true;
  scan.confidence = 0.9;
  doc.pages.push_back(scan);
  return doc;
}

TEST(DocumentTest, JsonRoundTrip) {
  Json json = Sample().ToJson();
  EXPECT_EQ(json["page_count"], 2);
  EXPECT_EQ(json["ocr_pages"], Json::array({2}));
  EXPECT_EQ(json["text"], "Invoice 42\n\fInvoice 42\n");
  EXPECT_EQ(json["pages"][0]["lines"][0]["box"], Json::array({0.1, 0.1, 0.25, 0.12}));
  EXPECT_FALSE(json["pages"][0]["lines"][0]["words"][0].contains("conf"));
  auto back = Document::FromJson(json);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->ToJson(), json);
}

TEST(DocumentTest, FromJsonNamesTheBadField) {
  Json json = Sample().ToJson();
  json["pages"][1]["lines"][0]["words"][1]["box"] = Json::array({1, 2});
  auto back = Document::FromJson(json);
  ASSERT_FALSE(back.ok());
  EXPECT_NE(back.status().message().find("pages[1].lines[0].words[1].box"), std::string::npos)
      << back.status();
}

}  // namespace
}  // namespace flowline::ai
