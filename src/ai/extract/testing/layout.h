// Hand-laid pages for the extract feature tests: lines of words at given places, and where a
// base feature sits in a candidate's row.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ai/extract/features.h"

namespace flowline::ai::testing {

// A line of words from x = `x` on, at height `y`, each word 0.008 per character wide.
inline Line MakeLine(const std::vector<std::string>& words, double x, double y) {
  Line line;
  for (const std::string& text : words) {
    const double w = 0.008 * static_cast<double>(text.size());
    line.words.push_back(Word{text, Box{x, y, x + w, y + 0.012}, std::nullopt});
    x += w + 0.005;
  }
  line.box = line.words.front().box;
  for (const Word& word : line.words) line.box = line.box.Union(word.box);
  return line;
}

// A US-letter page of these lines.
inline Page MakePage(std::vector<Line> lines) {
  Page page;
  page.width = 612;
  page.height = 792;
  page.lines = std::move(lines);
  return page;
}

// The column of the base feature `name` in BaseFeatures' rows.
inline size_t Column(const std::string& name) {
  const std::vector<std::string> names = BaseFeatureNames();
  return static_cast<size_t>(std::find(names.begin(), names.end(), name) - names.begin());
}

}  // namespace flowline::ai::testing
