// The text normalisation `classify` applies before fastText sees a text, at training and at
// prediction time alike (a model is only valid with the normalisation it was trained with:
// model.json records kTextNormalization, and the classifier refuses any other).
//
//   "Invoice #INV-0042 total: 1,469.06 EUR" -> "invoice # inv - <num> total : <num> eur"
//
// Rules: ASCII letters are lower-cased; every ASCII punctuation character is a token of its own
// (so "__label__" in a document can never be read as a fastText label); a run of digits,
// including '.', ',' or ' ' between digits, becomes the class token "<num>" (amounts, dates and
// ids vary per document, their presence does not); whitespace and control characters separate
// tokens; bytes of multi-byte UTF-8 characters are kept as they are. Pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace flowline::ai {

// The version of the rules below; bump it when they change.
inline constexpr const char* kTextNormalization = "flowline-v1";

// The class token that stands for a number.
inline constexpr const char* kNumberToken = "<num>";

// The normalised tokens of `text`.
std::vector<std::string> NormalizeTokens(std::string_view text);

// NormalizeTokens joined by single spaces: one line fastText can read.
std::string NormalizeText(std::string_view text);

}  // namespace flowline::ai
