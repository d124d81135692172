// The llm step's response cache: a provider's answer to one exact request, kept so that a
// replay, an evaluation or a re-run asks nothing and pays nothing, and gets the same answer.
//
// The key (CacheKey) is a SHA-256 over everything that shapes the answer — provider, protocol,
// base URL, model, system prompt, messages, output schema, structured-output mode, temperature,
// seed, max_tokens, logprobs and the sample index — and never a key or a header. The value is
// ModelResponse::ToJson(). Every parsed answer is cached, valid or not (a replay must meet the
// same invalid answer and take the same schema retry); errors are never cached.
//
// Two implementations: in memory (tests, and when no cache file is wanted) and an SQLite file
// of its own (--llm-cache, default <store>.llm-cache; docs/design/llm.md says why not the
// store). Both are thread-safe; the first Put of a key wins, so concurrent identical calls
// converge on one answer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ai/llm/model_provider.h"

namespace flowline::ai::llm {

class ResponseCache {
 public:
  virtual ~ResponseCache() = default;
  // The answer stored under `key`, or nullopt; a hit is counted. Internal / DataLoss for a
  // cache that cannot be read or holds an unreadable entry.
  virtual absl::StatusOr<std::optional<ModelResponse>> Get(std::string_view key) = 0;
  // Stores `response` under `key` unless the key is already there (first answer wins).
  virtual absl::Status Put(std::string_view key, std::string_view provider, std::string_view model,
                           const ModelResponse& response, absl::Time now) = 0;
};

// The cache file at `path`, created (with its table, WAL mode) if missing. Internal naming the
// file when it cannot be opened or is not a cache.
absl::StatusOr<std::unique_ptr<ResponseCache>> OpenSqliteResponseCache(const std::string& path);
std::unique_ptr<ResponseCache> NewMemoryResponseCache();

// The cache key of sample `sample` of `request` to `provider` (lower-case hex SHA-256).
std::string CacheKey(const ProviderConfig& provider, const ModelRequest& request, int sample);

}  // namespace flowline::ai::llm
