#include "steps/http_auth.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace flowline::steps {
namespace {

constexpr const char* kForm =
    "{type: bearer, token_env: VAR}, {type: basic, username_env: VAR, password_env: VAR} or "
    "{type: header, name: X-Api-Key, value_env: VAR}";

bool IsEnvName(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool IsHeaderName(const std::string& name) {
  // RFC 9110 token characters.
  static const std::string kExtra = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || kExtra.find(c) != std::string::npos;
  });
}

}  // namespace

std::optional<HttpAuth> HttpAuth::Read(const Json& auth, ParamReader& reader) {
  if (!auth.is_object()) return std::nullopt;  // the type check has reported it
  const size_t errors_before = reader.errors().size();
  HttpAuth result;
  std::vector<std::string> fields;  // the *_env fields the type needs, in env_ order
  const Json type = auth.value("type", Json());
  if (type == "bearer") {
    result.type_ = Type::kBearer;
    fields = {"token_env"};
  } else if (type == "basic") {
    result.type_ = Type::kBasic;
    fields = {"username_env", "password_env"};
  } else if (type == "header") {
    result.type_ = Type::kHeader;
    fields = {"value_env"};
    const Json name = auth.value("name", Json());
    if (!name.is_string() || !IsHeaderName(name.get<std::string>())) {
      reader.Error("auth.name", "a header name such as X-Api-Key is required for type: header",
                   kForm);
    } else {
      result.header_name_ = name.get<std::string>();
    }
  } else {
    reader.Error(
        "auth.type",
        absl::StrCat("auth type must be bearer, basic or header, got ", DescribeValue(type)),
        kForm);
    return std::nullopt;
  }

  std::set<std::string> allowed(fields.begin(), fields.end());
  allowed.insert("type");
  if (result.type_ == Type::kHeader) allowed.insert("name");
  for (const auto& [key, value] : auth.items()) {
    if (allowed.count(key) == 0) {
      reader.Error(
          absl::StrCat("auth.", key),
          absl::StrCat("unknown field \"", key, "\" for auth type ", type.get<std::string>()),
          kForm);
    }
  }
  for (const std::string& field : fields) {
    const Json var = auth.value(field, Json());
    if (!var.is_string() || !IsEnvName(var.get<std::string>())) {
      reader.Error(absl::StrCat("auth.", field),
                   absl::StrCat("\"", field, "\" must name an environment variable, got ",
                                DescribeValue(var)),
                   "secrets are read from the environment, never written in a spec");
      continue;
    }
    result.env_.push_back(var.get<std::string>());
  }
  if (reader.errors().size() != errors_before) return std::nullopt;
  return result;
}

absl::StatusOr<HttpAuth::Resolved> HttpAuth::Resolve() const {
  std::vector<std::string> values;
  for (const std::string& var : env_) {
    const char* value = std::getenv(var.c_str());
    if (value == nullptr || value[0] == '\0') {
      return absl::FailedPreconditionError(absl::StrCat(
          "environment variable ", var, " (used for http auth) is not set or is empty"));
    }
    values.emplace_back(value);
  }
  Resolved resolved;
  resolved.header_name = header_name_;
  switch (type_) {
    case Type::kBearer:
      resolved.header_value = absl::StrCat("Bearer ", values[0]);
      resolved.secrets = {values[0]};
      break;
    case Type::kBasic: {
      const std::string encoded = absl::Base64Escape(absl::StrCat(values[0], ":", values[1]));
      resolved.header_value = absl::StrCat("Basic ", encoded);
      // The user name alone is not secret; the password and the encoded pair are.
      resolved.secrets = {encoded, values[1]};
      break;
    }
    case Type::kHeader:
      resolved.header_value = values[0];
      resolved.secrets = {values[0]};
      break;
  }
  std::sort(resolved.secrets.begin(), resolved.secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return resolved;
}

}  // namespace flowline::steps
