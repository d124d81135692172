#include "steps/connection_auth.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace flowline::steps {

bool ConnectionAuth::enabled() const {
  return connection_.settings.is_object() && connection_.settings.contains("auth");
}

absl::StatusOr<AuthHeader> ConnectionAuth::Resolve(HttpClient& http, const common::Clock& clock,
                                                   absl::Duration timeout,
                                                   const std::string& rejected) const {
  AuthHeader header;
  header.name = "Authorization";
  if (tokens_ != nullptr) {
    absl::StatusOr<OAuth2Tokens::Token> token = tokens_->Get(http, clock, timeout, rejected);
    if (!token.ok()) return token.status();
    header.value = absl::StrCat("Bearer ", token->access_token);
    header.secrets = token->secrets;
    header.oauth2_token = token->access_token;
    return header;
  }
  const Json& auth = connection_.settings["auth"];
  const std::string where = absl::StrCat(connection_.Describe(), " auth");
  auto secret = [&](const char* field) {
    return ResolveSecret(auth, field, where, connection_.base_dir);
  };
  const std::string type = auth.value("type", "");
  if (type == "bearer") {
    absl::StatusOr<std::string> token = secret("token");
    if (!token.ok()) return token.status();
    header.value = absl::StrCat("Bearer ", *token);
    header.secrets = {*token};
  } else if (type == "basic") {
    absl::StatusOr<std::string> username = secret("username");
    if (!username.ok()) return username.status();
    absl::StatusOr<std::string> password = secret("password");
    if (!password.ok()) return password.status();
    const std::string encoded = absl::Base64Escape(absl::StrCat(*username, ":", *password));
    header.value = absl::StrCat("Basic ", encoded);
    header.secrets = {encoded, *password};
  } else {  // header (Connections::Parse admits no other type)
    absl::StatusOr<std::string> value = secret("value");
    if (!value.ok()) return value.status();
    header.name = auth.value("name", "X-Api-Key");
    header.value = *value;
    header.secrets = {*value};
  }
  return header;
}

}  // namespace flowline::steps
