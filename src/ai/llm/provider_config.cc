#include "ai/llm/provider_config.h"

#include <cstdlib>

#include "absl/status/status.h"

namespace flowline::ai::llm {

std::string_view ProtocolName(ProviderConfig::Protocol protocol) {
  switch (protocol) {
    case ProviderConfig::Protocol::kOpenAi:
      return "openai";
    case ProviderConfig::Protocol::kAnthropic:
      return "anthropic";
    case ProviderConfig::Protocol::kOllama:
      return "ollama";
  }
  return "openai";
}

}  // namespace flowline::ai::llm
