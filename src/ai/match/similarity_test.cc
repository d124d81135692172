#include "ai/match/similarity.h"

#include <gtest/gtest.h>

namespace flowline::ai {
namespace {

TEST(SimilarityTest, NormalisesCasePunctuationAndLegalForms) {
  EXPECT_EQ(NormalizeName("ACME Corporation GmbH"), "acme");
  EXPECT_EQ(NormalizeName("Globex, Ltd."), "globex");
  EXPECT_EQ(NormalizeName("  Müller & Söhne  KG "), "müller söhne");
  EXPECT_EQ(NormalizeName("Limited"), "limited");  // never normalised to nothing
  EXPECT_EQ(NormalizeNameKeepingLegalForm("Acme Corp."), "acme corp");
  EXPECT_EQ(NormalizeName("?!"), "");
}

TEST(SimilarityTest, SameNameDespiteCaseAndLegalForm) {
  EXPECT_DOUBLE_EQ(NameSimilarity("Acme Corp", "ACME Corporation GmbH"), 1.0);
  EXPECT_DOUBLE_EQ(NameSimilarity("globex ltd", "Globex, Ltd."), 1.0);
}

TEST(SimilarityTest, TyposScoreHighUnrelatedNamesLow) {
  // A misspelt legal form is still a legal form.
  EXPECT_DOUBLE_EQ(NameSimilarity("Acme Corpration", "ACME Corporation GmbH"), 1.0);
  const double typo = NameSimilarity("Acne Corporation", "ACME Corporation GmbH");
  EXPECT_GT(typo, 0.6);
  EXPECT_LT(typo, 1.0);
  EXPECT_GT(NameSimilarity("Initech Inc", "Initek Incorporated"), 0.6);
  EXPECT_LT(NameSimilarity("Acme Corp", "Apex Industries"), 0.4);
  EXPECT_LT(NameSimilarity("Acme Corp", "Acme Industries Holding"), NameSimilarity("Acme", "Acme"));
  EXPECT_EQ(NameSimilarity("", "Acme"), 0.0);
}

TEST(SimilarityTest, IsSymmetricAndBounded) {
  const char* names[] = {"Acme", "ACME Corp", "Wonka Confectionery", "Wonka", "Straße AG", "x"};
  for (const char* a : names) {
    for (const char* b : names) {
      const double ab = NameSimilarity(a, b);
      EXPECT_DOUBLE_EQ(ab, NameSimilarity(b, a)) << a << " / " << b;
      EXPECT_GE(ab, 0.0);
      EXPECT_LE(ab, 1.0);
    }
  }
  EXPECT_EQ(CodePointCount("Straße"), 6u);
}

}  // namespace
}  // namespace flowline::ai
