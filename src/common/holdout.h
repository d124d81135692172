// Deterministic shuffles and stratified hold-out splits for training models (the classifier's
// and the score model's), so the same data and seed always give the same split.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <utility>
#include <vector>

namespace flowline::common {

// Fisher-Yates with mt19937_64, whose output the standard fixes (std::shuffle's is not).
template <typename T>
void SeededShuffle(std::vector<T>& items, std::mt19937_64& rng) {
  for (size_t i = items.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng() % i);
    std::swap(items[i - 1], items[j]);
  }
}

// One class's part of a stratified hold-out: shuffles the class's non-empty `indices` and
// appends the `holdout` share of them (rounded, at most all but one, so the class keeps a
// training row) to *held_out and the rest to *train; returns how many were held out.
inline size_t SplitHoldOut(std::vector<size_t>& indices, double holdout, std::mt19937_64& rng,
                           std::vector<size_t>* train, std::vector<size_t>* held_out) {
  SeededShuffle(indices, rng);
  size_t n_held = static_cast<size_t>(std::llround(static_cast<double>(indices.size()) * holdout));
  n_held = std::min(n_held, indices.size() - 1);
  held_out->insert(held_out->end(), indices.begin(), indices.begin() + n_held);
  train->insert(train->end(), indices.begin() + n_held, indices.end());
  return n_held;
}

}  // namespace flowline::common
