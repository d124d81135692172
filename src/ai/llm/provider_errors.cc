#include "ai/llm/provider_errors.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/json_util.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

constexpr absl::string_view kRetryAfterPayload = "flowline/retry-after";
constexpr absl::string_view kCircuitOpenPayload = "flowline/circuit-open";
constexpr size_t kMessageBytes = 300;

// The error's message and its type/code from the three protocols' envelopes:
// OpenAI {"error":{"message","type","code"}}, Anthropic {"type":"error","error":{"type",
// "message"}}, Ollama {"error":"..."}. Anything else: the body's start, no type.
struct ErrorBody {
  std::string type;
  std::string message;
};

ErrorBody ReadErrorBody(std::string_view body) {
  ErrorBody read;
  absl::StatusOr<Json> json = common::ParseJson(body, "error body");
  if (json.ok() && json->is_object() && json->contains("error")) {
    const Json& error = (*json)["error"];
    if (error.is_string()) {
      read.message = error.get<std::string>();
      return read;
    }
    if (error.is_object()) {
      if (error.contains("code") && error["code"].is_string()) {
        read.type = error["code"].get<std::string>();
      } else if (error.contains("type") && error["type"].is_string()) {
        read.type = error["type"].get<std::string>();
      }
      if (error.contains("message") && error["message"].is_string()) {
        read.message = error["message"].get<std::string>();
      }
      return read;
    }
  }
  read.message = std::string(absl::StripAsciiWhitespace(Sv(body)));
  return read;
}

std::optional<absl::Duration> RetryAfterHeader(const steps::HttpResponse& response,
                                               absl::Time now) {
  double ms = 0;
  if (const std::string value = response.Header("retry-after-ms");
      !value.empty() && absl::SimpleAtod(value, &ms) && ms >= 0) {
    return absl::Milliseconds(ms);
  }
  return steps::ParseRetryAfter(response.Header("retry-after"), now);
}

}  // namespace

std::string Excerpt(std::string_view text, size_t max_bytes) {
  const Json value = std::string(text.substr(0, max_bytes));
  // nlohmann keeps invalid UTF-8 in strings; its serialiser can replace it.
  const std::string dumped = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  return Json::parse(dumped).get<std::string>();
}

steps::ErrorClass ErrorClassOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kResourceExhausted:
      return steps::ErrorClass::kRateLimited;
    case absl::StatusCode::kUnavailable:
      return steps::ErrorClass::kTransient;
    case absl::StatusCode::kDeadlineExceeded:
      return steps::ErrorClass::kTimeout;
    default:
      return steps::ErrorClass::kPermanent;
  }
}

std::optional<absl::Duration> RetryAfterOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kRetryAfterPayload);
  if (!payload) return std::nullopt;
  double seconds = 0;
  if (!absl::SimpleAtod(std::string(*payload), &seconds) || seconds < 0) return std::nullopt;
  return absl::Seconds(seconds);
}

bool CountsAgainstProvider(const absl::Status& status) {
  if (IsCircuitOpen(status)) return false;
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

bool IsCircuitOpen(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable &&
         status.GetPayload(kCircuitOpenPayload).has_value();
}

absl::Status WithRetryAfter(absl::Status status, std::optional<absl::Duration> after) {
  if (status.ok() || !after) return status;
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(absl::ToDoubleSeconds(*after))));
  return status;
}

absl::Status CircuitOpenError(std::string_view message, absl::Duration retry_after) {
  absl::Status status = absl::UnavailableError(Sv(message));
  status.SetPayload(kCircuitOpenPayload, absl::Cord("1"));
  return WithRetryAfter(std::move(status), retry_after);
}

absl::Status StatusFromHttp(std::string_view provider, const steps::HttpResponse& response,
                            absl::Time now) {
  const int code = response.status;
  if (code >= 200 && code < 300) return absl::OkStatus();
  const ErrorBody error = ReadErrorBody(response.body);
  std::string message =
      absl::StrCat(Sv(provider), ": HTTP ", code, error.type.empty() ? "" : " ", Sv(error.type),
                   error.message.empty() ? "" : ": ", Excerpt(error.message, kMessageBytes));
  const std::optional<absl::Duration> after = RetryAfterHeader(response, now);
  if (code == 429) {
    if (error.type == "insufficient_quota") {
      return absl::FailedPreconditionError(absl::StrCat(
          message, " (quota exhausted: check the plan and billing of the provider account)"));
    }
    return WithRetryAfter(absl::ResourceExhaustedError(message), after);
  }
  if (code == 408 || code >= 500) return WithRetryAfter(absl::UnavailableError(message), after);
  switch (code) {
    case 401:
      return absl::UnauthenticatedError(
          absl::StrCat(message,
                       " (check the key in the environment variable the provider's api_key_env "
                       "names)"));
    case 403:
      return absl::PermissionDeniedError(message);
    case 404:
      return absl::NotFoundError(
          absl::StrCat(message, " (check the provider's base_url and the model name)"));
    default:
      return absl::InvalidArgumentError(message);
  }
}

}  // namespace flowline::ai::llm
