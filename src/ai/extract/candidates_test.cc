#include "ai/extract/candidates.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace flowline::ai {
namespace {

// A one-page document with one line per entry, words placed left to right; a word starting with
// '|' starts a new column (a wide gap before it).
Document Doc(const std::vector<std::string>& lines) {
  Document doc;
  Page page;
  page.width = 595;
  page.height = 842;
  double y = 0.05;
  for (const std::string& text : lines) {
    Line line;
    double x = 0.05;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      std::string word = text.substr(start, end - start);
      start = end + 1;
      if (word.empty()) continue;
      if (word[0] == '|') {
        word = word.substr(1);
        x += 0.2;
      }
      const double w = 0.008 * static_cast<double>(word.size());
      line.words.push_back(Word{word, Box{x, y, x + w, y + 0.012}, std::nullopt});
      x += w + 0.005;
    }
    line.box = line.words.front().box;
    for (const Word& word : line.words) line.box = line.box.Union(word.box);
    page.lines.push_back(line);
    y += 0.02;
  }
  doc.pages.push_back(page);
  return doc;
}

std::vector<std::string> Values(const std::vector<Candidate>& candidates) {
  std::vector<std::string> out;
  for (const Candidate& c : candidates) out.push_back(c.norm.value);
  return out;
}

bool Has(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

TEST(CandidatesTest, DatesAcrossWordsWithTheOrderHint) {
  Document doc = Doc({"Invoice date: 14 March 2026", "Due Mar 28, 2026",
                      "Delivered 03/04/2026 Date:05.04.2026", "Total 1,234.56"});
  CandidateOptions options;
  options.date_order = DateOrder::kMdy;
  std::vector<Candidate> dates = GenerateCandidates(doc, FieldType::kDate, options);
  const auto values = Values(dates);
  EXPECT_TRUE(Has(values, "2026-03-14"));
  EXPECT_TRUE(Has(values, "2026-03-28"));
  EXPECT_TRUE(Has(values, "2026-03-04"));  // month first, per the hint
  EXPECT_TRUE(Has(values, "2026-05-04"));  // "Date:05.04.2026", also month first
  EXPECT_FALSE(Has(values, "1234.56"));
  // Evidence points at the words of the date.
  for (const Candidate& c : dates) {
    if (c.norm.value == "2026-03-14") {
      EXPECT_EQ(c.text, "14 March 2026");
      EXPECT_EQ(c.line, 0);
      EXPECT_EQ(c.first_word, 2);
      EXPECT_EQ(c.end_word, 5);
    }
  }
}

TEST(CandidatesTest, AmountsInManyFormats) {
  Document doc =
      Doc({"Subtotal 1 234,56", "Tax 19% 234.57", "Total $5,625.00 EUR", "Phone 0171-555"});
  std::vector<Candidate> amounts = GenerateCandidates(doc, FieldType::kAmount, {});
  const auto values = Values(amounts);
  EXPECT_TRUE(Has(values, "1234.56"));
  EXPECT_TRUE(Has(values, "234.57"));
  EXPECT_TRUE(Has(values, "5625.00"));
  EXPECT_FALSE(Has(values, "19"));  // a percentage is not an amount
  for (const Candidate& c : amounts) {
    if (c.norm.value == "5625.00") {
      EXPECT_EQ(c.text, "$5,625.00");
      EXPECT_TRUE(c.norm.has_currency);
    }
  }
}

TEST(CandidatesTest, CurrenciesAndIds) {
  Document doc = Doc({"Invoice No: INV-2026-0412", "Contract 270818 / 5", "Total $5,625.00 EUR",
                      "Ref:AB12345 Page 1"});
  const auto currencies = Values(GenerateCandidates(doc, FieldType::kCurrency, {}));
  EXPECT_TRUE(Has(currencies, "USD"));
  EXPECT_TRUE(Has(currencies, "EUR"));
  const auto ids = Values(GenerateCandidates(doc, FieldType::kId, {}));
  EXPECT_TRUE(Has(ids, "INV-2026-0412"));
  EXPECT_TRUE(Has(ids, "270818 / 5"));
  EXPECT_TRUE(Has(ids, "270818"));
  EXPECT_TRUE(Has(ids, "AB12345"));
  EXPECT_FALSE(Has(ids, "1"));  // too short
}

TEST(CandidatesTest, TextLinesSegmentsAndBlocks) {
  Document doc =
      Doc({"BOOK TA .K (TAMAN DAYA) SDN BHD", "NO.53 55,57 & 59, JALAN SAGU 18,",
           "TAMAN DAYA, 81100 JOHOR BAHRU,", "Advertiser: Bloomberg 2020 |Contract 1234"});
  const auto orgs = Values(GenerateCandidates(doc, FieldType::kOrganisation, {}));
  EXPECT_TRUE(Has(orgs, "BOOK TA .K (TAMAN DAYA) SDN BHD"));
  const auto addresses = Values(GenerateCandidates(doc, FieldType::kAddress, {}));
  EXPECT_TRUE(Has(addresses, "NO.53 55,57 & 59, JALAN SAGU 18, TAMAN DAYA, 81100 JOHOR BAHRU,"));
  const auto text = Values(GenerateCandidates(doc, FieldType::kText, {}));
  EXPECT_TRUE(Has(text, "Advertiser: Bloomberg 2020"));  // the segment before the wide gap
  EXPECT_TRUE(Has(text, "Bloomberg 2020"));              // after the colon
  EXPECT_TRUE(Has(text, "Contract 1234"));
}

TEST(CandidatesTest, CapsTheCandidatesPerDocument) {
  std::vector<std::string> lines(50, "A1001 B1002 C1003 D1004");
  CandidateOptions options;
  options.max_candidates = 30;
  EXPECT_EQ(GenerateCandidates(Doc(lines), FieldType::kId, options).size(), 30u);
}

}  // namespace
}  // namespace flowline::ai

