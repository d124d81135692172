#include "ai/extract/block_features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ai/extract/features.h"

namespace flowline::ai {
namespace {

// A one-page document, one line per entry, words left to right.
Document Doc(const std::vector<std::string>& lines) {
  Document doc;
  Page page;
  page.width = 226;
  page.height = 500;
  double y = 0.02;
  for (const std::string& text : lines) {
    Line line;
    double x = 0.05;
    size_t start = 0;
    while (start < text.size()) {
      size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string word = text.substr(start, end - start);
      start = end + 1;
      const double w = 0.02 * static_cast<double>(word.size());
      line.words.push_back(Word{word, Box{x, y, x + w, y + 0.015}, std::nullopt});
      x += w + 0.02;
    }
    line.box = line.words.front().box;
    for (const Word& word : line.words) line.box = line.box.Union(word.box);
    page.lines.push_back(line);
    y += 0.03;
  }
  doc.pages.push_back(page);
  return doc;
}

const std::vector<std::string> kReceipt = {
    "TAN WOON YANN",                   // 0
    "BOOK TA K (TAMAN DAYA) SDN BHD",  // 1
    "789417-W",                        // 2
    "NO.53 JALAN SAGU 18,",            // 3
    "TAMAN DAYA,",                     // 4
    "81100 JOHOR BAHRU,",              // 5
    "JOHOR.",                          // 6
    "TEL 07-3528080",                  // 7
    "Date 25/12/2018 8:13:39 PM",      // 8
    "TOTAL: 9.00",                     // 9
    "CASH 10.00",                      // 10
    "CHANGE 1.00",                     // 11
};

// The features of `type`'s candidate on `line` spanning `lines` lines (text types) or with value
// `value` (others), by name.
class BlockFeaturesTest : public ::testing::Test {
 protected:
  float Feature(FieldType type, const std::string& name, int line, int lines,
                const std::string& value = "") {
    const std::vector<Candidate> candidates = GenerateCandidates(doc_, type, {});
    std::vector<float> rows(candidates.size() * kBlockFeatureCount);
    BlockFeatures(doc_, type, candidates, kBlockFeatureCount, 0, rows.data());
    const std::vector<std::string> names = BlockFeatureNames();
    const size_t column =
        static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    EXPECT_LT(column, names.size()) << name;
    for (size_t i = 0; i < candidates.size(); ++i) {
      const Candidate& c = candidates[i];
      const int words = static_cast<int>(doc_.pages[0].lines[c.line].words.size());
      const bool whole = c.first_word == 0 && (c.line_count > 1 || c.end_word == words);
      if (c.line == line && c.line_count == lines &&
          (value.empty() ? whole : c.norm.value == value)) {
        return rows[i * kBlockFeatureCount + column];
      }
    }
    ADD_FAILURE() << "no candidate on line " << line << " of " << lines << " lines " << value;
    return -1;
  }
  Document doc_ = Doc(kReceipt);
};

TEST_F(BlockFeaturesTest, NamesMatchTheCount) {
  EXPECT_EQ(BlockFeatureNames().size(), static_cast<size_t>(kBlockFeatureCount));
  const std::vector<std::string> base = BaseFeatureNames();
  EXPECT_EQ(base[kGeneralFeatureCount], "block_first_org");
}

TEST_F(BlockFeaturesTest, ANameEndsWithItsSuffixAboveTheRegistrationAndTheAddress) {
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_ends_org", 1, 1), 1);
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_next_regno", 1, 1), 1);
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_org_offset", 1, 1), 0);
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_ends_org", 0, 1), 0);
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_next_org", 0, 1), 2);  // sdn, bhd
  EXPECT_EQ(Feature(FieldType::kOrganisation, "block_next_address", 2, 1), 1);
}

TEST_F(BlockFeaturesTest, AnAddressEndsAtItsRegionBeforeThePhoneLine) {
  // Lines 3-6: from the street to the state, the phone line after it.
  EXPECT_EQ(Feature(FieldType::kAddress, "block_first_street", 3, 4), 1);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_last_region", 3, 4), 1);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_next_contact", 3, 4), 1);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_contact", 3, 4), 0);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_postcode_offset", 3, 4), -1);
  // Lines 3-4 stop short: the postcode and the state follow.
  EXPECT_EQ(Feature(FieldType::kAddress, "block_next_postcode", 3, 2), 1);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_next_contact", 3, 2), 0);
  // Lines 2-6 start at the registration number, line 1 right after the name.
  EXPECT_EQ(Feature(FieldType::kAddress, "block_contact", 2, 5), 1);
  EXPECT_EQ(Feature(FieldType::kAddress, "block_prev_org", 2, 5), 2);
}

TEST_F(BlockFeaturesTest, TheTotalIsWhatWasTenderedMinusTheChange) {
  EXPECT_EQ(Feature(FieldType::kAmount, "row_total", 9, 1, "9.00"), 1);
  EXPECT_EQ(Feature(FieldType::kAmount, "cash_minus_change", 9, 1, "9.00"), 1);
  EXPECT_EQ(Feature(FieldType::kAmount, "cash_minus_change", 10, 1, "10.00"), 0);
  EXPECT_EQ(Feature(FieldType::kAmount, "row_tendered", 10, 1, "10.00"), 1);
  EXPECT_EQ(Feature(FieldType::kAmount, "row_change", 11, 1, "1.00"), 1);
  EXPECT_EQ(Feature(FieldType::kAmount, "row_total", 11, 1, "1.00"), 0);
}

TEST_F(BlockFeaturesTest, ADateIsPrintedWithItsTime) {
  EXPECT_EQ(Feature(FieldType::kDate, "row_time", 8, 1, "2018-12-25"), 1);
}

}  // namespace
}  // namespace flowline::ai
