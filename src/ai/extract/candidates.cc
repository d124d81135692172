#include "ai/extract/candidates.h"

#include <cmath>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "ai/extract/ocr_id.h"

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

  // `part` > 0: another reading of a span that is a candidate already (Candidate::part).
  void Add(int page, int line_index, const Line& line, int first, int end, std::string text,
           Normalized norm, int part = 0) {
    if (Full() || !seen_.insert({page, line_index, first, end, part > 0 ? -part : 1}).second) {
      return;
    }
    Candidate c;
    c.part = part;
    c.text = std::move(text);
    c.norm = std::move(norm);
    c.page = page;
    c.line = line_index;
    c.first_word = first;
    c.end_word = end;
    c.box = SpanBox(line, first, end);
    out_->push_back(std::move(c));
  }

  // Words [first, end) of `line` continued by the whole of `next` (a name wrapped onto a second
  // line): part 4 of the span.
  void AddContinued(int page, int line_index, const Line& line, int first, int end,
                    const Line& next) {
    if (Full() || !seen_.insert({page, line_index, first, end, -4}).second) return;
    Candidate c;
    c.text = JoinWords(line, first, end) + " " + next.Text();
    c.norm = Normalized{CollapseWhitespace(c.text), 14};
    c.page = page;
    c.line = line_index;
    c.line_count = 2;
    c.first_word = first;
    c.end_word = end;
    c.part = 4;
    c.box = SpanBox(line, first, end).Union(next.box);
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

// A range printed as one word ("05/08/20-05/12/20", "3/2/2020-3/8/2020"): each half that parses
// as a date is a candidate of its own (part 1, 2), so a flight's start and end can both be read.
void RangeWordCandidates(int p, int l, const Line& line, int w, const CandidateOptions& options,
                         Collector& out) {
  const std::string& word = line.words[w].text;
  if (word.size() < 13) return;
  for (size_t dash = word.find('-'); dash != std::string::npos; dash = word.find('-', dash + 1)) {
    const std::string_view whole = word;
    auto from = NormalizeDate(IdCore(whole.substr(0, dash)), options.date_order);
    auto to = NormalizeDate(IdCore(whole.substr(dash + 1)), options.date_order);
    if (!from || !to) continue;
    out.Add(p, l, line, w, w + 1, std::string(whole.substr(0, dash)), *from, 1);
    out.Add(p, l, line, w, w + 1, std::string(whole.substr(dash + 1)), *to, 2);
    return;
  }
}

bool LowerCaseLetters(std::string_view word) {
  for (char c : word) {
    if (absl::ascii_islower(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

// A word that is only a label: letters (any script), optionally ending with ':', '#' or '.'.
// An all-capitals word without that ending is more likely part of a name ("TEO HENG STATIONERY").
bool IsLabelWord(std::string_view word) {
  const bool marked = !word.empty() && (word.back() == ':' || word.back() == '#');
  while (!word.empty() && (word.back() == ':' || word.back() == '#' || word.back() == '.')) {
    word.remove_suffix(1);
  }
  if (word.size() < 2) return false;
  bool lower = false;
  for (char c : word) {
    const auto u = static_cast<unsigned char>(c);
    if (!absl::ascii_isalpha(u) && u < 0x80) return false;
    lower = lower || absl::ascii_islower(u);
  }
  return marked || lower;
}

// A trailing account number in parentheses ("(34122)", "Co(134550)"), also a company
// registration number with its check letter ("(126926-H)"): where it starts in `text`, or npos.
size_t TrailingNumberInParens(std::string_view text) {
  if (text.size() < 4 || text.back() != ')') return std::string_view::npos;
  const size_t open = text.rfind('(');
  if (open == std::string_view::npos || open == 0 || open + 2 >= text.size()) {
    return std::string_view::npos;
  }
  size_t digits_end = text.size() - 1;
  if (digits_end >= open + 4 && text[digits_end - 2] == '-' &&
      absl::ascii_isalpha(static_cast<unsigned char>(text[digits_end - 1]))) {
    digits_end -= 2;
  }
  for (size_t i = open + 1; i < digits_end; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::string_view::npos;
  }
  return open;
}

// A short line right below words starting at `x0`, left-aligned with them: where a name that
// did not fit goes on ("Advertiser: Congressional" / "Leadership Fund"); null if none.
const Line* Continuation(const Page& page, int l, double x0) {
  const Line& line = page.lines[l];
  const double height = std::max(line.box.height(), 1e-4);
  for (int k = l + 1; k < static_cast<int>(page.lines.size()) && k <= l + 4; ++k) {
    const Line& next = page.lines[k];
    if (next.words.empty() || next.box.y0 < line.box.y1 - 0.25 * height) continue;  // same row
    if (next.box.y0 - line.box.y1 > height) return nullptr;
    if (std::abs(next.box.x0 - x0) > 0.015) continue;
    if (next.words.size() > 4 || next.Text().find(':') != std::string::npos) return nullptr;
    return &next;
  }
  return nullptr;
}

// Organisation names inside a segment [first, end): the part after 1-3 leading label words
// ("Advertiser Bernie 2020", "Name: Majority Forward"), without trailing label words of the next
// column ("POL/Jaime Harrison/US Senate/SC/Dem Invoice #"), without a trailing "(12345)", and
// continued by a short left-aligned line below. Formats: 10 label words cut, 11 the number cut,
// 12 both, 13 trailing label cut, 14 continued.
void NameCandidates(const Page& page, int p, int l, int first, int end, Collector& out) {
  const Line& line = page.lines[l];
  auto add = [&](int from, int format, int cut_format) {
    std::string text = JoinWords(line, from, end);
    out.Add(p, l, line, from, end, text, Normalized{CollapseWhitespace(text), format});
    if (const Line* next = Continuation(page, l, line.words[from].box.x0)) {
      out.AddContinued(p, l, line, from, end, *next);
    }
    const size_t cut = TrailingNumberInParens(text);
    if (cut == std::string::npos) return;
    std::string shorter = CollapseWhitespace(std::string_view(text).substr(0, cut));
    // The same span as `text`: its own key as part 3.
    if (!shorter.empty())
      out.Add(p, l, line, from, end, shorter, Normalized{shorter, cut_format}, 3);
  };
  // Trailing label words: a last word ending with '#' or ':' and one label word before it.
  int trimmed = end;
  const std::string& last = line.words[end - 1].text;
  if (end - first >= 3 && !last.empty() && (last.back() == '#' || last.back() == ':')) {
    trimmed = end - 1;
    if (IsLabelWord(line.words[trimmed - 1].text) && trimmed - first >= 2) --trimmed;
  }
  auto trim = [&](int from) {
    if (trimmed < end && trimmed > from) {
      std::string text = JoinWords(line, from, trimmed);
      out.Add(p, l, line, from, trimmed, text, Normalized{CollapseWhitespace(text), 13});
    }
  };
  add(first, 1, 11);  // the segment itself is a candidate already; its other forms are new
  trim(first);
  for (int k = first + 1; k < end && k <= first + 3; ++k) {
    if (!IsLabelWord(line.words[k - 1].text)) break;
    add(k, 10, 12);
    trim(k);
  }
}

void LineCandidates(const Page& page, int p, int l, FieldType type, const CandidateOptions& options,
                    const std::vector<std::regex>& id_patterns, Collector& out) {
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
        RangeWordCandidates(p, l, line, first, options, out);
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
          // An ISO code is printed in capitals; "Try" or "try" is an English word.
          if (currency->format == 1 && LowerCaseLetters(word)) continue;
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
          // Only OCR misreads look-alikes; a text layer's id is exact.
          std::string value =
              line.words[i].confidence ? RepairOcrId(core, id_patterns) : std::string(core);
          out.Add(p, l, line, i, i + 1, std::string(core), Normalized{std::move(value), 1});
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
      std::vector<std::pair<int, int>> segments = LineSegments(page, line);
      if (segments.empty()) segments.emplace_back(0, n);  // one segment: the whole line
      for (auto [first, end] : segments) {
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
        if (type == FieldType::kOrganisation) NameCandidates(page, p, l, first, end, out);
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
  const std::vector<std::regex> id_patterns =
      type == FieldType::kId ? CompileIdPatterns(options.patterns) : std::vector<std::regex>();
  for (int p = 0; p < static_cast<int>(doc.pages.size()); ++p) {
    const Page& page = doc.pages[p];
    const int lines = static_cast<int>(page.lines.size());
    for (int l = 0; l < lines; ++l) {
      LineCandidates(page, p, l, type, options, id_patterns, collector);
      for (int count = 2; count <= max_block && l + count <= lines; ++count) {
        collector.AddBlock(p, page, l, count);
      }
    }
  }
  return out;
}

}  // namespace flowline::ai
