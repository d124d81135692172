#include "ai/classify/text_normalizer.h"

#include "absl/strings/str_join.h"

namespace flowline::ai {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsSpace(char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; }
bool IsPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
         (c >= '{' && c <= '~');
}

}  // namespace

std::vector<std::string> NormalizeTokens(std::string_view text) {
  std::vector<std::string> tokens;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) tokens.push_back(std::move(word));
    word.clear();
  };
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (IsDigit(c)) {
      // A number: digits with single separators between digits ("1,469.06", "12 500", "2026.03").
      flush();
      size_t j = i;
      while (j < text.size()) {
        if (IsDigit(text[j])) {
          ++j;
        } else if ((text[j] == '.' || text[j] == ',' || text[j] == ' ') && j + 1 < text.size() &&
                   IsDigit(text[j + 1])) {
          j += 2;
        } else {
          break;
        }
      }
      tokens.emplace_back(kNumberToken);
      i = j;
      continue;
    }
    if (IsSpace(c)) {
      flush();
    } else if (IsPunct(c)) {
      flush();
      tokens.emplace_back(1, c);
    } else if (c >= 'A' && c <= 'Z') {
      word.push_back(static_cast<char>(c - 'A' + 'a'));
    } else {
      word.push_back(c);  // a-z and UTF-8 bytes
    }
    ++i;
  }
  flush();
  return tokens;
}

std::string NormalizeText(std::string_view text) {
  return absl::StrJoin(NormalizeTokens(text), " ");
}

}  // namespace flowline::ai
