// Server-sent events of an OpenAI-compatible streamed chat completion, read from a buffered
// body (steps::HttpClient has no streaming callback): the chunks are assembled into the shape
// of a non-streamed chat.completion so that one parser reads both. A stream that ends before
// `data: [DONE]` or before a finish_reason is truncated: the answer may be cut, so it is an
// error (Unavailable, counted by the breaker, never cached).
#pragma once

#include <string_view>

#include "absl/status/statusor.h"
#include "common/json_util.h"

namespace flowline::ai::llm {

// {"model", "choices":[{"index":0,"message":{"role":"assistant","content","refusal"},
// "logprobs":{"content":[...]}|null,"finish_reason"}], "usage":{...}|absent} from the events
// of `body`. Errors (Unavailable, naming `provider`): "stream ended before [DONE]", a chunk
// that is not JSON, an error event (`data: {"error":...}`), no finish_reason.
absl::StatusOr<Json> AssembleChatStream(std::string_view body, std::string_view provider);

}  // namespace flowline::ai::llm
