// How a step authenticates to an http connection: the header its `auth` block yields (bearer,
// basic, header, or an OAuth2 client-credentials token), with the secrets to redact.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "steps/connections.h"
#include "steps/http_client.h"
#include "steps/oauth2_tokens.h"

namespace flowline::steps {

struct AuthHeader {
  std::string name;
  std::string value;
  std::vector<std::string> secrets;  // every string that would reveal a secret if echoed
  std::string oauth2_token;          // the access token sent (oauth2 only)
};

class ConnectionAuth {
 public:
  // `connection` (an http connection) must outlive this; `tokens` is its shared token cache when
  // its auth is oauth2, else null.
  ConnectionAuth(const Connection& connection, std::shared_ptr<OAuth2Tokens> tokens)
      : connection_(connection), tokens_(std::move(tokens)) {}

  // False when the connection has no auth block.
  bool enabled() const;
  bool oauth2() const { return tokens_ != nullptr; }
  // The header for the next request, its secrets read now. For oauth2, a cached token unless it
  // equals `rejected` (the API answered 401 to it). Errors as ResolveSecret and
  // OAuth2Tokens::Get (Unavailable: transient).
  absl::StatusOr<AuthHeader> Resolve(HttpClient& http, const common::Clock& clock,
                                     absl::Duration timeout,
                                     const std::string& rejected = "") const;

 private:
  const Connection& connection_;
  std::shared_ptr<OAuth2Tokens> tokens_;
};

}  // namespace flowline::steps
