#include "ai/extract/ocr_id.h"

#include <functional>

namespace flowline::ai {
namespace {

// The digit a letter is misread for, or 0. Only the shapes Tesseract confuses in ids: a wider set
// (Z/2, G/6) turned real letters of ids into digits more often than it repaired them.
char DigitFor(char c) {
  switch (c) {
    case 'O':
    case 'o':
      return '0';
    case 'I':
    case 'l':
    case '|':
      return '1';
    case 'S':
    case 's':
      return '5';
    case 'B':
      return '8';
    default:
      return 0;
  }
}

char LetterFor(char c) {
  switch (c) {
    case '0':
      return 'O';
    case '1':
      return 'I';
    case '5':
      return 'S';
    case '8':
      return 'B';
    default:
      return 0;
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

// Stretches of digits and look-alikes read as digits (ocr_id.h, "digit runs").
std::string DigitRuns(std::string_view text) {
  std::string out(text);
  const size_t n = out.size();
  size_t i = 0;
  while (i < n) {
    if (!IsDigit(out[i]) && DigitFor(out[i]) == 0) {
      ++i;
      continue;
    }
    size_t begin = i, end = i;
    while (end < n && (IsDigit(out[end]) || DigitFor(out[end]) != 0)) ++end;
    i = end;
    // A lower-case look-alike at the edge that continues a word ("No1234": the o of "No") stays a
    // letter; an upper-case one beside a letter is an id's misread digit as often ("NO58K7046").
    auto word_letter = [&](size_t k) { return out[k] >= 'a' && out[k] <= 'z'; };
    while (begin < end && word_letter(begin) && begin > 0 && IsLetter(out[begin - 1])) ++begin;
    while (end > begin && word_letter(end - 1) && end < n && IsLetter(out[end])) --end;
    int digits = 0, lookalikes = 0;
    for (size_t k = begin; k < end; ++k) (IsDigit(out[k]) ? digits : lookalikes) += 1;
    if (lookalikes == 0 || digits < 2 || digits <= lookalikes) continue;
    for (size_t k = begin; k < end; ++k) {
      if (!IsDigit(out[k])) out[k] = DigitFor(out[k]);
    }
  }
  return out;
}

bool Matches(const std::string& value, const std::vector<std::regex>& patterns) {
  for (const std::regex& pattern : patterns) {
    if (std::regex_search(value, pattern)) return true;
  }
  return false;
}

constexpr int kMaxPositions = 12;
constexpr int kMaxSwaps = 3;

}  // namespace

std::vector<std::regex> CompileIdPatterns(const std::vector<std::string>& patterns) {
  std::vector<std::regex> out;
  for (const std::string& pattern : patterns) {
    try {
      out.emplace_back(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      // Validated by ParseFieldSpecs; a pattern that does not compile here is no hint.
    }
  }
  return out;
}

std::string RepairOcrId(std::string_view text, const std::vector<std::regex>& patterns) {
  std::string value = DigitRuns(text);
  if (patterns.empty() || Matches(value, patterns)) return value;
  const std::string original(text);
  if (Matches(original, patterns)) return original;
  std::vector<size_t> positions;
  for (size_t i = 0; i < original.size(); ++i) {
    if (DigitFor(original[i]) != 0 || LetterFor(original[i]) != 0) positions.push_back(i);
  }
  if (positions.empty() || static_cast<int>(positions.size()) > kMaxPositions) return value;
  // The fewest swaps first; among as many, the leftmost positions first (deterministic).
  std::string variant = original;
  std::function<bool(size_t, int)> choose = [&](size_t from, int left) {
    if (left == 0) return Matches(variant, patterns);
    for (size_t k = from; k + static_cast<size_t>(left) <= positions.size(); ++k) {
      const size_t at = positions[k];
      const char was = variant[at];
      variant[at] = IsDigit(was) ? LetterFor(was) : DigitFor(was);
      if (choose(k + 1, left - 1)) return true;
      variant[at] = was;
    }
    return false;
  };
  for (int swaps = 1; swaps <= kMaxSwaps && swaps <= static_cast<int>(positions.size()); ++swaps) {
    if (choose(0, swaps)) return variant;
  }
  return value;
}

}  // namespace flowline::ai
