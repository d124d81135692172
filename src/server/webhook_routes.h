// The webhook triggers the server currently answers (private to server/): for every live
// workflow version whose spec declares `triggers: - webhook: {path: ...}`, the path and how its
// calls are authenticated.
//
// The table is rebuilt from the store (live versions' plans) by Refresh(): at start, and after
// each deploy through the API. A path that an API route already serves, or that two workflows
// declare, is skipped with a warning (the API route, or the most recently deployed workflow,
// wins).
//
// Thread-safety: thread-safe; Find() may run while Refresh() rebuilds the table.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "engine/engine.h"
#include "store/store.h"

namespace flowline::server {

struct WebhookTrigger {
  std::string path;
  std::string workflow;
  std::string secret_env;        // empty: unsigned; a bearer token with operator role is needed
  std::string signature_header;  // holds "sha256=<hex HMAC-SHA256 of the body>"
  // Top-level body fields that carry a file as {name, content_base64} (`files:`): stored as
  // artifacts before the run starts. Default: none.
  std::vector<std::string> files;
};

class WebhookRoutes {
 public:
  // `reserved(path)` is true for paths the API itself serves.
  WebhookRoutes(engine::Engine& engine, store::Store& store,
                std::function<bool(std::string_view)> reserved);

  // Rebuilds the table from the store. A workflow whose live plan cannot be loaded is skipped
  // with a warning; the store's errors are returned and leave the table as it was.
  absl::Status Refresh();

  std::optional<WebhookTrigger> Find(std::string_view path) const;
  std::vector<WebhookTrigger> List() const;

 private:
  engine::Engine& engine_;
  store::Store& store_;
  std::function<bool(std::string_view)> reserved_;
  std::mutex refresh_mu_;  // one rebuild at a time, so the last one reads the newest state
  mutable std::mutex mu_;
  std::map<std::string, WebhookTrigger, std::less<>> by_path_;
};

}  // namespace flowline::server
