#include "ai/llm/provider_gate.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/llm/model_provider.h"

namespace flowline::ai::llm {
namespace {

class RealSleeper final : public Sleeper {
 public:
  void SleepUntil(const common::Clock& clock, absl::Time until) override {
    const absl::Duration left = until - clock.Now();
    if (left > absl::ZeroDuration()) absl::SleepFor(left);
  }
};

}  // namespace

Sleeper& SystemSleeper() {
  static RealSleeper* sleeper = new RealSleeper();
  return *sleeper;
}

void FakeSleeper::SleepUntil(const common::Clock& /*clock*/, absl::Time until) {
  // Threads sleeping at once each move the clock to their own `until`, never back.
  std::lock_guard<std::mutex> lock(mu_);
  if (clock_.Now() < until) clock_.Set(until);
}

ProviderGate::ProviderGate(std::string provider, ProviderLimits limits, BreakerOptions breaker,
                           const common::Clock& clock, Sleeper& sleeper)
    : provider_(std::move(provider)),
      limits_(limits),
      clock_(clock),
      sleeper_(sleeper),
      breaker_(breaker, provider_),
      limiter_(limits) {}

ProviderGate::Permit::Permit(Permit&& other) noexcept
    : gate_(std::exchange(other.gate_, nullptr)),
      started_(other.started_),
      estimated_(other.estimated_),
      probe_(other.probe_) {}

ProviderGate::Permit& ProviderGate::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    this->~Permit();
    gate_ = std::exchange(other.gate_, nullptr);
    started_ = other.started_;
    estimated_ = other.estimated_;
    probe_ = other.probe_;
  }
  return *this;
}

ProviderGate::Permit::~Permit() {
  if (gate_ == nullptr) return;
  // Never sent: the breaker has nothing to learn, but a probe must be handed on.
  if (probe_) gate_->breaker_.Abandon();
  gate_->limiter_.Correct(started_, estimated_, 0);
  gate_->ReleaseSlot();
}

void ProviderGate::Permit::Finish(const absl::Status& outcome, int64_t actual_tokens) {
  if (gate_ == nullptr) return;
  ProviderGate* gate = std::exchange(gate_, nullptr);
  (void)outcome;  // interim: the breaker is not consulted yet
  gate->limiter_.Correct(started_, estimated_, actual_tokens);
  gate->ReleaseSlot();
}

void ProviderGate::ReleaseSlot() {
  if (limits_.concurrency <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
  }
  slot_freed_.notify_one();
}

absl::StatusOr<ProviderGate::Permit> ProviderGate::Admit(int64_t estimated_tokens,
                                                         absl::Time /*deadline*/) {
  // Interim: admits every call at once (no breaker, concurrency or rate limits yet); the
  // limits land with provider_errors.h, which classifies what counts against a provider.
  (void)sleeper_;
  if (limits_.concurrency > 0) {
    std::lock_guard<std::mutex> lock(mu_);
    ++in_flight_;
  }
  return Permit(this, clock_.Now(), estimated_tokens, false);
}

int64_t EstimateTokens(const ModelRequest& request) {
  size_t bytes = request.system.size() + request.schema.dump().size();
  for (const ChatMessage& message : request.messages) bytes += message.content.size();
  return static_cast<int64_t>(bytes / 4) + request.max_tokens;
}

}  // namespace flowline::ai::llm
