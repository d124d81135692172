// SMTP over libcurl. A fresh easy handle per message: mail is sent rarely compared with HTTP
// calls, and a fresh handle never carries another connection's login.
#include "steps/mail_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"
#include "steps/duration.h"

namespace flowline::steps {
namespace {

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
};
struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// What libcurl's code and the server's last reply say about retrying.
SmtpFailure::Kind Classify(CURLcode code, long reply) {
  if (code == CURLE_OPERATION_TIMEDOUT) return SmtpFailure::Kind::kTimeout;
  if (reply >= 500) return SmtpFailure::Kind::kPermanent;
  if (reply >= 400) return SmtpFailure::Kind::kTransient;
  switch (code) {
    case CURLE_LOGIN_DENIED:
    case CURLE_USE_SSL_FAILED:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_FILESIZE_EXCEEDED:
      return SmtpFailure::Kind::kPermanent;
    default:
      // Refused or dropped connections, name resolution, send/receive errors.
      return SmtpFailure::Kind::kTransient;
  }
}

}  // namespace

void InitCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t ReadUpload(char* buffer, size_t size, size_t count, void* source) {
  auto* upload = static_cast<UploadSource*>(source);
  const size_t n = std::min(size * count, upload->data->size() - upload->offset);
  std::copy_n(upload->data->data() + upload->offset, n, buffer);
  upload->offset += n;
  return n;
}

void MailServer::Configure(CURL* curl, absl::Duration timeout_cap) const {
  const absl::Duration limit = std::max(std::min(timeout, timeout_cap), absl::Milliseconds(1));
  const long timeout_ms = static_cast<long>(absl::ToInt64Milliseconds(limit));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, std::max(timeout_ms, 1L));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, std::max(timeout_ms, 1L));
  if (!username.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password.c_str());
  }
  switch (tls) {
    case Tls::kRequired:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_ALL));
      break;
    case Tls::kStartTls:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_TRY));
      break;
    case Tls::kNone:
      curl_easy_setopt(curl, CURLOPT_USE_SSL, static_cast<long>(CURLUSESSL_NONE));
      break;
  }
  if (!ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file.c_str());
}

absl::StatusOr<MailServer> ReadMailServer(const Connection& connection) {
  MailServer server;
  server.label = connection.Describe();
  const Json& settings = connection.settings;
  server.url = settings.value("url", "");
  while (absl::EndsWith(server.url, "/")) server.url.pop_back();
  if (absl::StatusOr<std::string> username = connection.Secret("username"); username.ok()) {
    server.username = *std::move(username);
  } else if (!absl::IsNotFound(username.status())) {
    return username.status();
  }
  if (absl::StatusOr<std::string> password = connection.Secret("password"); password.ok()) {
    server.password = *std::move(password);
  } else if (!absl::IsNotFound(password.status())) {
    return password.status();
  }
  const std::string tls = settings.value("tls", "required");
  if (tls == "none") {
    server.tls = MailServer::Tls::kNone;
  } else if (tls == "starttls") {
    server.tls = MailServer::Tls::kStartTls;
  }
  server.ca_file = connection.Path("ca_file");
  if (settings.contains("timeout") && settings["timeout"].is_string()) {
    absl::StatusOr<absl::Duration> timeout = ParseDuration(settings["timeout"].get<std::string>());
    if (timeout.ok()) server.timeout = *timeout;
  }
  return server;
}

std::optional<SmtpFailure> SendMail(const MailServer& server, const std::string& sender,
                                    const std::vector<std::string>& recipients,
                                    const std::string& message, absl::Duration timeout) {
  InitCurlOnce();
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return SmtpFailure{SmtpFailure::Kind::kTransient, 0, "curl_easy_init failed"};
  std::unique_ptr<curl_slist, SlistDeleter> rcpt;
  for (const std::string& recipient : recipients) {
    curl_slist* head = curl_slist_append(rcpt.get(), recipient.c_str());
    if (head == nullptr) return SmtpFailure{SmtpFailure::Kind::kTransient, 0, "out of memory"};
    (void)rcpt.release();
    rcpt.reset(head);
  }
  UploadSource upload{&message};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  server.Configure(c, timeout);
  curl_easy_setopt(c, CURLOPT_URL, server.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, sender.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode code = curl_easy_perform(c);
  if (code == CURLE_OK) return std::nullopt;
  long reply = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply);
  SmtpFailure failure;
  failure.kind = Classify(code, reply);
  failure.reply_code = static_cast<int>(reply);
  failure.message = absl::StrCat(curl_easy_strerror(code), error[0] != '\0' ? ": " : "", error);
  if (reply > 0) absl::StrAppend(&failure.message, " (server replied ", reply, ")");
  return failure;
}

}  // namespace flowline::steps
