#include "ai/extract/span_features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/ascii.h"
#include "ai/extract/features.h"
#include "ai/extract/normalize.h"

namespace flowline::ai {
namespace {

const char* const kNames[kSpanFeatureCount] = {
    "range_position", "range_separator", "range_days",   "range_starts",   "range_ends",
    "row_left_words", "row_left_gap",    "label_before", "label_above",    "column_below",
    "column_above",   "row_right_words", "range_covers", "earliest_start", "latest_end",
};

// 1 a dash, 2 a word; 0 not a range separator.
int SeparatorKind(std::string_view word) {
  if (word == "-" || word == "\u2013" || word == "\u2014" || word == "~") return 1;
  const std::string lower = absl::AsciiStrToLower(std::string(word));
  if (lower == "to" || lower == "thru" || lower == "through" || lower == "bis" || lower == "au" ||
      lower == "until" || lower == "till" || lower == "tot") {
    return 2;
  }
  return 0;
}

// Days since 1970-01-01 of an ISO date (the civil-from-days inverse, proleptic Gregorian).
std::optional<long> DaysOf(std::string_view iso) {
  if (iso.size() != 10) return std::nullopt;
  const int y0 = std::atoi(std::string(iso.substr(0, 4)).c_str());
  const unsigned m = static_cast<unsigned>(std::atoi(std::string(iso.substr(5, 2)).c_str()));
  const unsigned d = static_cast<unsigned>(std::atoi(std::string(iso.substr(8, 2)).c_str()));
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  const int y = y0 - (m <= 2 ? 1 : 0);
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<long>(era) * 146097 + static_cast<long>(doe) - 719468;
}

bool SameRow(const Box& a, const Box& b) {
  const double ca = (a.y0 + a.y1) / 2, cb = (b.y0 + b.y1) / 2;
  return (ca >= b.y0 && ca <= b.y1) || (cb >= a.y0 && cb <= a.y1);
}

bool EndsLikeLabel(std::string_view word) {
  return !word.empty() && (word.back() == ':' || word.back() == '#');
}

bool LabelOnly(const Line& line) {
  if (line.words.empty() || line.words.size() > 5) return false;
  for (const Word& w : line.words) {
    for (char c : w.text) {
      if (c >= '0' && c <= '9') return false;
    }
  }
  return !LabelTokens(line.Text()).empty();
}

// The words left of `box` on its row from lines other than `own`, nearest first.
std::vector<const Word*> RowLeftWords(const Page& page, int own, const Box& box) {
  std::vector<std::pair<double, const Word*>> found;
  for (int l = 0; l < static_cast<int>(page.lines.size()); ++l) {
    if (l == own || !SameRow(page.lines[l].box, box)) continue;
    for (const Word& w : page.lines[l].words) {
      if (w.box.x1 <= box.x0 + 1e-4 && SameRow(w.box, box))
        found.emplace_back(box.x0 - w.box.x1, &w);
    }
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Word*> words;
  for (const auto& [gap, w] : found) words.push_back(w);
  return words;
}

int RowRightWords(const Page& page, int own, const Box& box) {
  int n = 0;
  for (int l = 0; l < static_cast<int>(page.lines.size()); ++l) {
    if (l == own || !SameRow(page.lines[l].box, box)) continue;
    for (const Word& w : page.lines[l].words) n += w.box.x0 >= box.x1 - 1e-4 ? 1 : 0;
  }
  return n;
}

}  // namespace

std::vector<std::string> SpanFeatureNames() {
  return std::vector<std::string>(kNames, kNames + kSpanFeatureCount);
}

std::vector<std::string> RowLeftTokens(const Document& doc, const Candidate& candidate,
                                       size_t limit) {
  std::vector<std::string> tokens;
  const Page& page = doc.pages[candidate.page];
  for (const Word* w : RowLeftWords(page, candidate.line, candidate.box)) {
    std::vector<std::string> t = LabelTokens(w->text);
    for (auto it = t.rbegin(); it != t.rend() && tokens.size() < limit; ++it) tokens.push_back(*it);
    if (tokens.size() >= limit) break;
  }
  return tokens;
}

void SpanFeatures(const Document& doc, FieldType type, const std::vector<Candidate>& candidates,
                  size_t stride, size_t offset, float* rows) {
  const size_t n = candidates.size();
  // Date ranges: a date followed by a separator word and another date in the same line (or by
  // another date directly), or one word holding both (Candidate::part).
  std::vector<int> position(n, 0), separator(n, 0);
  std::vector<float> days(n, -1.0f);
  std::vector<std::pair<long, long>> range_of(n, {0, -1});  // first, last day; none if last < first
  if (type == FieldType::kDate) {
    std::map<std::tuple<int, int, int>, std::vector<size_t>> starting;  // page, line, first word
    for (size_t i = 0; i < n; ++i) {
      const Candidate& c = candidates[i];
      if (c.part == 0) starting[{c.page, c.line, c.first_word}].push_back(i);
    }
    auto mark = [&](size_t a, size_t b, int kind) {
      const auto da = DaysOf(candidates[a].norm.value), db = DaysOf(candidates[b].norm.value);
      if (!da || !db || *db < *da) return;  // a range runs forward
      const float span = static_cast<float>(std::log1p(static_cast<double>(*db - *da)));
      for (auto [i, pos] : {std::pair{a, 1}, std::pair{b, 2}}) {
        if (position[i] == 0 || separator[i] == 3) {
          position[i] = pos;
          separator[i] = kind;
          days[i] = span;
          range_of[i] = {*da, *db};
        }
      }
    };
    for (size_t i = 0; i < n; ++i) {
      const Candidate& c = candidates[i];
      if (c.part == 1) {
        for (size_t j = i + 1; j < n && j <= i + 2; ++j) {
          if (candidates[j].part == 2 && candidates[j].first_word == c.first_word &&
              candidates[j].line == c.line && candidates[j].page == c.page) {
            mark(i, j, 4);
          }
        }
        continue;
      }
      if (c.part != 0) continue;
      const Line& line = doc.pages[c.page].lines[c.line];
      const int words = static_cast<int>(line.words.size());
      if (c.end_word + 1 < words) {
        const int kind = SeparatorKind(line.words[c.end_word].text);
        auto it = starting.find({c.page, c.line, c.end_word + 1});
        if (kind > 0 && it != starting.end()) {
          for (size_t j : it->second) mark(i, j, kind);
        }
      }
      if (c.end_word < words) {
        auto it = starting.find({c.page, c.line, c.end_word});
        if (it != starting.end()) {
          for (size_t j : it->second) mark(i, j, 3);
        }
      }
    }
  }
  // The flight of an order spans the weeks of its lines: how many of the document's ranges lie
  // inside a candidate's range, and whether it is the earliest start / latest end of them all.
  std::set<std::pair<long, long>> ranges;
  for (size_t i = 0; i < n; ++i) {
    if (range_of[i].second >= range_of[i].first) ranges.insert(range_of[i]);
  }
  long earliest = 0, latest = 0;
  if (!ranges.empty()) {
    earliest = ranges.begin()->first;
    latest = ranges.begin()->second;
  }
  for (const auto& [from, to] : ranges) {
    earliest = std::min(earliest, from);
    latest = std::max(latest, to);
  }
  std::map<std::string, std::pair<int, int>> range_counts;  // value: starts, ends
  for (size_t i = 0; i < n; ++i) {
    if (position[i] == 1) ++range_counts[candidates[i].norm.value].first;
    if (position[i] == 2) ++range_counts[candidates[i].norm.value].second;
  }

  // Amounts in the same column: boxes overlapping horizontally, on the same page.
  std::vector<int> below(n, 0), above(n, 0);
  if (type == FieldType::kAmount && n <= 3000) {
    for (size_t i = 0; i < n; ++i) {
      const Box& a = candidates[i].box;
      for (size_t j = 0; j < n; ++j) {
        const Box& b = candidates[j].box;
        if (i == j || candidates[i].page != candidates[j].page) continue;
        if (b.x1 < a.x0 || b.x0 > a.x1) continue;
        if (b.y0 >= a.y1) ++below[i];
        if (b.y1 <= a.y0) ++above[i];
      }
    }
  }

  for (size_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    const Page& page = doc.pages[c.page];
    const Line& line = page.lines[c.line];
    float* f = rows + i * stride + offset;
    f[0] = static_cast<float>(position[i]);
    f[1] = static_cast<float>(separator[i]);
    f[2] = days[i];
    const auto rc = range_counts.find(c.norm.value);
    f[3] = rc == range_counts.end() ? 0.0f : static_cast<float>(std::min(rc->second.first, 50));
    f[4] = rc == range_counts.end() ? 0.0f : static_cast<float>(std::min(rc->second.second, 50));
    const std::vector<const Word*> left = RowLeftWords(page, c.line, c.box);
    f[5] = static_cast<float>(std::min<size_t>(left.size(), 20));
    const Word* nearest = c.first_word > 0 ? &line.words[c.first_word - 1] : nullptr;
    if (!left.empty() && (nearest == nullptr || left.front()->box.x1 > nearest->box.x1)) {
      nearest = left.front();
    }
    f[6] = nearest != nullptr ? static_cast<float>(c.box.x0 - nearest->box.x1) : -1.0f;
    f[7] = nearest != nullptr && EndsLikeLabel(nearest->text);
    for (int l = c.line - 1; l >= 0 && l >= c.line - 6; --l) {
      const Line& up = page.lines[l];
      if (up.box.y1 > c.box.y0 + 0.25 * line.box.height()) continue;  // same row
      if (c.box.y0 - up.box.y1 > 2 * line.box.height()) break;
      if (up.box.x0 > c.box.x0 + 0.02 || up.box.x1 < c.box.x0) continue;  // not over its start
      f[8] = LabelOnly(up);
      break;
    }
    f[9] = static_cast<float>(std::min(below[i], 50));
    f[10] = static_cast<float>(std::min(above[i], 50));
    if (range_of[i].second >= range_of[i].first) {
      int inside = 0;
      for (const auto& [from, to] : ranges) {
        inside += from >= range_of[i].first && to <= range_of[i].second ? 1 : 0;
      }
      f[12] = static_cast<float>(inside) / static_cast<float>(ranges.size());
      f[13] = position[i] == 1 && range_of[i].first == earliest;
      f[14] = position[i] == 2 && range_of[i].second == latest;
    }
    f[11] = static_cast<float>(std::min<int>(
        static_cast<int>(line.words.size()) - c.end_word + RowRightWords(page, c.line, c.box), 50));
  }
}

}  // namespace flowline::ai