namespace flowline::ai {
namespace {

TEST(CandidatesTest, BothHalvesOfARangePrintedAsOneWord) {
  Document doc = Doc({"Flight 05/08/20-05/12/20", "Period 3/2/2020 - 3/8/2020"});
  CandidateOptions options;
  options.date_order = DateOrder::kMdy;
  const std::vector<Candidate> dates = GenerateCandidates(doc, FieldType::kDate, options);
  std::vector<std::pair<std::string, int>> parts;
  for (const Candidate& c : dates) parts.emplace_back(c.norm.value, c.part);
  EXPECT_NE(std::find(parts.begin(), parts.end(), std::pair<std::string, int>{"2020-05-08", 1}),
            parts.end());
  EXPECT_NE(std::find(parts.begin(), parts.end(), std::pair<std::string, int>{"2020-05-12", 2}),
            parts.end());
  // Separate words stay ordinary candidates.
  EXPECT_NE(std::find(parts.begin(), parts.end(), std::pair<std::string, int>{"2020-03-08", 0}),
            parts.end());
}

TEST(CandidatesTest, NamesAfterLabelWordsAndWithoutAccountNumbers) {
  Document doc = Doc({"Advertiser Bernie 2020", "Advertiser: America First Action Inc",
                      "Tricia Zunker for Wisconsin (34122) |Invoice 12"});
  const std::vector<std::string> names =
      Values(GenerateCandidates(doc, FieldType::kOrganisation, {}));
  EXPECT_TRUE(Has(names, "Bernie 2020"));
  EXPECT_TRUE(Has(names, "America First Action Inc"));  // after the colon of a one-segment line
  EXPECT_TRUE(Has(names, "Tricia Zunker for Wisconsin (34122)"));
  EXPECT_TRUE(Has(names, "Tricia Zunker for Wisconsin"));
  // A registration number with its check letter is cut too.
  const std::vector<std::string> registered = Values(
      GenerateCandidates(Doc({"AEON CO. (M) BHD (126926-H)"}), FieldType::kOrganisation, {}));
  EXPECT_TRUE(Has(registered, "AEON CO. (M) BHD"));
  EXPECT_TRUE(Has(registered, "AEON CO. (M) BHD (126926-H)"));
  // Other types do not get the name forms.
  const std::vector<std::string> text = Values(GenerateCandidates(doc, FieldType::kText, {}));
  EXPECT_FALSE(Has(text, "Bernie 2020"));
}

TEST(CandidatesTest, NamesWithoutTheNextColumnsLabelAndWrappedOntoTheNextLine) {
  Document doc = Doc({"Advertiser POL/Jaime Harrison/US Senate/SC/Dem Invoice #",
                      "Advertiser: Congressional", "Leadership Fund", "Total 12.00"});
  // Left-align the wrapped line with the name above it, as a printed form does.
  Line& wrapped = doc.pages[0].lines[2];
  const double shift = doc.pages[0].lines[1].words[1].box.x0 - wrapped.box.x0;
  for (Word& w : wrapped.words) {
    w.box.x0 += shift;
    w.box.x1 += shift;
  }
  wrapped.box.x0 += shift;
  wrapped.box.x1 += shift;
  const std::vector<std::string> names =
      Values(GenerateCandidates(doc, FieldType::kOrganisation, {}));
  EXPECT_TRUE(Has(names, "POL/Jaime Harrison/US Senate/SC/Dem"));
  EXPECT_TRUE(Has(names, "Congressional Leadership Fund"));
  // A line below that is not left-aligned with the name, or holds a label, does not continue it.
  EXPECT_FALSE(
      Has(names, "POL/Jaime Harrison/US Senate/SC/Dem Invoice # Advertiser: Congressional"));
  EXPECT_FALSE(Has(names, "Congressional Leadership Fund Total 12.00"));
}

TEST(CandidatesTest, OcrIdsAreRepairedTextLayerIdsAreNot) {
  Document doc = Doc({"Invoice No. 2O26-O412", "Document No. MHOC2H51L"});
  CandidateOptions options;
  EXPECT_TRUE(Has(Values(GenerateCandidates(doc, FieldType::kId, options)), "2O26-O412"));
  for (Line& line : doc.pages[0].lines) {
    for (Word& word : line.words) word.confidence = 0.9;
  }
  std::vector<Candidate> ocr = GenerateCandidates(doc, FieldType::kId, options);
  EXPECT_TRUE(Has(Values(ocr), "2026-0412"));
  EXPECT_EQ(ocr[0].text, "2O26-O412");  // the printed text stays as read
  EXPECT_TRUE(Has(Values(ocr), "MHOC2H51L"));
  options.patterns = {"^[CFGHJKLMNPRTVWXYZ0-9]{9}$"};
  EXPECT_TRUE(Has(Values(GenerateCandidates(doc, FieldType::kId, options)), "MH0C2H51L"));
}

}  // namespace
}  // namespace flowline::ai
