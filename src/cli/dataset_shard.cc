#include "cli/dataset_shard.h"

#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace flowline::cli {
namespace {

// Shards are drawn with a seed apart from the split's, so a shard of the train part is a random
// half of it, not a band of the same hash.
constexpr uint64_t kShardSalt = 1000003;

}  // namespace

absl::StatusOr<Shard> ParseShard(const std::string& text) {
  if (text.empty()) return Shard{};
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  Shard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count) || shard.count < 1 || shard.index < 1 ||
      shard.index > shard.count) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard '", text, "' is not K/N with 1 <= K <= N, e.g. 1/2"));
  }
  return shard;
}

quality::Dataset SelectShard(quality::Dataset dataset, const Shard& shard, uint64_t seed) {
  if (shard.count == 1) return dataset;
  const double low = static_cast<double>(shard.index - 1) / shard.count;
  const double high = static_cast<double>(shard.index) / shard.count;
  std::vector<quality::LabelledDocument> kept;
  for (quality::LabelledDocument& doc : dataset.documents) {
    const uint64_t salted = seed + kShardSalt;
    if (quality::InTestPart(doc.id, high, salted) && !quality::InTestPart(doc.id, low, salted)) {
      kept.push_back(std::move(doc));
    }
  }
  dataset.documents = std::move(kept);
  return dataset;
}

}  // namespace flowline::cli
