// The `http` step kind: one request to another system's HTTP API.
//
//   uses: http
//   with:
//     connection: crm                   # an http connection (connections.yaml): its base_url,
//     path: /cases/${{ input.id }}      # headers, timeout and auth (incl. OAuth2); or instead:
//     method: POST                      # default GET
//     url: https://crm.example.com/api/cases/${{ input.id }}
//     headers: { X-Tenant: acme }
//     query: { expand: lines }          # URL-encoded onto the url
//     body: ${{ steps.extract.output }} # any JSON, sent as application/json
//     auth: { type: bearer, token_env: CRM_TOKEN }
//     timeout: 10s                      # default 30s, and never past the step's deadline
//     expect: [200, 201]                # default: any 2xx
//
// Output: {"status": int, "headers": {lower-cased name: value}, "body": parsed JSON when the
// response says it is JSON, else the text}. Every request carries `Idempotency-Key:
// <ctx.idempotency_key>`, stable across retries, so the receiving system can apply a write once.
//
// Failures: 429 → rate_limited, 408/5xx/connection failure → transient (both honour Retry-After),
// no response in time → timeout, any other unexpected status or a bad parameter → permanent.
//
// Secrets come only from environment variables named by `auth` (a literal parameter, so a run's
// data can never choose which variable is read). Their values are redacted from the output and
// from errors, even when the server echoes them back.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "steps/connections.h"
#include "steps/oauth2_tokens.h"
#include "steps/step_kind.h"

namespace flowline::steps {

class HttpStep final : public StepKind {
 public:
  // `connections`: the connections a step may name (null: none).
  explicit HttpStep(std::shared_ptr<const Connections> connections = nullptr);
  const StepKindInfo& Info() const override { return info_; }
  // Checks every parameter that is written literally (connection or url, method, url scheme,
  // header names and values, query values, auth, timeout, expect); reports problems and returns
  // null on any.
  std::unique_ptr<PreparedStep> Prepare(std::string_view step_id, const Json& with,
                                        std::vector<ConfigError>* errors) const override;

 private:
  StepKindInfo info_;
  std::shared_ptr<const Connections> connections_;
  // The OAuth2 token cache of each oauth2 connection, by name.
  std::map<std::string, std::shared_ptr<OAuth2Tokens>, std::less<>> tokens_;
};

}  // namespace flowline::steps
