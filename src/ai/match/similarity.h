// How alike two names are, for `match`: 0 (nothing in common) to 1 (the same after
// normalisation).
//
// Names are compared after NormalizeName: lower-cased (ASCII), punctuation and symbols made
// spaces, whitespace collapsed, and trailing legal-form words dropped ("ACME Corporation GmbH" ->
// "acme", "Globex, Ltd." -> "globex"; a long one misspelt by one letter, "Corpration", too),
// unless nothing would be left. The score is the mean of
// two measures over Unicode code points, which catch different mistakes:
//   - the Dice coefficient of the names' character trigrams (padded with spaces): robust to
//     reordered and extra words;
//   - 1 - Levenshtein distance / length of the longer name: robust to typos in short names.
// Both names are also compared with their legal forms kept, and the higher score counts, so
// "Acme Corp" ~ "Acme Corporation" even where a legal word is misspelt. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace flowline::ai {

// The comparable form of a name (see above). UTF-8 in, UTF-8 out.
std::string NormalizeName(std::string_view name);
// NormalizeName without dropping legal-form words.
std::string NormalizeNameKeepingLegalForm(std::string_view name);

// The similarity of two names in [0, 1]; 0 when either is empty after normalisation.
double NameSimilarity(std::string_view a, std::string_view b);

// The similarity of two already normalised strings (the mean of trigram Dice and Levenshtein).
double NormalizedSimilarity(std::string_view a, std::string_view b);

// The number of Unicode code points in UTF-8 `text` (a malformed byte counts as one).
size_t CodePointCount(std::string_view text);

}  // namespace flowline::ai
