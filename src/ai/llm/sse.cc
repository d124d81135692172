#include "ai/llm/sse.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "ai/llm/provider_errors.h"
#include "common/strings.h"

namespace flowline::ai::llm {
namespace {

constexpr size_t kMessageBytes = 300;

// The data of each event, in order (the lines of a multi-line event joined with '\n').
std::vector<std::string> EventData(std::string_view body) {
  std::vector<std::string> events;
  std::string data;
  bool has_data = false;
  for (absl::string_view line : absl::StrSplit(Sv(body), '\n')) {
    absl::ConsumeSuffix(&line, "\r");
    if (line.empty()) {  // an event ends
      if (has_data) events.push_back(std::move(data));
      data.clear();
      has_data = false;
      continue;
    }
    if (!absl::ConsumePrefix(&line, "data:")) continue;  // comments, event:, id:, retry:
    absl::ConsumePrefix(&line, " ");
    if (has_data) data += '\n';
    data.append(line.data(), line.size());
    has_data = true;
  }
  if (has_data) events.push_back(std::move(data));  // a last event without its blank line
  return events;
}

}  // namespace

absl::StatusOr<Json> AssembleChatStream(std::string_view body, std::string_view provider) {
  std::string content;
  std::string refusal;
  bool has_refusal = false;
  Json logprobs = Json::array();
  bool has_logprobs = false;
  Json finish_reason;  // null until a chunk gives one
  Json usage;
  std::string model;
  bool done = false;
  for (const std::string& data : EventData(body)) {
    if (data == "[DONE]") {
      done = true;
      break;
    }
    absl::StatusOr<Json> chunk = common::ParseJson(data, "stream chunk");
    if (!chunk.ok() || !chunk->is_object()) {
      return absl::UnavailableError(absl::StrCat(
          Sv(provider), ": a stream chunk is not JSON: ", Excerpt(data, kMessageBytes)));
    }
    if (chunk->contains("error")) {
      const Json& error = (*chunk)["error"];
      const std::string message =
          error.is_object() && error.contains("message") && error["message"].is_string()
              ? error["message"].get<std::string>()
              : error.dump();
      return absl::UnavailableError(absl::StrCat(
          Sv(provider), ": the stream reported an error: ", Excerpt(message, kMessageBytes)));
    }
    if (chunk->contains("model") && (*chunk)["model"].is_string()) {
      model = (*chunk)["model"].get<std::string>();
    }
    if (chunk->contains("usage") && (*chunk)["usage"].is_object()) usage = (*chunk)["usage"];
    // vLLM sends the usage chunk with "choices": null.
    const auto choices = chunk->find("choices");
    if (choices == chunk->end() || !choices->is_array()) continue;
    for (const Json& choice : *choices) {
      if (choice.value("index", 0) != 0) continue;
      if (const auto delta = choice.find("delta"); delta != choice.end() && delta->is_object()) {
        if (const auto text = delta->find("content"); text != delta->end() && text->is_string()) {
          content += text->get<std::string>();
        }
        if (const auto text = delta->find("refusal"); text != delta->end() && text->is_string()) {
          refusal += text->get<std::string>();
          has_refusal = true;
        }
      }
      if (const auto lp = choice.find("logprobs"); lp != choice.end() && lp->is_object() &&
                                                   lp->contains("content") &&
                                                   (*lp)["content"].is_array()) {
        for (const Json& token : (*lp)["content"]) logprobs.push_back(token);
        has_logprobs = true;
      }
      if (const auto finish = choice.find("finish_reason");
          finish != choice.end() && finish->is_string()) {
        finish_reason = *finish;
      }
    }
  }
  if (!done) {
    return absl::UnavailableError(absl::StrCat(Sv(provider), ": stream ended before [DONE]"));
  }
  if (finish_reason.is_null()) {
    return absl::UnavailableError(
        absl::StrCat(Sv(provider), ": stream ended without a finish_reason"));
  }
  Json message = {{"role", "assistant"},
                  {"content", has_refusal && content.empty() ? Json() : Json(content)},
                  {"refusal", has_refusal ? Json(refusal) : Json()}};
  Json choice = {{"index", 0},
                 {"message", std::move(message)},
                 {"logprobs", has_logprobs ? Json{{"content", std::move(logprobs)}} : Json()},
                 {"finish_reason", std::move(finish_reason)}};
  Json assembled = {{"object", "chat.completion"},
                    {"model", model},
                    {"choices", Json::array({std::move(choice)})}};
  if (!usage.is_null()) assembled["usage"] = std::move(usage);
  return assembled;
}

}  // namespace flowline::ai::llm
