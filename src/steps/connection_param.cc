#include "steps/connection_param.h"

#include <optional>

#include "steps/duration.h"

namespace flowline::steps {

const Connection* ReadConnection(ParamReader& r, const Connections& connections,
                                 const std::vector<std::string>& types) {
  std::optional<std::string> name = r.String("connection");
  if (!name) return nullptr;
  absl::StatusOr<const Connection*> found = connections.GetAny(*name, types);
  if (!found.ok()) {
    r.Error("connection", std::string(found.status().message()));
    return nullptr;
  }
  return *found;
}

absl::Duration ConnectionTimeout(const Connection& connection, absl::Duration fallback) {
  auto timeout = connection.settings.find("timeout");
  if (timeout == connection.settings.end() || !timeout->is_string()) return fallback;
  return ParseDuration(timeout->get<std::string>()).value_or(fallback);
}

}  // namespace flowline::steps
