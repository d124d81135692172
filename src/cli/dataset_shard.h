// `--shard K/N`: the K-th of N deterministic parts of a dataset's documents (by id, independent of
// the train/validation/test split), so a part of a split can be split again — the documents a
// model is first trained on and the "production" ones a simulated reviewer corrects
// (scripts/retraining.sh, docs/accuracy.md).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "quality/dataset.h"

namespace flowline::cli {

struct Shard {
  int index = 1;  // 1..count
  int count = 1;  // 1: everything
};

// "K/N" with 1 <= K <= N; InvalidArgument (saying the form) otherwise. "" is 1/1.
absl::StatusOr<Shard> ParseShard(const std::string& text);

// `dataset` with only the documents of `shard` (by SHA-256 of the id with a seed of its own).
quality::Dataset SelectShard(quality::Dataset dataset, const Shard& shard, uint64_t seed);

}  // namespace flowline::cli
