#include "ai/match/similarity.h"

#include <algorithm>
#include <set>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace flowline::ai {
namespace {

// Legal forms and their usual abbreviations (after punctuation is removed: "s.a." -> "s a").
const std::set<std::string, std::less<>>& LegalWords() {
  static const auto* words = new std::set<std::string, std::less<>>{
      "ab",   "ag",  "as",           "bv",  "co",      "company", "corp", "corporation",
      "gmbh", "inc", "incorporated", "kg",  "limited", "llc",     "llp",  "lp",
      "ltd",  "nv",  "oy",           "plc", "pty",     "sa",      "sarl", "sas",
      "spa",  "srl", "ug",           "ohg", "kgaa",    "se",      "pte",  "bhd",
      "sdn",  "cie", "et",           "and", "&"};
  return *words;
}

// UTF-8 -> code points; a malformed byte becomes one code point of its own.
std::vector<char32_t> Decode(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += static_cast<size_t>(len);
  }
  return out;
}

std::vector<std::string> Words(std::string_view name) {
  std::string cleaned;
  cleaned.reserve(name.size());
  for (char ch : name) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') {
      cleaned.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      cleaned.push_back(ch);
    } else {
      cleaned.push_back(' ');
    }
  }
  return absl::StrSplit(cleaned, ' ', absl::SkipEmpty());
}

size_t Levenshtein(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::multiset<std::u32string> Trigrams(const std::vector<char32_t>& s) {
  std::u32string padded = U"  ";
  padded.append(s.begin(), s.end());
  padded += U" ";
  std::multiset<std::u32string> out;
  for (size_t i = 0; i + 3 <= padded.size(); ++i) out.insert(padded.substr(i, 3));
  return out;
}

double Dice(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  const std::multiset<std::u32string> ta = Trigrams(a);
  const std::multiset<std::u32string> tb = Trigrams(b);
  std::vector<std::u32string> common;
  std::set_intersection(ta.begin(), ta.end(), tb.begin(), tb.end(), std::back_inserter(common));
  return 2.0 * static_cast<double>(common.size()) / static_cast<double>(ta.size() + tb.size());
}

// A legal-form word, or a misspelling of a long one ("corpration", "incorporatd").
bool IsLegalWord(const std::string& word) {
  if (LegalWords().count(word) > 0) return true;
  if (word.size() < 5) return false;
  const std::vector<char32_t> w = Decode(word);
  for (const std::string& legal : LegalWords()) {
    if (legal.size() >= 5 && Levenshtein(w, Decode(legal)) <= 1) return true;
  }
  return false;
}

}  // namespace

std::string NormalizeNameKeepingLegalForm(std::string_view name) {
  return absl::StrJoin(Words(name), " ");
}

std::string NormalizeName(std::string_view name) {
  std::vector<std::string> words = Words(name);
  size_t keep = words.size();
  while (keep > 1 && IsLegalWord(words[keep - 1])) --keep;
  words.resize(keep);
  return absl::StrJoin(words, " ");
}

double NormalizedSimilarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return 0;
  if (a == b) return 1;
  const std::vector<char32_t> ca = Decode(a);
  const std::vector<char32_t> cb = Decode(b);
  const double edit = 1.0 - static_cast<double>(Levenshtein(ca, cb)) /
                                static_cast<double>(std::max(ca.size(), cb.size()));
  return 0.5 * Dice(ca, cb) + 0.5 * edit;
}

double NameSimilarity(std::string_view a, std::string_view b) {
  return std::max(
      NormalizedSimilarity(NormalizeName(a), NormalizeName(b)),
      NormalizedSimilarity(NormalizeNameKeepingLegalForm(a), NormalizeNameKeepingLegalForm(b)));
}

size_t CodePointCount(std::string_view text) { return Decode(text).size(); }

}  // namespace flowline::ai
