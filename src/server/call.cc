#include "server/call.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/duration.h"

namespace flowline::server {

const std::string& Call::PathParam(const std::string& name) const {
  static const std::string kEmpty;
  auto it = path_params.find(name);
  return it == path_params.end() ? kEmpty : it->second;
}

bool Call::HasQuery(const std::string& name) const { return http.has_param(name.c_str()); }

std::string Call::Query(const std::string& name) const {
  return http.get_param_value(name.c_str());
}

std::string Call::Header(const std::string& name) const {
  return http.get_header_value(name.c_str());
}

absl::StatusOr<Json> JsonBody(const Call& call, std::string_view what, const Json& empty) {
  const std::string& body = call.http.body;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    if (empty.is_null()) {
      return absl::InvalidArgumentError(absl::StrCat(Sv(what), " is missing: send a JSON body"));
    }
    return empty;
  }
  return common::ParseJson(body, what);
}

absl::StatusOr<int> LimitQuery(const Call& call, int default_limit, int max_limit) {
  if (!call.HasQuery("limit")) return default_limit;
  const std::string text = call.Query("limit");
  int limit = 0;
  if (!absl::SimpleAtoi(text, &limit) || limit < 1 || limit > max_limit) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be a whole number from 1 to ", max_limit, ", not '", text, "'"));
  }
  return limit;
}

absl::StatusOr<std::optional<absl::Duration>> DurationQuery(const Call& call,
                                                            const std::string& name) {
  if (!call.HasQuery(name)) return std::nullopt;
  absl::StatusOr<absl::Duration> parsed = steps::ParseDuration(call.Query(name));
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("query parameter ", name, ": ", parsed.status().message()));
  }
  return *parsed;
}

absl::Status RequireObject(const Json& body, std::string_view what) {
  if (body.is_object()) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat(Sv(what), " must be a JSON object, not ", body.type_name()));
}

absl::StatusOr<std::string> StringMember(const Json& body, const std::string& name, bool required) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) {
    if (required) {
      return absl::InvalidArgumentError(absl::StrCat("the body has no \"", name, "\""));
    }
    return std::string();
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" must be a string, not ", it->type_name()));
  }
  return it->get<std::string>();
}

absl::StatusOr<std::optional<absl::Duration>> DurationMember(const Json& body,
                                                             const std::string& name) {
  absl::StatusOr<std::string> text = StringMember(body, name, /*required=*/false);
  if (!text.ok()) return text.status();
  if (text->empty()) return std::nullopt;
  absl::StatusOr<absl::Duration> parsed = steps::ParseDuration(*text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", name, "\": ", parsed.status().message()));
  }
  return *parsed;
}

}  // namespace flowline::server
