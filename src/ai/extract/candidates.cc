#include "ai/extract/candidates.h"

#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"

namespace flowline::ai {
namespace {

bool HasDigit(std::string_view s) {
  for (char c : s) {
    if (c >= '0' && c <= '9') return true;
  }
  return false;
}

std::string JoinWords(const Line& line, int first, int end) {
  std::string text;
  for (int i = first; i < end; ++i) {
    if (!text.empty()) text += ' ';
    text += line.words[i].text;
  }
  return text;
}

Box SpanBox(const Line& line, int first, int end) {
  Box box = line.words[first].box;
  for (int i = first + 1; i < end; ++i) box = box.Union(line.words[i].box);
  return box;
}

// Strips what commonly precedes an id in the same token ("No:123", "#123", "Nr.123" stays).
std::string_view IdCore(std::string_view word) {
  const size_t colon = word.rfind(':');
  if (colon != std::string_view::npos && colon + 1 < word.size()) word = word.substr(colon + 1);
  constexpr std::string_view kEdge = " :;,\"'()[]{}*#|";
  while (!word.empty() && kEdge.find(word.front()) != std::string_view::npos) word.remove_prefix(1);
  while (!word.empty() &&
         (kEdge.find(word.back()) != std::string_view::npos || word.back() == '.')) {
    word.remove_suffix(1);
  }
  return word;
}

bool IsIdToken(std::string_view s) {
  if (s.size() < 3 || s.size() > 32 || !HasDigit(s)) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '/' && c != '.' &&
        c != '_') {
      return false;
    }
  }
  return true;
}

class Collector {
 public:
  Collector(const CandidateOptions& options, std::vector<Candidate>* out)
      : options_(options), out_(out) {}

  bool Full() const { return static_cast<int>(out_->size()) >= options_.max_candidates; }

  void Add(int page, int line_index, const Line& line, int first, int end, std::string text,
           Normalized norm) {
    if (Full() || !seen_.insert({page, line_index, first, end, 1}).second) return;
    Candidate c;
    c.text = std::move(text);
    c.norm = std::move(norm);
    c.page = page;
    c.line = line_index;
    c.first_word = first;
    c.end_word = end;
    c.box = SpanBox(line, first, end);
    out_->push_back(std::move(c));
  }

  void AddBlock(int page, const Page& p, int first_line, int count) {
    if (Full() || !seen_.insert({page, first_line, 0, 0, count}).second) return;
    Candidate c;
    Box box = p.lines[first_line].box;
    std::string text;
    for (int i = first_line; i < first_line + count; ++i) {
      if (!text.empty()) text += ' ';
      text += p.lines[i].Text();
      box = box.Union(p.lines[i].box);
    }
    c.text = text;
    c.norm.value = CollapseWhitespace(text);
    c.norm.format = count;
    c.page = page;
    c.line = first_line;
    c.line_count = count;
    c.first_word = 0;
    c.end_word = static_cast<int>(p.lines[first_line].words.size());
    c.box = box;
    out_->push_back(std::move(c));
  }

 private:
  const CandidateOptions& options_;
  std::vector<Candidate>* out_;
  std::set<std::tuple<int, int, int, int, int>> seen_;
};

