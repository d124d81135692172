// One API call as the handlers see it (private to server/): the HTTP request, the path's
// parameters, the authenticated caller, and helpers that read the query and the body into
// values or InvalidArgument statuses. A handler returns a Reply or a Status; api_server.cc turns
// either into the response (http_status.h decides the code of a Status).
#pragma once

#include <httplib.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/json_util.h"
#include "server/auth.h"

namespace flowline::server {

struct Call {
  const httplib::Request& http;
  std::map<std::string, std::string> path_params;  // "{id}" in the pattern -> "id"
  std::optional<Principal> principal;              // set on every route that needs a token

  const std::string& PathParam(const std::string& name) const;
  bool HasQuery(const std::string& name) const;
  std::string Query(const std::string& name) const;   // "" when absent
  std::string Header(const std::string& name) const;  // "" when absent
  // The caller's name (the user in task actions). Precondition: principal is set.
  const std::string& user() const { return principal->name; }
};

struct Reply {
  int status = 200;
  Json body = Json::object();
  std::vector<std::pair<std::string, std::string>> headers;
  // Set for replies that are not JSON (a stored page image): sent instead of `body`.
  std::optional<std::string> raw_body;
  std::string raw_content_type;
};

inline Reply JsonReply(int status, Json body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}
inline Reply Ok(Json body) { return JsonReply(200, std::move(body)); }
inline Reply Created(Json body) { return JsonReply(201, std::move(body)); }

// The body as JSON. An empty body is `empty` (e.g. {}), or InvalidArgument when `empty` is null.
// Malformed JSON: InvalidArgument naming `what`, the line and the column.
absl::StatusOr<Json> JsonBody(const Call& call, std::string_view what, const Json& empty);

// `?limit=`: default when absent; InvalidArgument unless an integer in [1, max].
absl::StatusOr<int> LimitQuery(const Call& call, int default_limit, int max_limit);

// A duration parameter ("5s", "15m") from the query; nullopt when absent.
absl::StatusOr<std::optional<absl::Duration>> DurationQuery(const Call& call,
                                                            const std::string& name);

// Members of a JSON object body. InvalidArgument when the member has the wrong type, or when a
// required one is missing. `body` must be an object (see RequireObject).
absl::Status RequireObject(const Json& body, std::string_view what);
absl::StatusOr<std::string> StringMember(const Json& body, const std::string& name, bool required);
absl::StatusOr<std::optional<absl::Duration>> DurationMember(const Json& body,
                                                             const std::string& name);

}  // namespace flowline::server
