// Features of how a candidate's value agrees with the rest of the document: the evidence a
// person takes from a value printed again and again (a contract number or a total in the header
// of every page), from a value printed early (the header before the line items), and from a total
// that is the sum of the amounts above it in its column. They are the last kAgreementFeatureCount
// of the base features (features.h), after the span features.
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ai/document/document.h"
#include "ai/extract/candidates.h"
#include "ai/extract/field_spec.h"

namespace flowline::ai {

inline constexpr int kAgreementFeatureCount = 5;

// "value_page_share", "value_same_place", … in column order.
std::vector<std::string> AgreementFeatureNames();

// Writes kAgreementFeatureCount features for every candidate: candidate i's start at
// `rows + i * stride + offset`. Values are compared by MatchKey (normalize.h).
//
//   value_page_share   share of the document's pages on which the value is printed
//   value_same_place   share of the other pages on which the value is printed at the same place
//                      (a page header repeated on every page); 0 on a one-page document
//   value_first_rank   the value's rank by first appearance in reading order among the
//                      document's distinct values (0 the first printed), at most 20
//   value_first_share  the same rank as a share of the distinct values (0..1)
//   column_sum         amounts: the value equals the sum of two or more amounts right above it
//                      in its column (same page, nearest first), as a totals row does
void AgreementFeatures(const Document& doc, FieldType type,
                       const std::vector<Candidate>& candidates, size_t stride, size_t offset,
                       float* rows);

}  // namespace flowline::ai
