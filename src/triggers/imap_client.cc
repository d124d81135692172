#include "triggers/imap_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "steps/secrets.h"

namespace flowline::triggers {
namespace {

// A message bigger than this is refused rather than held in memory.
constexpr size_t kMaxMessageBytes = 64 << 20;

struct Sink {
  std::string data;
  bool too_big = false;
};

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->data.size() + size * count > kMaxMessageBytes) {
    sink->too_big = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->data.append(data, size * count);
  return size * count;
}

// A folder in a URL path: RFC 3986 percent-encoding, keeping '/' (the hierarchy separator).
std::string UrlFolder(std::string_view folder) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : folder) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

// The numbers after `key` in an untagged response ("UIDVALIDITY 123").
bool NumberAfter(std::string_view text, std::string_view key, uint64_t* value) {
  const size_t at = text.find(key);
  if (at == std::string_view::npos) return false;
  std::string_view rest = text.substr(at + key.size());
  size_t end = 0;
  while (end < rest.size() && std::isdigit(static_cast<unsigned char>(rest[end]))) ++end;
  return absl::SimpleAtoi(Sv(rest.substr(0, end)), value);
}

}  // namespace

std::string ImapQuote(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

ImapClient::ImapClient(steps::MailServer server) : server_(std::move(server)) {
  steps::InitCurlOnce();
  curl_ = curl_easy_init();
  error_buffer_.assign(CURL_ERROR_SIZE, '\0');
}

ImapClient::~ImapClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

absl::Status ImapClient::Error(int code, std::string_view what) const {
  const auto curl_code = static_cast<CURLcode>(code);
  std::string message =
      absl::StrCat(Sv(what), " on ", server_.label, ": ", curl_easy_strerror(curl_code));
  if (error_buffer_[0] != '\0') absl::StrAppend(&message, " (", error_buffer_.c_str(), ")");
  message = steps::Redact(std::move(message), server_.Secrets());
  switch (curl_code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_REMOTE_FILE_NOT_FOUND:
      return absl::NotFoundError(message);
    case CURLE_LOGIN_DENIED:
      return absl::PermissionDeniedError(message);
    default:
      return absl::UnavailableError(message);
  }
}

absl::StatusOr<std::string> ImapClient::Perform(const std::string& url, std::string_view what) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  Sink sink;
  error_buffer_.assign(CURL_ERROR_SIZE, '\0');
  server_.Configure(curl, server_.timeout);
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer_.data());
  const CURLcode code = curl_easy_perform(curl);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  if (sink.too_big) {
    return absl::ResourceExhaustedError(absl::StrCat(Sv(what), " on ", server_.label,
                                                     ": the message is larger than ",
                                                     kMaxMessageBytes >> 20, " MiB"));
  }
  if (code != CURLE_OK) return Error(code, what);
  return std::move(sink.data);
}

absl::StatusOr<std::string> ImapClient::Command(std::string_view url_path,
                                                const std::string& command) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, command.c_str());
  const std::string what = command.substr(0, command.find(' ', 4));
  return Perform(absl::StrCat(server_.url, "/", Sv(url_path)), what);
}

absl::StatusOr<FolderStatus> ImapClient::Status(std::string_view folder) {
  absl::StatusOr<std::string> response =
      Command("", absl::StrCat("STATUS ", ImapQuote(folder), " (UIDVALIDITY UIDNEXT)"));
  if (!response.ok()) {
    // A tagged NO to STATUS: the folder does not exist (or may not be read).
    if (absl::StrContains(response.status().message(), "Quote command returned error")) {
      return absl::NotFoundError(absl::StrCat("folder \"", Sv(folder), "\" not found on ",
                                              server_.label, "; create it or fix `folder:`"));
    }
    return response.status();
  }
  FolderStatus status;
  if (!NumberAfter(*response, "UIDVALIDITY ", &status.uidvalidity) ||
      !NumberAfter(*response, "UIDNEXT ", &status.uidnext)) {
    return absl::UnavailableError(absl::StrCat("STATUS of \"", Sv(folder), "\" on ", server_.label,
                                               " said neither UIDVALIDITY nor UIDNEXT"));
  }
  return status;
}

