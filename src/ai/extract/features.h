// Features of candidates: what the ranker sees about each place a value of a field's type is
// printed. Every candidate of one field on one document gets one row of kBaseFeatureCount
// general features (named in BaseFeatureNames()) followed by two per vocabulary word:
//
//   position   page, first/last page, box, centre, line index from top and bottom
//   size       height relative to the page's median line height (a proxy for font size), width
//   format     printed format id, length, digit/letter/upper-case ratios, decimals, currency sign
//   line       words in the span and the line, whole line, colon, amounts in the line (table row)
//   order      rank by value (largest amount, latest date) and by position, repeats of the value,
//              how many candidates and distinct values there are
//   relations  amount equals the sum of two other amounts on the document, is the largest
//   hints      the field's label words left of / above it, its patterns matching it
//   text       organisation suffixes (Ltd, GmbH, Sdn Bhd…), address cues (street words, postcode)
//   blocks     where a name or address block begins and ends, an amount's row labels
//              (block_features.h)
//   spans      date ranges, the visual row, label above, amounts in the same column
//              (span_features.h)
//   agreement  the value on several pages, at the same place on each, printed early, a column's
//              sum (agreement_features.h)
//   vocabulary for each learned label word: nearness left in the line, then on the visual row
//              (1, 1/2, 1/3…), present in the two lines above over the same columns
//
// The vocabulary is learned per field at training (LearnVocabulary) and stored with the model.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ai/document/document.h"
#include "ai/extract/agreement_features.h"
#include "ai/extract/block_features.h"
#include "ai/extract/candidates.h"
#include "ai/extract/field_spec.h"
#include "ai/extract/span_features.h"

namespace flowline::ai {

// The general features of this file, then the block features of block_features.h, the span
// features of span_features.h and the agreement features of agreement_features.h.
inline constexpr int kGeneralFeatureCount = 56;
inline constexpr int kBaseFeatureCount =
    kGeneralFeatureCount + kBlockFeatureCount + kSpanFeatureCount + kAgreementFeatureCount;

std::vector<std::string> BaseFeatureNames();
// All feature names: the base ones, then "left:<word>" and "above:<word>" per vocabulary word.
std::vector<std::string> FeatureNames(const std::vector<std::string>& vocabulary);

// Lower-case letter-only words (2+ letters) near a candidate: `left` the words before it in its
// line, nearest first, then those left of it on its visual row in other lines (up to 8 in all);
// `above` the words of the two lines above it that overlap its columns.
struct Context {
  std::vector<std::string> left;
  std::vector<std::string> above;
};
Context CandidateContext(const Document& doc, const Candidate& candidate);

// The row-major feature matrix (candidates.size() × FeatureNames(vocabulary).size()).
std::vector<float> BuildFeatures(const Document& doc, const FieldSpec& field,
                                 const std::vector<Candidate>& candidates,
                                 const std::vector<std::string>& vocabulary);

// The same in two steps, so training can widen the base rows with each fold's vocabulary:
// kBaseFeatureCount features per candidate and each candidate's context, then the rows widened.
std::vector<float> BaseFeatures(const Document& doc, const FieldSpec& field,
                                const std::vector<Candidate>& candidates,
                                std::vector<Context>* contexts);
std::vector<float> AddVocabulary(const std::vector<float>& base,
                                 const std::vector<Context>& contexts,
                                 const std::vector<std::string>& vocabulary);

// The `size` words most often in the context of the positive candidates (`contexts`, one per
// document), counted once per document, most frequent first (ties alphabetical), then the field's
// own label words not already included.
std::vector<std::string> LearnVocabulary(const std::vector<Context>& contexts,
                                         const FieldSpec& field, size_t size = 40);

// Lower-case letter-only tokens of `text` (what label words are compared by).
std::vector<std::string> LabelTokens(std::string_view text);

}  // namespace flowline::ai
