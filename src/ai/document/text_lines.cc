#include "ai/document/text_lines.h"

#include <algorithm>
#include <utility>

namespace flowline::ai {
namespace {

constexpr double kMinRowOverlap = 0.5;  // of the smaller height
constexpr double kColumnGap = 2.0;      // in text heights
constexpr double kJoinGap = 0.15;       // in text heights: pieces of one word

double VerticalOverlap(const Box& a, const Box& b) {
  return std::min(a.y1, b.y1) - std::max(a.y0, b.y0);
}

bool SameRow(const Box& a, const Box& b) {
  const double smaller = std::min(a.height(), b.height());
  if (smaller <= 0) return a.y0 == b.y0;
  return VerticalOverlap(a, b) >= kMinRowOverlap * smaller;
}

// Joins the pieces of one word drawn separately, keeping the PDF's order otherwise.
std::vector<PlacedWord> JoinPieces(std::vector<PlacedWord> words) {
  std::vector<PlacedWord> joined;
  for (PlacedWord& word : words) {
    if (!joined.empty()) {
      PlacedWord& last = joined.back();
      const double gap = word.box.x0 - last.box.x1;
      const double height = std::max(last.box.height(), word.box.height());
      if (!last.space_after && SameRow(last.box, word.box) && gap > -kJoinGap * height &&
          gap < kJoinGap * height) {
        last.text += word.text;
        last.box = last.box.Union(word.box);
        last.space_after = word.space_after;
        continue;
      }
    }
    joined.push_back(std::move(word));
  }
  return joined;
}

struct Row {
  Box band;  // the first word's box: what later words must overlap
  Box box;   // all words
  std::vector<PlacedWord> words;
};

Box Normalised(const Box& box, double width, double height) {
  auto clamp = [](double v) { return std::clamp(v, 0.0, 1.0); };
  return Box{clamp(box.x0 / width), clamp(box.y0 / height), clamp(box.x1 / width),
             clamp(box.y1 / height)};
}

double MedianHeight(const std::vector<PlacedWord>& words) {
  std::vector<double> heights;
  for (const PlacedWord& w : words) heights.push_back(w.box.height());
  std::nth_element(heights.begin(), heights.begin() + heights.size() / 2, heights.end());
  return heights[heights.size() / 2];
}

}  // namespace

std::vector<Line> GroupIntoLines(std::vector<PlacedWord> words, double width, double height) {
  std::vector<Line> lines;
  if (width <= 0 || height <= 0) return lines;
  words.erase(std::remove_if(words.begin(), words.end(),
                             [](const PlacedWord& w) {
                               return w.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
                             }),
              words.end());
  words = JoinPieces(std::move(words));
  std::stable_sort(words.begin(), words.end(),
                   [](const PlacedWord& a, const PlacedWord& b) { return a.box.y0 < b.box.y0; });

  std::vector<Row> rows;
  for (PlacedWord& word : words) {
    Row* best = nullptr;
    double best_overlap = 0;
    for (Row& row : rows) {
      if (!SameRow(row.band, word.box)) continue;
      const double overlap = VerticalOverlap(row.band, word.box);
      if (best == nullptr || overlap > best_overlap) {
        best = &row;
        best_overlap = overlap;
      }
    }
    if (best == nullptr) {
      rows.push_back(Row{word.box, word.box, {}});
      best = &rows.back();
    }
    best->box = best->box.Union(word.box);
    best->words.push_back(std::move(word));
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.box.y0 < b.box.y0; });

  for (Row& row : rows) {
    std::stable_sort(row.words.begin(), row.words.end(),
                     [](const PlacedWord& a, const PlacedWord& b) { return a.box.x0 < b.box.x0; });
    const double gap_limit = kColumnGap * MedianHeight(row.words);
    Line line;
    double previous_x1 = 0;
    for (PlacedWord& word : row.words) {
      if (!line.words.empty() && word.box.x0 - previous_x1 > gap_limit) {
        lines.push_back(std::move(line));
        line = Line();
      }
      previous_x1 = line.words.empty() ? word.box.x1 : std::max(previous_x1, word.box.x1);
      const Box box = Normalised(word.box, width, height);
      line.box = line.words.empty() ? box : line.box.Union(box);
      line.words.push_back(Word{std::move(word.text), box, std::nullopt});
    }
    if (!line.words.empty()) lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace flowline::ai
