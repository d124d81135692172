// HttpClient over libcurl.
//
// One easy handle per thread, reset (not recreated) before each request: curl_easy_reset keeps
// the handle's connection cache, so consecutive requests from a worker thread to the same host
// reuse the TCP/TLS connection. Handles are never shared between threads, which is what libcurl
// requires of easy handles, so Send() needs no lock.
#include <curl/curl.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "steps/http_client.h"

namespace flowline::steps {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// The calling thread's easy handle, cleaned up when the thread exits.
CURL* ThreadHandle() {
  struct Handle {
    CURL* curl = curl_easy_init();
    ~Handle() {
      if (curl != nullptr) curl_easy_cleanup(curl);
    }
  };
  thread_local Handle handle;
  return handle.curl;
}

struct Exchange {
  HttpResponse response;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  exchange->response.body.append(data, size * count);
  return size * count;
}

// Called once per header line, including each status line. A new status line starts a new
// response (after "100 Continue" or an intermediate response), so only the final response's
// headers are kept.
size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  const std::string_view line(data, size * count);
  if (line.substr(0, 5) == "HTTP/") {
    exchange->response.headers.clear();
    return size * count;
  }
  const size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string name(line.substr(0, colon));
    absl::AsciiStrToLower(&name);
    std::string value(absl::StripAsciiWhitespace(Sv(line.substr(colon + 1))));
    exchange->response.headers.emplace_back(std::move(name), std::move(value));
  }
  return size * count;
}

absl::Status MapError(CURLcode code, const char* detail) {
  const std::string message =
      absl::StrCat(curl_easy_strerror(code), detail[0] != '\0' ? ": " : "", detail);
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    default:
      // Resolution, connection, TLS, send/receive failures: the request may work next time.
      return absl::UnavailableError(message);
  }
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

absl::Status Append(Slist& list, const std::string& line) {
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return absl::ResourceExhaustedError("curl_slist_append failed");
  (void)list.release();  // `head` is the same list, extended (or a new one if it was empty)
  list.reset(head);
  return absl::OkStatus();
}

class CurlHttpClient final : public HttpClient {
 public:
  CurlHttpClient() { GlobalInit(); }

  absl::StatusOr<HttpResponse> Send(const HttpRequest& request) override {
    if (request.timeout <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("no time left for the request");
    }
    CURL* curl = ThreadHandle();
    if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
    curl_easy_reset(curl);

    Slist headers;
    bool has_content_type = false;
    for (const auto& [name, value] : request.headers) {
      if (name.empty() || name.find_first_of(":\r\n") != std::string::npos ||
          value.find_first_of("\r\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("header \"", absl::CEscape(name), "\" has a malformed name or value"));
      }
      has_content_type = has_content_type || absl::EqualsIgnoreCase(name, "content-type");
      // "Name;" is libcurl's way to send a header with an empty value.
      RETURN_IF_ERROR(Append(
          headers, value.empty() ? absl::StrCat(name, ";") : absl::StrCat(name, ": ", value)));
    }
    // Without this, libcurl waits for "100 Continue" before sending bodies over 1 KiB.
    RETURN_IF_ERROR(Append(headers, "Expect:"));
    // Without this, libcurl labels a body as a form; send none rather than a wrong one.
    if (!has_content_type) RETURN_IF_ERROR(Append(headers, "Content-Type:"));

    Exchange exchange;
    char error[CURL_ERROR_SIZE] = {0};
    // At least 1 ms: 0 would mean "no timeout" to libcurl.
    const int64_t timeout_ms =
        request.timeout == absl::InfiniteDuration()
            ? 0
            : std::max<int64_t>(1, absl::ToInt64Milliseconds(request.timeout));

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_ms));
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "flowline/0.1");
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // whatever libcurl can decode
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);

    if (request.method == "HEAD") {
      curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    } else if (request.method != "GET" || !request.body.empty()) {
      curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
    }

    const CURLcode code = curl_easy_perform(curl);
    // The handle outlives this call: drop pointers into this frame before returning.
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
    if (code != CURLE_OK) return MapError(code, error);

    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    exchange.response.status = static_cast<int>(status);
    return std::move(exchange.response);
  }
};

}  // namespace

std::unique_ptr<HttpClient> NewCurlHttpClient() { return std::make_unique<CurlHttpClient>(); }

}  // namespace flowline::steps
