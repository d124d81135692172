// The `connection:` parameter of the step kinds that write to a named system (sql, http, file,
// webhook.out): one way to look it up and report it. Private to steps/.
#pragma once

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "steps/connections.h"
#include "steps/params.h"

namespace flowline::steps {

// The connection the parameter `connection` names, if it is one of `types`. Null when the
// parameter is absent, or — with the problem reported on "connection" (unknown name, wrong type,
// a broken connections file) — when it does not name a usable connection.
const Connection* ReadConnection(ParamReader& r, const Connections& connections,
                                 const std::vector<std::string>& types);

// The connection's `timeout`, or `fallback` when it has none.
absl::Duration ConnectionTimeout(const Connection& connection, absl::Duration fallback);

}  // namespace flowline::steps
