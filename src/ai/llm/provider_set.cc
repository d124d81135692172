#include "ai/llm/provider_set.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace flowline::ai::llm {

absl::StatusOr<std::shared_ptr<ProviderSet>> ProviderSet::Load(const std::string& path,
                                                               const common::Clock& clock,
                                                               Sleeper& sleeper) {
  if (path.empty()) return FromConfigs(ProvidersFile{}, clock, sleeper);
  ASSIGN_OR_RETURN(ProvidersFile file, LoadProviders(path));
  return FromConfigs(std::move(file), clock, sleeper);
}

absl::StatusOr<std::shared_ptr<ProviderSet>> ProviderSet::FromConfigs(ProvidersFile file,
                                                                      const common::Clock& clock,
                                                                      Sleeper& sleeper) {
  std::shared_ptr<ProviderSet> set(new ProviderSet());
  set->file_ = std::move(file);
  for (const ProviderConfig& config : set->file_.providers) {
    if (set->entries_.contains(config.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("provider ", config.name, " is configured twice; give each a unique name"));
    }
    absl::StatusOr<std::unique_ptr<ModelProvider>> provider = NewModelProvider(config);
    if (!provider.ok()) {
      return absl::Status(provider.status().code(), absl::StrCat("provider ", config.name, ": ",
                                                                 provider.status().message()));
    }
    set->providers_.push_back(*std::move(provider));
    set->gates_.push_back(
        std::make_unique<ProviderGate>(config.name, config.limits, config.breaker, clock, sleeper));
    const ModelProvider* added = set->providers_.back().get();
    // The provider's own copy of the config: one ProviderConfig per provider for everyone.
    set->entries_.emplace(config.name, Entry{&added->config(), added, set->gates_.back().get()});
  }
  set->secrets_ = SecretSet::FromEnvironment(set->file_.providers);
  return set;
}

const ProviderSet::Entry* ProviderSet::Find(std::string_view name) const {
  auto it = entries_.find(name);
  return it == entries_.end() ? nullptr : &it->second;
}

std::vector<std::string> ProviderSet::Names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const auto& [name, entry] : entries_) names.push_back(name);
  return names;
}

std::map<std::string, ModelPricing> ProviderSet::Prices() const {
  std::map<std::string, ModelPricing> prices;
  for (const ProviderConfig& config : file_.providers) {
    for (const auto& [model, pricing] : config.models) {
      prices.emplace(absl::StrCat(config.name, "/", model), pricing);
    }
  }
  return prices;
}

}  // namespace flowline::ai::llm
