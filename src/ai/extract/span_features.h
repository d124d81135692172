// Features of where a candidate sits among its neighbours, beyond its own line: the other end of a
// date range ("12/30/19 - 03/29/20", "Flight: 5/22/20 - 5/28/20"), the words to its left on the
// same visual row when the reader split the row into several lines (a label in one column, its
// value in the next), a label line right above it, and amounts above and below it in the same
// column (a total is the last amount of its column). They are the last kSpanFeatureCount of
// the base features (features.h).
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "ai/document/document.h"
#include "ai/extract/candidates.h"
#include "ai/extract/field_spec.h"

namespace flowline::ai {

inline constexpr int kSpanFeatureCount = 15;

// "range_position", "range_separator", … in column order.
std::vector<std::string> SpanFeatureNames();

// Writes kSpanFeatureCount features for every candidate: candidate i's start at
// `rows + i * stride + offset`.
//
//   range_position    0 not part of a range, 1 its first date, 2 its second date
//   range_separator   0 none, 1 a dash, 2 a word ("to", "thru", "bis", "au"), 3 none (adjacent),
//                     4 one word ("05/08/20-05/12/20")
//   range_days        log(1 + days from the range's first to its second date); -1 outside ranges
//   range_starts      how often the value is the first date of a range on the document
//   range_ends        how often it is the second date of one
//   row_left_words    words to the left on the same visual row that belong to other lines
//   row_left_gap      distance (page widths) to the nearest word left of it on the row; -1 none
//   label_before      the nearest word to its left (same row) ends with ':' or '#'
//   label_above       the line right above it, over its start, is made of label words only
//   column_below      amount-like candidates below it in the same column (same page)
//   column_above      amount-like candidates above it in the same column
//   row_right_words   words right of it on the same visual row (its line and other lines)
//   range_covers      share of the document's date ranges that lie inside its range
//   earliest_start    it starts the range that starts earliest on the document
//   latest_end        it ends the range that ends latest on the document
void SpanFeatures(const Document& doc, FieldType type, const std::vector<Candidate>& candidates,
                  size_t stride, size_t offset, float* rows);

// Lower-case label tokens (LabelTokens) of the words left of `candidate` on its visual row that
// belong to other lines than its own, nearest first (at most `limit`).
std::vector<std::string> RowLeftTokens(const Document& doc, const Candidate& candidate,
                                       size_t limit);

}  // namespace flowline::ai
