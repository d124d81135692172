// The configured model providers of a workspace (providers.yaml, --providers): each one's
// config, its ModelProvider (the wire protocol) and its ProviderGate (breaker and limits), the
// API keys found in the environment (for redaction), and the prices the measures use.
//
// Loaded once at start-up and shared by every llm step of the program (serve, run, replay,
// eval), so limits and the breaker hold across all of them. Immutable after loading;
// thread-safe (the gates are).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "ai/llm/model_provider.h"
#include "ai/llm/provider_config.h"
#include "ai/llm/provider_gate.h"
#include "ai/llm/secrets.h"
#include "common/clock.h"

namespace flowline::ai::llm {

class ProviderSet {
 public:
  // Reads providers.yaml at `path` ("" → a set with no providers). The file's errors name
  // file:line:column (LoadProviders); a provider whose config its protocol rejects is
  // InvalidArgument naming it. `clock` (the gates' clock) and `sleeper` must outlive the set.
  static absl::StatusOr<std::shared_ptr<ProviderSet>> Load(const std::string& path,
                                                           const common::Clock& clock,
                                                           Sleeper& sleeper);
  // The same from parsed configs (tests).
  static absl::StatusOr<std::shared_ptr<ProviderSet>> FromConfigs(ProvidersFile file,
                                                                  const common::Clock& clock,
                                                                  Sleeper& sleeper);

  struct Entry {
    const ProviderConfig* config;
    const ModelProvider* provider;
    ProviderGate* gate;
  };
  // The provider called `name`, or null.
  const Entry* Find(std::string_view name) const;
  // The configured names, sorted.
  std::vector<std::string> Names() const;
  const SecretSet& secrets() const { return secrets_; }
  // The currency of the prices ("" when providers.yaml names none).
  const std::string& currency() const { return file_.currency; }
  // Every configured model's price under the label measures use, "<provider>/<model>"
  // ("openai/gpt-4o-mini"), for cli to merge into its PriceTable.
  std::map<std::string, ModelPricing> Prices() const;

 private:
  ProviderSet() = default;

  ProvidersFile file_;  // as loaded: the currency and the prices
  std::vector<std::unique_ptr<ModelProvider>> providers_;
  std::vector<std::unique_ptr<ProviderGate>> gates_;
  std::map<std::string, Entry, std::less<>> entries_;
  SecretSet secrets_;
};

}  // namespace flowline::ai::llm
