// How the `http` step authenticates: a header built from secrets held in environment variables.
//
// A spec names the variables, never the secrets (`auth: {type: bearer, token_env: CRM_TOKEN}`);
// the values are read from the process environment on every attempt, so rotating a secret needs
// no new version. Secret values must not reach outputs, errors or logs: Resolve() hands them back
// with the header so the caller can redact them from whatever the server sends back.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/json_util.h"
#include "steps/params.h"

namespace flowline::steps {

class HttpAuth {
 public:
  enum class Type { kBearer, kBasic, kHeader };

  // Reads the `auth` parameter ({type: bearer, token_env}, {type: basic, username_env,
  // password_env} or {type: header, name, value_env}), reporting problems under "auth.*" to
  // `reader`. Returns nullopt if it is absent or invalid.
  static std::optional<HttpAuth> Read(const Json& auth, ParamReader& reader);

  // The name of the header this sends ("Authorization" or the configured one).
  const std::string& header_name() const { return header_name_; }

  struct Resolved {
    std::string header_name;
    std::string header_value;
    // Every string that would reveal a secret if echoed back (token, password, encoded
    // credentials, header value), longest first.
    std::vector<std::string> secrets;
  };
  // Reads the variables now. FailedPrecondition naming the unset or empty VARIABLE (never a
  // value) if one is missing.
  absl::StatusOr<Resolved> Resolve() const;

 private:
  Type type_ = Type::kBearer;
  std::string header_name_ = "Authorization";
  std::vector<std::string> env_;  // bearer: {token}; basic: {username, password}; header: {value}
};

}  // namespace flowline::steps
