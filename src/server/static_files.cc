#include "server/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"

namespace flowline::server {
namespace {

namespace fs = std::filesystem;

constexpr char kNoCache[] = "no-cache";
constexpr char kImmutable[] = "public, max-age=31536000, immutable";
// The UI loads only its own script and style and talks only to its own server; page images are
// object URLs (blob:) made from API responses.
constexpr char kPolicy[] =
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

std::optional<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// Whether `path` is a safe relative file path: segments of visible characters, none of them
// "", "." or "..", no backslash, no NUL.
bool SafeSegments(std::string_view path) {
  if (path.find('\\') != std::string_view::npos || path.find('\0') != std::string_view::npos) {
    return false;
  }
  for (absl::string_view segment : absl::StrSplit(Sv(path), '/')) {
    if (segment.empty() || segment == "." || segment == "..") return false;
  }
  return true;
}

StaticFile FileReply(std::string body, std::string_view name, const char* cache) {
  StaticFile file;
  file.content_type = ContentTypeFor(name);
  file.body = std::move(body);
  file.headers = {{"Cache-Control", cache},
                  {"X-Content-Type-Options", "nosniff"},
                  {"Referrer-Policy", "no-referrer"}};
  if (absl::EndsWith(Sv(name), ".html")) {
    file.headers.emplace_back("Content-Security-Policy", kPolicy);
    file.headers.emplace_back("X-Frame-Options", "DENY");
  }
  return file;
}

}  // namespace

std::string ContentTypeFor(std::string_view file_name) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& [suffix, type] : kTypes) {
    if (absl::EndsWith(Sv(file_name), suffix)) return type;
  }
  return "application/octet-stream";
}

absl::StatusOr<std::unique_ptr<StaticFiles>> StaticFiles::Open(const std::string& dir) {
  std::error_code error;
  const fs::path canonical = fs::canonical(dir, error);
  if (error || !fs::is_regular_file(canonical / "index.html", error)) {
    return absl::NotFoundError(absl::StrCat(
        "no web UI in ", dir,
        " (no index.html): build it with ./scripts/build.sh, or point --ui at a built UI"));
  }
  return std::unique_ptr<StaticFiles>(new StaticFiles(canonical.string()));
}

std::optional<StaticFile> StaticFiles::Serve(std::string_view path) const {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (path == "/api" || absl::StartsWith(Sv(path), "/api/")) return std::nullopt;
  const std::string_view relative = path.substr(1);
  const fs::path root(dir_);
  if (relative.empty()) {
    std::optional<std::string> index = ReadFile(root / "index.html");
    if (!index) return std::nullopt;
    return FileReply(*std::move(index), "index.html", kNoCache);
  }
  if (!SafeSegments(relative)) return std::nullopt;

  const fs::path wanted = root / fs::path(std::string(relative));
  std::error_code error;
  const fs::path real = fs::canonical(wanted, error);
  if (!error) {
    // Inside the folder after symlinks are resolved, and a regular file.
    const std::string real_text = real.string();
    if (!absl::StartsWith(real_text, absl::StrCat(dir_, "/")) ||
        !fs::is_regular_file(real, error)) {
      return std::nullopt;
    }
    std::optional<std::string> body = ReadFile(real);
    if (!body) return std::nullopt;
    const bool hashed = absl::StartsWith(Sv(relative), "assets/");
    return FileReply(*std::move(body), real.filename().string(), hashed ? kImmutable : kNoCache);
  }

  // Not a file. A last segment that does not name a file of a type the UI ships is a client
  // route (names may hold dots: /datasets/invoice.reviewed): the UI decides what it shows.
  const size_t slash = relative.rfind('/');
  const std::string_view last =
      slash == std::string_view::npos ? relative : relative.substr(slash + 1);
  if (ContentTypeFor(last) == "application/octet-stream" &&
      !absl::StartsWith(Sv(relative), "assets/")) {
    std::optional<std::string> index = ReadFile(root / "index.html");
    if (!index) return std::nullopt;
    return FileReply(*std::move(index), "index.html", kNoCache);
  }
  return std::nullopt;  // a missing file: the caller answers 404
}

}  // namespace flowline::server
