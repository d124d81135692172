#include "ai/extract/agreement_features.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <utility>

#include "ai/extract/normalize.h"

namespace flowline::ai {
namespace {

const char* const kNames[kAgreementFeatureCount] = {
    "value_page_share", "value_same_place", "value_first_rank", "value_first_share", "column_sum",
};

// Two boxes at about the same place on their pages (a header printed on every page moves a
// little with the page's margins).
bool SamePlace(const Box& a, const Box& b) {
  constexpr double kTolerance = 0.02;
  return std::abs(a.x0 - b.x0) < kTolerance && std::abs(a.y0 - b.y0) < kTolerance;
}

// For each candidate: its amount equals the running sum of two or more amounts right above it in
// its column, nearest first. Only candidates that are one amount each (not a range's half) count.
std::vector<char> ColumnSums(const std::vector<Candidate>& candidates,
                             const std::vector<long long>& cents) {
  const size_t n = candidates.size();
  std::vector<char> sum(n, 0);
  if (n > 3000) return sum;
  for (size_t i = 0; i < n; ++i) {
    const Box& a = candidates[i].box;
    if (cents[i] <= 0) continue;
    std::vector<std::pair<double, size_t>> above;  // distance up, candidate
    for (size_t j = 0; j < n; ++j) {
      const Box& b = candidates[j].box;
      if (j == i || candidates[j].page != candidates[i].page) continue;
      if (b.x1 < a.x0 || b.x0 > a.x1 || b.y1 > a.y0 + 1e-4) continue;
      above.emplace_back(a.y0 - b.y1, j);
    }
    std::sort(above.begin(), above.end());
    long long running = 0;
    int addends = 0;
    double last_y = -1;
    for (const auto& [gap, j] : above) {
      // The same row read twice (a word and a space-grouped run) is one addend.
      if (last_y >= 0 && std::abs(candidates[j].box.y0 - last_y) < 1e-4) continue;
      last_y = candidates[j].box.y0;
      running += cents[j];
      ++addends;
      if (running > cents[i]) break;
      if (addends >= 2 && running == cents[i]) {
        sum[i] = 1;
        break;
      }
    }
  }
  return sum;
}

}  // namespace

std::vector<std::string> AgreementFeatureNames() {
  return std::vector<std::string>(kNames, kNames + kAgreementFeatureCount);
}

void AgreementFeatures(const Document& doc, FieldType type,
                       const std::vector<Candidate>& candidates, size_t stride, size_t offset,
                       float* rows) {
  const size_t n = candidates.size();
  const int pages = std::max<int>(1, static_cast<int>(doc.pages.size()));
  std::vector<std::string> keys(n);
  std::map<std::string, std::set<int>> pages_of;
  std::map<std::string, int> first_rank;
  for (size_t i = 0; i < n; ++i) {
    keys[i] = MatchKey(type, candidates[i].norm.value);
    pages_of[keys[i]].insert(candidates[i].page);
    // Candidates come in reading order (candidates.h), so the first one seen is printed first.
    first_rank.emplace(keys[i], static_cast<int>(first_rank.size()));
  }
  std::vector<long long> cents(n, 0);
  std::vector<char> column_sum(n, 0);
  if (type == FieldType::kAmount) {
    for (size_t i = 0; i < n; ++i) {
      cents[i] = std::llround(std::strtod(candidates[i].norm.value.c_str(), nullptr) * 100);
    }
    column_sum = ColumnSums(candidates, cents);
  }
  // Per value, per page: where it is printed (to find the same place on other pages).
  std::map<std::string, std::vector<size_t>> by_key;
  for (size_t i = 0; i < n; ++i) by_key[keys[i]].push_back(i);
  const float distinct = static_cast<float>(std::max<size_t>(first_rank.size(), 1));
  for (size_t i = 0; i < n; ++i) {
    float* f = rows + i * stride + offset;
    f[0] = static_cast<float>(pages_of[keys[i]].size()) / static_cast<float>(pages);
    if (pages > 1) {
      std::set<int> same;
      for (size_t j : by_key[keys[i]]) {
        if (candidates[j].page != candidates[i].page &&
            SamePlace(candidates[j].box, candidates[i].box)) {
          same.insert(candidates[j].page);
        }
      }
      f[1] = static_cast<float>(same.size()) / static_cast<float>(pages - 1);
    }
    const int rank = first_rank[keys[i]];
    f[2] = static_cast<float>(std::min(rank, 20));
    f[3] = static_cast<float>(rank) / distinct;
    f[4] = column_sum[i];
  }
}

}  // namespace flowline::ai
