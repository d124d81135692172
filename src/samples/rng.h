// A small deterministic random source for the sample generator.
//
// The generator promises "same seed, byte-identical labels" on every platform, so it does not
// use <random>'s distributions (their algorithms are implementation-defined). Rng is SplitMix64:
// fast, well mixed, and fully specified here. Not thread-safe; each document gets its own Rng
// derived from (seed, document index), so documents are independent of one another.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace flowline::samples {

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  // The Rng for document `index` of a batch generated from `seed`.
  static Rng ForDocument(uint64_t seed, uint64_t index) {
    Rng mixer(seed ^ (0x9E3779B97F4A7C15ULL * (index + 1)));
    return Rng(mixer.Next64());
  }

  uint64_t Next64() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next64() >> 11) * 0x1.0p-53; }

  // Uniform integer in [lo, hi] (inclusive). Precondition: lo <= hi.
  int64_t Int(int64_t lo, int64_t hi) {
    uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(Next64() % span);
  }

  // True with probability p.
  bool Chance(double p) { return Uniform() < p; }

  // Uniform in [lo, hi).
  double Real(double lo, double hi) { return lo + (hi - lo) * Uniform(); }

  // An index in [0, n). Precondition: n > 0.
  size_t Index(size_t n) { return static_cast<size_t>(Next64() % n); }

  template <typename T>
  const T& Pick(const std::vector<T>& items) {
    return items[Index(items.size())];
  }

  // A string of `n` decimal digits (leading zeros allowed).
  std::string Digits(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>('0' + Int(0, 9)));
    return out;
  }

  // A string of `n` upper-case letters.
  std::string Letters(int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out.push_back(static_cast<char>('A' + Int(0, 25)));
    return out;
  }

 private:
  uint64_t state_;
};

}  // namespace flowline::samples
