// The API keys flowline holds for model providers, so that they can be cut out of any text that
// leaves a provider call (error messages echo keys: OpenAI's 401 does). Keys are only ever read
// from environment variables named in providers.yaml. Thread-safe after construction (Add is
// not to be called concurrently with the rest).
#pragma once

#include <string>
#include <vector>

#include "ai/llm/provider_config.h"

namespace flowline::ai::llm {

class SecretSet {
 public:
  // The values of every configured api_key_env present now.
  static SecretSet FromEnvironment(const std::vector<ProviderConfig>& providers);
  // Remembers `secret`; ignores values shorter than 8 characters (they would redact ordinary
  // words, and no provider issues keys that short).
  void Add(std::string secret);
  // `text` with every secret replaced by "[redacted]", longest secret first (so a key that
  // contains another is cut out whole).
  std::string Redact(std::string text) const;
  // The key of provider `p`, re-read from its environment variable at call time; "" if unset
  // or when the provider has no api_key_env.
  std::string Key(const ProviderConfig& p) const;

 private:
  std::vector<std::string> secrets_;  // longest first
};

}  // namespace flowline::ai::llm
