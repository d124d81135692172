#include "ai/llm/provider_wire.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ai/llm/provider_errors.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

constexpr size_t kBodyInError = 200;

std::string PercentEncode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "%%%02X", c);
    }
  }
  return out;
}

}  // namespace

steps::HttpRequest JsonPost(std::string url, const Json& body, absl::Duration timeout) {
  steps::HttpRequest http;
  http.method = "POST";
  http.url = std::move(url);
  http.headers.emplace_back("Content-Type", "application/json");
  http.body = common::CanonicalJson(body);
  http.timeout = timeout;
  return http;
}

std::string EndpointUrl(const ProviderConfig& config, std::string_view path) {
  std::string url = absl::StrCat(config.base_url, Sv(path));
  char separator = '?';
  for (const auto& [name, value] : config.query) {
    absl::StrAppend(&url, std::string(1, separator), PercentEncode(name), "=",
                    PercentEncode(value));
    separator = '&';
  }
  return url;
}

Json ChatMessages(const ModelRequest& request, const std::string& system) {
  Json messages = Json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  for (const ChatMessage& message : request.messages) {
    messages.push_back({{"role", message.role == ChatMessage::Role::kUser ? "user" : "assistant"},
                        {"content", message.content}});
  }
  return messages;
}

Json ParseAnswer(std::string_view text) {
  absl::StatusOr<Json> answer = common::ParseJson(text, "answer");
  if (!answer.ok()) return Json();
  // nlohmann keeps invalid UTF-8 inside strings and would throw when the answer is serialised
  // later (records, cache): repair it here, where the answer enters flowline.
  try {
    (void)answer->dump();
  } catch (const Json::type_error&) {
    return Json::parse(common::CanonicalJson(*answer));
  }
  return *std::move(answer);
}

absl::Status UnexpectedBody(std::string_view provider, std::string_view what,
                            std::string_view why) {
  return absl::UnavailableError(absl::StrCat(Sv(provider), ": the response is not ", Sv(what), ": ",
                                             Excerpt(why, kBodyInError)));
}

int64_t IntegerMember(const Json& object, const char* name) {
  if (!object.is_object()) return 0;
  const auto value = object.find(name);
  return value != object.end() && value->is_number_integer() ? value->get<int64_t>() : 0;
}

std::string StringMember(const Json& object, const char* name) {
  if (!object.is_object()) return "";
  const auto value = object.find(name);
  return value != object.end() && value->is_string() ? value->get<std::string>() : "";
}

absl::StatusOr<Json> ResponseJson(std::string_view provider, std::string_view what,
                                  std::string_view body) {
  absl::StatusOr<Json> json = common::ParseJson(body, "response body");
  if (!json.ok()) return UnexpectedBody(provider, what, std::string(json.status().message()));
  if (!json->is_object()) return UnexpectedBody(provider, what, body);
  return json;
}

}  // namespace flowline::ai::llm
