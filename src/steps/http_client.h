// Outbound HTTP, injected so tests can point it anywhere and count calls.
//
// CurlHttpClient keeps one libcurl easy handle per thread for connection reuse and is
// thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace flowline::steps {

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  absl::Duration timeout = absl::Seconds(30);
};

struct HttpResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  // The value of a header (case-insensitive name), or empty.
  std::string Header(std::string_view name) const;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends the request. A response with any status code is OK; errors are for requests that got
  // no response: Unavailable (connection failed/reset), DeadlineExceeded (timeout),
  // InvalidArgument (malformed URL).
  virtual absl::StatusOr<HttpResponse> Send(const HttpRequest& request) = 0;
};

std::unique_ptr<HttpClient> NewCurlHttpClient();

// The server's Retry-After value (delta-seconds, or an HTTP-date taken relative to `now`) as a
// delay; zero for a date in the past; nullopt if absent or unreadable.
std::optional<absl::Duration> ParseRetryAfter(std::string_view value, absl::Time now);

}  // namespace flowline::steps
