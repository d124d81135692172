#include "ai/llm/provider_gate.h"

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/llm/model_provider.h"
#include "ai/llm/provider_errors.h"

namespace flowline::ai::llm {
namespace {

class RealSleeper final : public Sleeper {
 public:
  void SleepUntil(const common::Clock& clock, absl::Time until) override {
    const absl::Duration left = until - clock.Now();
    if (left > absl::ZeroDuration()) absl::SleepFor(left);
  }
};

std::string LimitsText(const ProviderLimits& limits) {
  std::vector<std::string> parts;
  if (limits.requests_per_minute > 0) {
    parts.push_back(absl::StrCat(limits.requests_per_minute, " requests/min"));
  }
  if (limits.tokens_per_minute > 0) {
    parts.push_back(absl::StrCat(limits.tokens_per_minute, " tokens/min"));
  }
  return absl::StrJoin(parts, " and ");
}

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
    Drop();
    gate_ = std::exchange(other.gate_, nullptr);
    started_ = other.started_;
    estimated_ = other.estimated_;
    probe_ = other.probe_;
  }
  return *this;
}

ProviderGate::Permit::~Permit() { Drop(); }

void ProviderGate::Permit::Drop() {
  if (gate_ == nullptr) return;
  ProviderGate* gate = std::exchange(gate_, nullptr);
  // Never sent: the breaker has nothing to learn, but a probe must be handed on.
  if (probe_) gate->breaker_.Abandon();
  gate->limiter_.Correct(started_, estimated_, 0);
  gate->ReleaseSlot();
}

void ProviderGate::Permit::Finish(const absl::Status& outcome, int64_t actual_tokens) {
  if (gate_ == nullptr) return;
  ProviderGate* gate = std::exchange(gate_, nullptr);
  gate->breaker_.Record(CountsAgainstProvider(outcome), gate->clock_.Now());
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
                                                         absl::Time deadline) {
  absl::Time now = clock_.Now();
  bool probe = false;
  if (!breaker_.Allow(now, &probe)) {
    const absl::Time reopens = breaker_.reopens_at();
    return CircuitOpenError(
        absl::StrCat("provider ", provider_, " is unavailable: circuit open after ",
                     breaker_.consecutive_failures(),
                     breaker_.consecutive_failures() == 1 ? " failure" : " failures",
                     ", retrying it at ",
                     absl::FormatTime("%H:%M:%SZ", reopens, absl::UTCTimeZone())),
        std::max(reopens - now, absl::ZeroDuration()));
  }
  // From here on every early return must hand the probe back (the permit's destructor does it
  // once one exists).
  if (limits_.concurrency > 0) {
    std::unique_lock<std::mutex> lock(mu_);
    // The deadline is on the gate's clock, the wait in real time: with a fake clock that does
    // not move while threads wait, the real wait is the time left when it started.
    // A deadline years away is waited for as "forever" (steady_clock would overflow).
    const absl::Duration left = deadline - now;
    const bool forever = left > absl::Hours(24 * 365);
    const auto until =
        std::chrono::steady_clock::now() +
        absl::ToChronoNanoseconds(std::clamp(left, absl::ZeroDuration(), absl::Hours(24 * 365)));
    while (in_flight_ >= limits_.concurrency) {
      if (forever) {
        slot_freed_.wait(lock);
      } else if (slot_freed_.wait_until(lock, until) == std::cv_status::timeout &&
                 in_flight_ >= limits_.concurrency) {
        lock.unlock();
        if (probe) breaker_.Abandon();
        return absl::ResourceExhaustedError(absl::StrCat(
            provider_, ": all ", limits_.concurrency,
            " concurrent calls allowed (limits.concurrency) stayed busy until the deadline"));
      }
    }
    ++in_flight_;
  }
  for (;;) {
    absl::Duration wait;
    {
      // Read the clock and start under one lock, so the limiter's starts are in clock order
      // and `now` is exactly the start it recorded (Finish corrects it by that time).
      std::lock_guard<std::mutex> lock(start_mu_);
      now = clock_.Now();
      wait = limiter_.TryAcquire(now, estimated_tokens);
    }
    if (wait == absl::ZeroDuration()) break;
    if (now + wait > deadline) {
      if (probe) breaker_.Abandon();
      ReleaseSlot();
      return WithRetryAfter(
          absl::ResourceExhaustedError(absl::StrCat(
              provider_, ": local limit of ", LimitsText(limits_), " reached; the next call may ",
              "start in ", absl::FormatDuration(wait), ", after the step's deadline")),
          wait);
    }
    sleeper_.SleepUntil(clock_, now + wait);
  }
  return Permit(this, now, estimated_tokens, probe);
}

int64_t EstimateTokens(const ModelRequest& request) {
  size_t bytes = request.system.size() + request.schema.dump().size();
  for (const ChatMessage& message : request.messages) bytes += message.content.size();
  return static_cast<int64_t>(bytes / 4) + request.max_tokens;
}

}  // namespace flowline::ai::llm