void LineCandidates(const Page& page, int p, int l, FieldType type, const CandidateOptions& options,
                    Collector& out) {
  const Line& line = page.lines[l];
  const int n = static_cast<int>(line.words.size());
  switch (type) {
    case FieldType::kDate:
      for (int first = 0; first < n; ++first) {
        for (int end = first + 1; end <= std::min(n, first + 4); ++end) {
          std::string text = JoinWords(line, first, end);
          std::string_view core = text;
          if (end == first + 1) core = IdCore(core);  // "Date:14/03/2026"
          if (auto date = NormalizeDate(core, options.date_order)) {
            out.Add(p, l, line, first, end, text, *date);
          }
        }
      }
      break;
    case FieldType::kAmount:
      for (int first = 0; first < n; ++first) {
        const std::string& word = line.words[first].text;
        if (word.find('%') != std::string::npos) continue;
        if (auto amount = NormalizeAmount(IdCore(word))) {
          out.Add(p, l, line, first, first + 1, word, *amount);
        }
        // "1 234,56": a 1-3 digit word followed by 3-digit groups.
        if (first + 1 < n && word.size() <= 3 && HasDigit(word)) {
          for (int end = first + 2; end <= std::min(n, first + 3); ++end) {
            std::string text = JoinWords(line, first, end);
            if (auto amount = NormalizeAmount(text); amount && amount->format >= 3) {
              out.Add(p, l, line, first, end, text, *amount);
            }
          }
        }
      }
      break;
    case FieldType::kCurrency:
      for (int i = 0; i < n; ++i) {
        const std::string& word = line.words[i].text;
        if (auto currency = NormalizeCurrency(word)) {
          out.Add(p, l, line, i, i + 1, word, *currency);
        } else if (auto code = CurrencyOfAmountWord(word)) {
          out.Add(p, l, line, i, i + 1, word, Normalized{*code, 3, 0, true});
        }
      }
      break;
    case FieldType::kId:
      for (int i = 0; i < n; ++i) {
        std::string_view core = IdCore(line.words[i].text);
        if (IsIdToken(core)) {
          out.Add(p, l, line, i, i + 1, std::string(core), Normalized{std::string(core), 1});
        }
        // "270818 / 5", "2026 - 0412"
        if (i + 2 < n && (line.words[i + 1].text == "/" || line.words[i + 1].text == "-") &&
            IsIdToken(core) && HasDigit(line.words[i + 2].text)) {
          std::string text = JoinWords(line, i, i + 3);
          out.Add(p, l, line, i, i + 3, text, Normalized{text, 2});
        }
      }
      break;
    case FieldType::kText:
    case FieldType::kOrganisation:
    case FieldType::kAddress: {
      if (n == 0) break;
      out.Add(p, l, line, 0, n, line.Text(), Normalized{CollapseWhitespace(line.Text()), 0});
      for (auto [first, end] : LineSegments(page, line)) {
        std::string text = JoinWords(line, first, end);
        out.Add(p, l, line, first, end, text, Normalized{CollapseWhitespace(text), 1});
        // The value after a label ending with ':' inside the segment.
        for (int i = first; i + 1 < end; ++i) {
          const std::string& w = line.words[i].text;
          if (!w.empty() && w.back() == ':') {
            std::string after = JoinWords(line, i + 1, end);
            out.Add(p, l, line, i + 1, end, after, Normalized{CollapseWhitespace(after), 2});
            break;
          }
        }
      }
      break;
    }
  }
}

}  // namespace

std::vector<std::pair<int, int>> LineSegments(const Page& page, const Line& line, double gap_em) {
  std::vector<std::pair<int, int>> segments;
  const int n = static_cast<int>(line.words.size());
  if (n == 0) return segments;
  const double height_pts = std::max(line.box.height() * page.height, 1e-6);
  int first = 0;
  for (int i = 1; i < n; ++i) {
    const double gap_pts = (line.words[i].box.x0 - line.words[i - 1].box.x1) * page.width;
    if (gap_pts > gap_em * height_pts) {
      segments.emplace_back(first, i);
      first = i;
    }
  }
  segments.emplace_back(first, n);
  if (segments.size() == 1) segments.clear();  // the whole line, already a candidate
  return segments;
}

std::vector<Candidate> GenerateCandidates(const Document& doc, FieldType type,
                                          const CandidateOptions& options) {
  std::vector<Candidate> out;
  Collector collector(options, &out);
  const int max_block = type == FieldType::kAddress ? 5 : type == FieldType::kOrganisation ? 3 : 0;
  for (int p = 0; p < static_cast<int>(doc.pages.size()); ++p) {
    const Page& page = doc.pages[p];
    const int lines = static_cast<int>(page.lines.size());
    for (int l = 0; l < lines; ++l) {
      LineCandidates(page, p, l, type, options, collector);
      for (int count = 2; count <= max_block && l + count <= lines; ++count) {
        collector.AddBlock(p, page, l, count);
      }
    }
  }
  return out;
}

}  // namespace flowline::ai
