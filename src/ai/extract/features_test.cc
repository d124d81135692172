#include "ai/extract/features.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "ai/extract/synthetic_invoices.h"

namespace flowline::ai {
namespace {

size_t Column(const std::vector<std::string>& names, const std::string& name) {
  return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

TEST(FeaturesTest, NamesMatchTheRowWidth) {
  EXPECT_EQ(BaseFeatureNames().size(), static_cast<size_t>(kBaseFeatureCount));
  const std::vector<std::string> names = FeatureNames({"total", "due"});
  EXPECT_EQ(names.size(), static_cast<size_t>(kBaseFeatureCount) + 4);
  EXPECT_EQ(names[kBaseFeatureCount], "left:total");
  EXPECT_EQ(names[kBaseFeatureCount + 3], "above:due");
}

TEST(FeaturesTest, DescribeTheTotalOfAnInvoice) {
  testing::InvoiceBuilder builder(11);
  const LabelledDocument doc = builder.Make(1)[0];
  const FieldSpec field{"total_amount", FieldType::kAmount, {"grand total"}, {}};
  const std::vector<Candidate> candidates = GenerateCandidates(doc.document, field.type, {});
  ASSERT_GT(candidates.size(), 3u);
  const std::vector<std::string> vocabulary = {"total", "subtotal", "vat"};
  const std::vector<float> rows = BuildFeatures(doc.document, field, candidates, vocabulary);
  const std::vector<std::string> names = FeatureNames(vocabulary);
  ASSERT_EQ(rows.size(), candidates.size() * names.size());
  const std::string total = doc.labels.at("total_amount");
  double largest = -1;
  for (const Candidate& c : candidates) largest = std::max(largest, std::stod(c.norm.value));
  int seen = 0;
  for (size_t i = 0; i < candidates.size(); ++i) {
    const float* f = &rows[i * names.size()];
    const bool is_total =
        MatchKey(field.type, candidates[i].norm.value) == MatchKey(field.type, total);
    EXPECT_EQ(f[Column(names, "is_max")] == 1.0f, std::stod(candidates[i].norm.value) == largest)
        << candidates[i].text;
    EXPECT_EQ(f[Column(names, "value_rank")] == 0.0f,
              std::stod(candidates[i].norm.value) == largest)
        << candidates[i].text;
    if (!is_total) continue;
    ++seen;
    EXPECT_EQ(f[Column(names, "sum_of_two")], 1.0f);  // net + tax
    EXPECT_EQ(f[Column(names, "decimals")], 2.0f);
    EXPECT_GT(f[Column(names, "cy")], 0.4f);
    EXPECT_GT(f[Column(names, "hint_left")], 0.0f);  // "total" of the hint "grand total"
  }
  EXPECT_EQ(seen, 1);
}

TEST(FeaturesTest, ContextAndVocabulary) {
  testing::InvoiceBuilder builder(5);
  const std::vector<LabelledDocument> docs = builder.Make(12);
  const FieldSpec field{"invoice_number", FieldType::kId, {"Invoice no"}, {}};
  std::vector<Context> contexts;
  for (const LabelledDocument& doc : docs) {
    for (const Candidate& c : GenerateCandidates(doc.document, field.type, {})) {
      if (c.norm.value == doc.labels.at("invoice_number")) {
        contexts.push_back(CandidateContext(doc.document, c));
      }
    }
  }
  ASSERT_EQ(contexts.size(), docs.size());
  const std::vector<std::string> vocabulary = LearnVocabulary(contexts, field, 5);
  ASSERT_FALSE(vocabulary.empty());
  // Words of the invoice-number labels of the layouts are learned; the hint's are added.
  const bool has_label =
      std::find(vocabulary.begin(), vocabulary.end(), "invoice") != vocabulary.end() ||
      std::find(vocabulary.begin(), vocabulary.end(), "rechnung") != vocabulary.end();
  EXPECT_TRUE(has_label);
  EXPECT_NE(std::find(vocabulary.begin(), vocabulary.end(), "no"), vocabulary.end());
  EXPECT_EQ(LabelTokens("Invoice-No.: 12"), (std::vector<std::string>{"invoice", "no"}));
}

}  // namespace
}  // namespace flowline::ai
