// A fake LLM service for tests: one loopback HTTP server (127.0.0.1, an ephemeral port) that
// speaks the three wire protocols of docs/llm.md — OpenAI-compatible Chat Completions
// (POST /v1/chat/completions), Anthropic Messages (POST /v1/messages) and Ollama's native API
// (POST /api/chat) — with bodies shaped like the real services' documented examples, including
// their errors (429 with Retry-After, 5xx, 529 overloaded), malformed bodies, answers that break
// the schema, truncated streams and requests that never finish in time.
//
// A test scripts the replies per path (first in, first out) and/or sets a default reply function
// (the "oracle"); every request is recorded (path, query, lower-cased headers, parsed body) so a
// test can check the request shape over the wire. Test-only; thread-safe (the server answers on
// its own threads).
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "ai/llm/provider_config.h"
#include "common/clock.h"
#include "common/json_util.h"

namespace flowline::steps::testing {
class TestHttpServer;
}

namespace flowline::ai::llm::testing {

struct Reply {
  enum class Kind {
    kAnswer,           // 200 with `answer` in the protocol's envelope (SSE if the request streams)
    kStatus,           // `status` with `body` and `headers` exactly as given (the errors of §1.4)
    kMalformed,        // 200 application/json, the body cut in the middle of the JSON text
    kSchemaViolating,  // 200, a valid envelope; the answer's "amount" is "twelve hundred"
    kSlow,             // blocks until ReleaseSlow() (or the server's end), then answers
    kStream,           // OpenAI only: the answer as server-sent events ending in [DONE]
    kTruncatedStream,  // OpenAI only: two chunks, then the connection drops (see clean_end)
    kRefusal,          // OpenAI: content null + refusal; Anthropic: a text block, no tool use;
                       // Ollama: the refusal as plain (non-JSON) content
    kLength,           // the token limit: finish/stop/done reason "length"/"max_tokens", the
                       // answer text cut in the middle
  };
  Kind kind = Kind::kAnswer;
  Json answer = Json::object();  // kAnswer/kStream/kSlow/kLength/kSchemaViolating: the answer
  int status = 200;              // kStatus
  std::string body;              // kStatus: the exact body
  std::vector<std::pair<std::string, std::string>> headers;  // added to the response
  int64_t input_tokens = 412;
  int64_t output_tokens = 61;
  // OpenAI only, per output token; empty: "logprobs": null. The tokens are `tokens` if given
  // (their concatenation must be the answer's text), else the text cut into logprobs.size()
  // pieces of (nearly) equal length.
  std::vector<double> logprobs;
  std::vector<std::string> tokens;
  // kTruncatedStream: false (default) drops the connection mid-response; true ends the
  // response cleanly after the two chunks, without a finish_reason and without `data: [DONE]`.
  bool clean_end = false;
  // The handler waits this long (or until ReleaseSlow()) before answering: lets concurrent
  // requests overlap so MaxInFlight() can see them. Not a test timing: nothing asserts on it.
  absl::Duration hold = absl::ZeroDuration();
};

// Shorthands (designated initialisers trip -Wmissing-field-initializers).
Reply AnswerReply(Json answer);
Reply KindReply(Reply::Kind kind, Json answer = Json::object());
Reply StatusReply(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers = {});

struct RecordedRequest {
  std::string path;                            // "/v1/chat/completions"
  std::map<std::string, std::string> query;    // "api-version" -> "2024-10-21"
  std::map<std::string, std::string> headers;  // names lower-cased
  Json body;                                   // parsed; the raw text as a string if not JSON
  absl::Time at;                               // on the clock given to UseClock (else unset)
};

// The request paths of the three protocols.
inline constexpr std::string_view kOpenAiPath = "/v1/chat/completions";
inline constexpr std::string_view kAnthropicPath = "/v1/messages";
inline constexpr std::string_view kOllamaPath = "/api/chat";

class FakeProviderServer {
 public:
  FakeProviderServer();  // registers the three paths; not listening until Start()
  ~FakeProviderServer();
  FakeProviderServer(const FakeProviderServer&) = delete;
  FakeProviderServer& operator=(const FakeProviderServer&) = delete;

  void Start();
  int port() const;
  // What a ProviderConfig's base_url is for `protocol`: "http://127.0.0.1:PORT/v1" for openai,
  // "http://127.0.0.1:PORT" for anthropic and ollama.
  std::string BaseUrl(ProviderConfig::Protocol protocol) const;

  // Replies for the next requests on `path`, first in first out, after those already queued.
  void Script(std::string path, std::vector<Reply> replies);
  // The reply when a path's queue is empty (default: kAnswer with an empty object).
  void Answer(std::function<Reply(const RecordedRequest&)> fn);
  // Records request times on `clock` (a FakeClock in tests); must outlive the server's use.
  void UseClock(const common::Clock& clock);

  std::vector<RecordedRequest> Requests() const;
  int Count(std::string_view path = "") const;  // "" = all paths
  int MaxInFlight() const;                      // most requests being answered at once
  std::vector<absl::Time> RequestTimes() const;
  // Lets every kSlow (and held) handler finish. Also done by the destructor.
  void ReleaseSlow();

 private:
  struct Rendered;
  Reply NextReply(const RecordedRequest& request);

  std::unique_ptr<steps::testing::TestHttpServer> server_;
  mutable std::mutex mu_;
  std::condition_variable released_cv_;
  bool released_ = false;
  std::map<std::string, std::deque<Reply>> scripts_;
  std::function<Reply(const RecordedRequest&)> answer_;
  const common::Clock* clock_ = nullptr;
  std::vector<RecordedRequest> requests_;
  int in_flight_ = 0;
  int max_in_flight_ = 0;
};

// A provider named `name` speaking `protocol` to `server` (no key variable, auth none for
// openai; models "fake-model" with prices 1.0/2.0 per million tokens as default_model; no limits).
ProviderConfig TestProvider(std::string name, ProviderConfig::Protocol protocol,
                            const FakeProviderServer& server);

}  // namespace flowline::ai::llm::testing
