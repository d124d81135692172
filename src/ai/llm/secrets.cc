#include "ai/llm/secrets.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace flowline::ai::llm {
namespace {

constexpr size_t kShortestSecret = 8;
constexpr std::string_view kRedacted = "[redacted]";

}  // namespace

SecretSet SecretSet::FromEnvironment(const std::vector<ProviderConfig>& providers) {
  SecretSet set;
  for (const ProviderConfig& provider : providers) set.Add(set.Key(provider));
  return set;
}

void SecretSet::Add(std::string secret) {
  if (secret.size() < kShortestSecret) return;
  if (std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
  secrets_.push_back(std::move(secret));
  std::stable_sort(secrets_.begin(), secrets_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string SecretSet::Redact(std::string text) const {
  for (const std::string& secret : secrets_) {
    size_t pos = 0;
    while ((pos = text.find(secret, pos)) != std::string::npos) {
      text.replace(pos, secret.size(), kRedacted);
      pos += kRedacted.size();
    }
  }
  return text;
}

std::string SecretSet::Key(const ProviderConfig& p) const {
  if (p.api_key_env.empty()) return "";
  const char* value = std::getenv(p.api_key_env.c_str());
  return value == nullptr ? "" : value;
}

}  // namespace flowline::ai::llm
