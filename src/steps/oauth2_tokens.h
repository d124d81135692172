// OAuth2 client credentials (RFC 6749 §4.4) for an http connection: the access token, fetched
// from the connection's token_url with its client id and secret, cached until shortly before it
// expires, and shared by every step that uses the connection.
//
//   auth: { type: oauth2, token_url: …, client_id_env: …, client_secret_env: …,
//           scope: …,            # optional
//           client_auth: basic } # or form: the credentials in the request body (§2.3.1)
//
// Thread-safety: thread-safe. Concurrent callers that need a token while none is valid share
// one fetch: the first fetches, the others wait for its result.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "steps/connections.h"
#include "steps/http_client.h"

namespace flowline::steps {

class OAuth2Tokens {
 public:
  // `connection`: an http connection whose auth is type oauth2 (checked by Connections::Parse);
  // it must outlive this.
  explicit OAuth2Tokens(const Connection& connection) : connection_(connection) {}

  struct Token {
    std::string access_token;
    // What would reveal a secret if a server echoed it back: the token, the client secret and
    // the encoded credentials.
    std::vector<std::string> secrets;
  };

  // A token that is valid now. Fetches one when none is cached, the cached one expires within
  // the refresh margin (a tenth of its lifetime, at most 60 s), or it equals `rejected` (the API
  // answered 401 to it). `timeout` bounds the token request.
  // Errors (never holding a secret): FailedPrecondition for unset client credentials;
  // Unavailable (transient) for an unreachable endpoint or a 5xx/429 answer; PermissionDenied for
  // a 400/401 answer (wrong client id or secret, scope not allowed); InvalidArgument for an
  // answer without access_token.
  absl::StatusOr<Token> Get(HttpClient& http, const common::Clock& clock, absl::Duration timeout,
                            const std::string& rejected = "");

  // Token requests sent so far (for tests and diagnostics).
  int fetches() const;

 private:
  absl::StatusOr<Token> Fetch(HttpClient& http, absl::Time now, absl::Duration timeout,
                              absl::Time* expires_at);

  const Connection& connection_;
  mutable std::mutex mu_;
  std::condition_variable fetched_;
  bool fetching_ = false;
  uint64_t generation_ = 0;  // completed fetches
  absl::Status last_error_;  // of the last fetch
  Token token_;              // empty access_token: none
  absl::Time refresh_at_;    // when the cached token is no longer handed out
  int fetches_ = 0;
};

}  // namespace flowline::steps
