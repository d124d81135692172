#include "ai/extract/ocr_id.h"

#include <gtest/gtest.h>

namespace flowline::ai {
namespace {

TEST(OcrIdTest, DigitRunsReadLookAlikesAsDigits) {
  const std::vector<std::regex> none;
  EXPECT_EQ(RepairOcrId("2O26-O412", none), "2026-0412");
  EXPECT_EQ(RepairOcrId("RE1234O", none), "RE12340");
  EXPECT_EQ(RepairOcrId("1O5", none), "105");
  EXPECT_EQ(RepairOcrId("47I1O2", none), "471102");
  EXPECT_EQ(RepairOcrId("l23456", none), "123456");
  EXPECT_EQ(RepairOcrId("9314S1O9I1", none), "9314510911");
  EXPECT_EQ(RepairOcrId("12B4", none), "1284");
  EXPECT_EQ(RepairOcrId("NO58K7046", none), "N058K7046");  // upper-case O beside a letter
}

TEST(OcrIdTest, DigitRunsLeaveLettersOfWordsAndMostlyLetterRuns) {
  const std::vector<std::regex> none;
  EXPECT_EQ(RepairOcrId("INV-2026-0412", none), "INV-2026-0412");
  EXPECT_EQ(RepairOcrId("No1234", none), "No1234");        // the o of "No"
  EXPECT_EQ(RepairOcrId("BOSS12", none), "BOSS12");        // as many look-alikes as digits
  EXPECT_EQ(RepairOcrId("MHOC2H51L", none), "MHOC2H51L");  // mostly letters: needs a pattern
  EXPECT_EQ(RepairOcrId("O1", none), "O1");                // one digit is not a run
  EXPECT_EQ(RepairOcrId("INVOICE2024", none), "INVOICE2024");
  EXPECT_EQ(RepairOcrId("NZ41871HO", none), "NZ41871HO");  // the O is not beside a digit
}

TEST(OcrIdTest, PatternsChooseTheFewestSwaps) {
  const std::vector<std::regex> alphabet = CompileIdPatterns({"^[CFGHJKLMNPRTVWXYZ0-9]{9}$"});
  EXPECT_EQ(RepairOcrId("MHOC2H51L", alphabet), "MH0C2H51L");
  EXPECT_EQ(RepairOcrId("CSBJ2K8OT", alphabet), "C58J2K80T");
  EXPECT_EQ(RepairOcrId("MH0C2H51L", alphabet), "MH0C2H51L");  // matches already
  const std::vector<std::regex> two_letters = CompileIdPatterns({R"(^[A-Z]{2}\d{6}$)"});
  EXPECT_EQ(RepairOcrId("A8123456", two_letters), "AB123456");  // digit to letter
  EXPECT_EQ(RepairOcrId("AB12O456", two_letters), "AB120456");
}

TEST(OcrIdTest, PatternsThatNoSwapSatisfiesLeaveTheDigitRunsForm) {
  const std::vector<std::regex> pattern = CompileIdPatterns({R"(^\d{4}$)"});
  EXPECT_EQ(RepairOcrId("XYZ12O45", pattern), "XYZ12045");
  EXPECT_EQ(RepairOcrId("ABC", pattern), "ABC");
  EXPECT_TRUE(CompileIdPatterns({"[unclosed"}).empty());
}

}  // namespace
}  // namespace flowline::ai
