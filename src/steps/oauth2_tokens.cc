#include "steps/oauth2_tokens.h"

#include <algorithm>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/http_response_handling.h"
#include "steps/params.h"

namespace flowline::steps {
namespace {

constexpr absl::Duration kMaxMargin = absl::Seconds(60);

// The token endpoint's own error ({"error": "invalid_client", "error_description": …}, §5.2),
// else the start of the body.
std::string EndpointError(const HttpResponse& response, const std::vector<std::string>& secrets) {
  absl::StatusOr<Json> body = common::ParseJson(response.body, "the token response");
  std::string text;
  if (body.ok() && body->is_object() && body->contains("error")) {
    text = (*body)["error"].is_string() ? (*body)["error"].get<std::string>() : "";
    if (auto it = body->find("error_description"); it != body->end() && it->is_string()) {
      absl::StrAppend(&text, ": ", it->get<std::string>());
    }
  } else {
    text = response.body;
  }
  return Redact(ValidUtf8(Truncate(text, 200)), secrets);
}

std::optional<double> Seconds(const Json& value) {
  double seconds = 0;
  if (value.is_number()) return value.get<double>();
  if (value.is_string() && absl::SimpleAtod(value.get<std::string>(), &seconds)) return seconds;
  return std::nullopt;
}

}  // namespace

int OAuth2Tokens::fetches() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

absl::StatusOr<OAuth2Tokens::Token> OAuth2Tokens::Get(HttpClient& http, const common::Clock& clock,
                                                      absl::Duration timeout,
                                                      const std::string& rejected) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const bool usable = !token_.access_token.empty() && token_.access_token != rejected &&
                        clock.Now() < refresh_at_;
    if (usable) return token_;
    if (!fetching_) break;
    // Another caller is fetching: its token (or its error) is ours too.
    const uint64_t generation = generation_;
    fetched_.wait(lock, [&] { return generation_ != generation; });
    if (!last_error_.ok()) return last_error_;
    if (!token_.access_token.empty() && token_.access_token != rejected) return token_;
  }
  fetching_ = true;
  ++fetches_;
  lock.unlock();
  absl::Time expires_at = absl::InfiniteFuture();
  absl::StatusOr<Token> fetched = Fetch(http, clock.Now(), timeout, &expires_at);
  lock.lock();
  fetching_ = false;
  ++generation_;
  if (fetched.ok()) {
    token_ = *fetched;
    refresh_at_ = expires_at;
    last_error_ = absl::OkStatus();
  } else {
    token_ = Token();
    last_error_ = fetched.status();
  }
  fetched_.notify_all();
  return fetched;
}

absl::StatusOr<OAuth2Tokens::Token> OAuth2Tokens::Fetch(HttpClient& http, absl::Time now,
                                                        absl::Duration timeout,
                                                        absl::Time* expires_at) {
  const Json& auth = connection_.settings["auth"];
  const std::string where = absl::StrCat(connection_.Describe(), " auth");
  absl::StatusOr<std::string> client_id =
      ResolveSecret(auth, "client_id", where, connection_.base_dir);
  if (!client_id.ok()) return client_id.status();
  absl::StatusOr<std::string> client_secret =
      ResolveSecret(auth, "client_secret", where, connection_.base_dir);
  if (!client_secret.ok()) return client_secret.status();
  const std::string token_url = auth.value("token_url", "");

  HttpRequest request;
  request.method = "POST";
  request.url = token_url;
  request.timeout = timeout;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  if (auto scope = auth.find("scope"); scope != auth.end() && scope->is_string()) {
    absl::StrAppend(&request.body, "&scope=", UrlEncode(scope->get<std::string>()));
  }
  std::vector<std::string> secrets = {*client_secret};
  if (auth.value("client_auth", "basic") == "form") {
    absl::StrAppend(&request.body, "&client_id=", UrlEncode(*client_id),
                    "&client_secret=", UrlEncode(*client_secret));
    secrets.push_back(UrlEncode(*client_secret));
  } else {
    // §2.3.1: each form-encoded, then joined with ':' and base64-encoded.
    const std::string encoded =
        absl::Base64Escape(absl::StrCat(UrlEncode(*client_id), ":", UrlEncode(*client_secret)));
    request.headers.emplace_back("Authorization", absl::StrCat("Basic ", encoded));
    secrets.push_back(encoded);
  }

  absl::StatusOr<HttpResponse> response = http.Send(request);
  const std::string what = absl::StrCat("the OAuth2 token endpoint ", token_url, " of ", where);
  if (!response.ok()) {
    return absl::UnavailableError(absl::StrCat(
        what, " did not answer: ", Redact(std::string(response.status().message()), secrets)));
  }
  if (response->status != 200) {
    const std::string message = absl::StrCat(what, " answered ", response->status, " (",
                                             EndpointError(*response, secrets), ")");
    if (response->status == 429 || response->status >= 500) {
      return absl::UnavailableError(message);
    }
    return absl::PermissionDeniedError(
        absl::StrCat(message, "; check the client id and secret and the scope"));
  }
  absl::StatusOr<Json> body = common::ParseJson(response->body, "the token response");
  if (!body.ok() || !body->is_object() || !(*body)["access_token"].is_string() ||
      (*body)["access_token"].get<std::string>().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " answered without an access_token (RFC 6749 §5.1)"));
  }
  if (auto type = body->find("token_type");
      type != body->end() && type->is_string() &&
      !absl::EqualsIgnoreCase(type->get<std::string>(), "bearer")) {
    return absl::InvalidArgumentError(absl::StrCat(what, " issued a token of type ",
                                                   Truncate(type->get<std::string>(), 40),
                                                   "; only bearer tokens are supported"));
  }
  Token token;
  token.access_token = (*body)["access_token"].get<std::string>();
  if (std::optional<double> lifetime = Seconds(body->value("expires_in", Json()));
      lifetime && *lifetime > 0) {
    const absl::Duration life = absl::Seconds(*lifetime);
    *expires_at = now + life - std::min(kMaxMargin, life / 10);
  }
  token.secrets = std::move(secrets);
  token.secrets.push_back(token.access_token);
  return token;
}

}  // namespace flowline::steps