absl::StatusOr<std::vector<uint64_t>> ImapClient::SearchAfter(std::string_view folder,
                                                              uint64_t after_uid) {
  absl::StatusOr<std::string> response =
      Command(UrlFolder(folder), absl::StrCat("UID SEARCH UID ", after_uid + 1, ":*"));
  if (!response.ok()) return response.status();
  std::vector<uint64_t> uids;
  for (absl::string_view line : absl::StrSplit(*response, '\n')) {
    line = absl::StripAsciiWhitespace(line);
    if (!absl::ConsumePrefix(&line, "* SEARCH")) continue;
    for (absl::string_view word : absl::StrSplit(line, ' ', absl::SkipEmpty())) {
      uint64_t uid = 0;
      // "n:*" always matches the last message, even below n: keep only the new ones.
      if (absl::SimpleAtoi(word, &uid) && uid > after_uid) uids.push_back(uid);
    }
  }
  std::sort(uids.begin(), uids.end());
  return uids;
}

absl::StatusOr<std::string> ImapClient::Fetch(std::string_view folder, uint64_t uidvalidity,
                                              uint64_t uid) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(curl);
  absl::StatusOr<std::string> message =
      Perform(absl::StrCat(server_.url, "/", UrlFolder(folder), ";UIDVALIDITY=", uidvalidity,
                           "/;UID=", uid),
              absl::StrCat("FETCH of message ", uid));
  if (!message.ok()) {
    if (absl::IsNotFound(message.status())) {
      return absl::FailedPreconditionError(absl::StrCat("the UIDVALIDITY of \"", Sv(folder),
                                                        "\" on ", server_.label, " is no longer ",
                                                        uidvalidity));
    }
    return message.status();
  }
  if (message->empty()) {
    return absl::NotFoundError(absl::StrCat("message ", uid, " is gone from \"", Sv(folder), "\""));
  }
  return message;
}

absl::Status ImapClient::MarkSeen(std::string_view folder, uint64_t uid) {
  return Command(UrlFolder(folder), absl::StrCat("UID STORE ", uid, " +FLAGS.SILENT (\\Seen)"))
      .status();
}

absl::Status ImapClient::Delete(std::string_view folder, uint64_t uid) {
  absl::Status stored =
      Command(UrlFolder(folder), absl::StrCat("UID STORE ", uid, " +FLAGS.SILENT (\\Deleted)"))
          .status();
  if (!stored.ok()) return stored;
  if (capabilities_.empty()) {
    absl::StatusOr<std::string> capabilities = Command("", "CAPABILITY");
    if (!capabilities.ok()) return capabilities.status();
    capabilities_ = absl::AsciiStrToUpper(*capabilities);
  }
  // UID EXPUNGE removes this message only; a plain EXPUNGE would also remove what others
  // marked \Deleted in the folder.
  const bool uidplus = absl::StrContains(capabilities_, " UIDPLUS");
  return Command(UrlFolder(folder), uidplus ? absl::StrCat("UID EXPUNGE ", uid) : "EXPUNGE")
      .status();
}

absl::Status ImapClient::Move(std::string_view folder, uint64_t uid, std::string_view target) {
  if (capabilities_.empty()) {
    absl::StatusOr<std::string> capabilities = Command("", "CAPABILITY");
    if (!capabilities.ok()) return capabilities.status();
    capabilities_ = absl::AsciiStrToUpper(*capabilities);
  }
  if (absl::StrContains(capabilities_, " MOVE")) {
    return Command(UrlFolder(folder), absl::StrCat("UID MOVE ", uid, " ", ImapQuote(target)))
        .status();
  }
  absl::Status copied =
      Command(UrlFolder(folder), absl::StrCat("UID COPY ", uid, " ", ImapQuote(target))).status();
  if (!copied.ok()) return copied;
  return Delete(folder, uid);
}

absl::Status ImapClient::Append(std::string_view folder, const std::string& message) {
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) return absl::InternalError("curl_easy_init failed");
  curl_easy_reset(curl);
  steps::UploadSource upload{&message};
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, &steps::ReadUpload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &upload);
  curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  return Perform(absl::StrCat(server_.url, "/", UrlFolder(folder)), "APPEND").status();
}

absl::Status ImapClient::Create(std::string_view folder) {
  absl::Status created = Command("", absl::StrCat("CREATE ", ImapQuote(folder))).status();
  if (created.ok()) return created;
  absl::StatusOr<FolderStatus> exists = Status(folder);
  return exists.ok() ? absl::OkStatus() : created;
}

}  // namespace flowline::triggers
