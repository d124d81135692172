// The `webhook.out` step kind: tells another system that something happened, by a signed JSON
// POST to the URL of a webhook connection.
//
//   uses: webhook.out
//   with:
//     connection: partner                   # literal; a webhook connection (url, secret)
//     event: customer.onboarded             # optional: sent as X-Flowline-Event
//     payload: ${{ steps.crm.output.body }} # any JSON value
//
// The request: `POST <url>` with the payload as the body (application/json), and
//   X-Flowline-Timestamp: <unix seconds of this attempt>
//   X-Flowline-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" under the secret>
//   Idempotency-Key: <the step's idempotency key, the same on every attempt>
// plus the connection's headers. The receiver recomputes the HMAC over the timestamp, a '.', and
// the raw body, compares in constant time, and rejects old timestamps (replays); it applies the
// event once per Idempotency-Key. Output, failures and retry classes are the http step's: 429 →
// rate_limited, 408/5xx/no connection → transient (both honour Retry-After), no response in time
// → timeout, another unexpected status → permanent. The secret never appears in outputs, errors or
// records. Suppressed runs send nothing and complete with {"suppressed": true, "request": …}.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "steps/connections.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class WebhookOutStep final : public StepKind {
 public:
  // `connections`: the connections a step may name (null: none).
  explicit WebhookOutStep(std::shared_ptr<const Connections> connections = nullptr);
  const StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;
};

}  // namespace flowline::steps
