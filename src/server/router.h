// The route table (private to server/): method + path pattern -> permission and handler.
//
// Patterns are literal segments and `{name}` placeholders, each matching one non-empty segment
// ("/api/v1/runs/{id}"); the same spelling is used in openapi.json, so the two can be compared.
// Find() tells "no such path" (404) apart from "path exists, other method" (405 + Allow).
//
// Thread-safety: filled before the server starts, then read-only.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/auth.h"
#include "server/call.h"

namespace flowline::server {

using Handler = std::function<absl::StatusOr<Reply>(const Call&)>;

struct Route {
  std::string method;                    // "GET", "POST", "DELETE"
  std::string pattern;                   // "/api/v1/runs/{id}"
  std::optional<Permission> permission;  // nullopt: public, no token needed
  Handler handler;
};

struct RouteMatch {
  const Route* route = nullptr;  // null: no route for this method and path
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed_methods;  // when the path matched under other methods
};

class Router {
 public:
  void Add(Route route);

  // HEAD is looked up as GET.
  RouteMatch Find(std::string_view method, std::string_view path) const;

  // Whether any route's pattern matches `path`, whatever the method.
  bool MatchesPath(std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

}  // namespace flowline::server
