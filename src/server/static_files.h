// The web UI's files (web/, built into build/web): what `flowline serve` answers for paths
// outside the API.
//
//   /                      index.html, "Cache-Control: no-cache" (it names the current assets)
//   /assets/<name>         content-hashed bundles: cached for a year, immutable
//   /<file>                another file at the folder's top, no-cache
//   /inbox, /runs/run_1    a client route (no dot in the last segment): index.html, so a reload
//                          or a shared link opens the same screen
//
// Anything under /api/ is never served from here. Paths with "..", ".", empty segments,
// backslashes or NUL are refused, and a file is served only if its real path (symlinks
// resolved) is inside the folder.
//
// Thread-safety: immutable after Open(); Serve() reads the disk on every call (the files are
// small and the OS caches them), so a rebuilt UI is served without a restart.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace flowline::server {

struct StaticFile {
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Cache-Control and security
};

class StaticFiles {
 public:
  // `dir` must be a folder holding index.html. NotFound (saying how to build the UI) otherwise.
  static absl::StatusOr<std::unique_ptr<StaticFiles>> Open(const std::string& dir);

  // The answer for GET/HEAD `path` (decoded, starting with '/'); nullopt for paths that are not
  // the UI's (under /api/, refused as unsafe, or a file that does not exist): the caller answers
  // those as it would anyway (a JSON 404).
  std::optional<StaticFile> Serve(std::string_view path) const;

  const std::string& dir() const { return dir_; }

 private:
  explicit StaticFiles(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;  // canonical, no trailing slash
};

// "text/html; charset=utf-8" for "index.html", and so on; application/octet-stream if unknown.
std::string ContentTypeFor(std::string_view file_name);

}  // namespace flowline::server
