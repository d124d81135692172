#include "ai/llm/testing/fake_provider_server.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "steps/test_http_server.h"

namespace flowline::ai::llm::testing {
namespace {

enum class Protocol { kOpenAi, kAnthropic, kOllama };

// The bodies below copy the documented examples of each API (docs/llm.md, "Wire formats"):
// ids, timestamps and fingerprints are the examples' own.
constexpr char kOpenAiId[] = "chatcmpl-AB12cd";
constexpr int64_t kOpenAiCreated = 1732460000;
constexpr char kMalformedBody[] = R"({"id":"chatcmpl-AB12cd","object":"chat.compl)";
constexpr char kRefusalText[] = "I can't help with that.";

std::string ModelOf(const RecordedRequest& request) {
  if (request.body.is_object() && request.body.contains("model") &&
      request.body["model"].is_string()) {
    return request.body["model"].get<std::string>();
  }
  return "fake-model";
}

bool BoolMember(const Json& body, const char* name) {
  return body.is_object() && body.contains(name) && body[name].is_boolean() &&
         body[name].get<bool>();
}

// The answer's text cut in the middle (of a string, for the usual answers): what a model
// stopped by its token limit leaves.
std::string CutInTheMiddle(const std::string& text) { return text.substr(0, text.size() / 2); }

// The answer with its "amount" as words: breaks any schema that wants a number.
Json SchemaViolating(Json answer) {
  if (!answer.is_object()) answer = Json::object();
  answer["amount"] = "twelve hundred";
  return answer;
}

// The answer's text as the model "wrote" it (OpenAI and Ollama content).
std::string AnswerText(const Reply& reply) {
  switch (reply.kind) {
    case Reply::Kind::kRefusal:
      return kRefusalText;
    case Reply::Kind::kLength:
      return CutInTheMiddle(reply.answer.dump());
    case Reply::Kind::kSchemaViolating:
      return SchemaViolating(reply.answer).dump();
    default:
      return reply.answer.dump();
  }
}

std::vector<std::string> Tokens(const Reply& reply, const std::string& text) {
  if (!reply.tokens.empty()) return reply.tokens;
  std::vector<std::string> tokens;
  const size_t n = reply.logprobs.size();
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t end = i + 1 == n ? text.size() : (text.size() * (i + 1)) / n;
    tokens.push_back(text.substr(start, end - start));
    start = end;
  }
  return tokens;
}

Json OpenAiLogprobs(const Reply& reply, const std::string& text) {
  if (reply.logprobs.empty()) return nullptr;
  const std::vector<std::string> tokens = Tokens(reply, text);
  Json content = Json::array();
  for (size_t i = 0; i < reply.logprobs.size() && i < tokens.size(); ++i) {
    Json bytes = Json::array();
    for (unsigned char c : tokens[i]) bytes.push_back(static_cast<int>(c));
    content.push_back({{"token", tokens[i]},
                       {"logprob", reply.logprobs[i]},
                       {"bytes", bytes},
                       {"top_logprobs", Json::array()}});
  }
  return {{"content", content}};
}

Json OpenAiUsage(const Reply& reply) {
  return {{"prompt_tokens", reply.input_tokens},
          {"completion_tokens", reply.output_tokens},
          {"total_tokens", reply.input_tokens + reply.output_tokens},
          {"prompt_tokens_details", {{"cached_tokens", 0}}},
          {"completion_tokens_details", {{"reasoning_tokens", 0}}}};
}

Json OpenAiCompletion(const Reply& reply, const RecordedRequest& request) {
  Json message = {{"role", "assistant"}};
  std::string text;
  if (reply.kind == Reply::Kind::kRefusal) {
    message["content"] = nullptr;
    message["refusal"] = kRefusalText;
  } else {
    text = AnswerText(reply);
    message["content"] = text;
    message["refusal"] = nullptr;
  }
  const std::string finish = reply.kind == Reply::Kind::kLength ? "length" : "stop";
  return {{"id", kOpenAiId},
          {"object", "chat.completion"},
          {"created", kOpenAiCreated},
          {"model", ModelOf(request)},
          {"choices", Json::array({{{"index", 0},
                                    {"message", message},
                                    {"logprobs", OpenAiLogprobs(reply, text)},
                                    {"finish_reason", finish}}})},
          {"usage", OpenAiUsage(reply)},
          {"system_fingerprint", "fp_0ba0d124f1"}};
}

std::string SseEvent(const Json& chunk) { return absl::StrCat("data: ", chunk.dump(), "\n\n"); }

Json StreamChunk(const RecordedRequest& request, Json delta, Json finish) {
  return {{"id", kOpenAiId},
          {"object", "chat.completion.chunk"},
          {"created", kOpenAiCreated},
          {"model", ModelOf(request)},
          {"choices", Json::array({{{"index", 0},
                                    {"delta", std::move(delta)},
                                    {"logprobs", nullptr},
                                    {"finish_reason", std::move(finish)}}})},
          {"usage", nullptr}};
}

// The answer as OpenAI streams it: a role chunk, the content in three pieces, a finish chunk,
// the usage chunk (when asked for with stream_options.include_usage), then [DONE].
std::vector<std::string> OpenAiStream(const Reply& reply, const RecordedRequest& request) {
  const std::string text = reply.answer.dump();
  std::vector<std::string> events;
  events.push_back(
      SseEvent(StreamChunk(request, {{"role", "assistant"}, {"content", ""}}, nullptr)));
  const size_t third = text.size() / 3;
  for (const std::string& piece :
       {text.substr(0, third), text.substr(third, third), text.substr(2 * third)}) {
    events.push_back(SseEvent(StreamChunk(request, {{"content", piece}}, nullptr)));
  }
  events.push_back(SseEvent(StreamChunk(request, Json::object(), "stop")));
  const Json& options = request.body.is_object() && request.body.contains("stream_options")
                            ? request.body["stream_options"]
                            : Json();
  if (BoolMember(options, "include_usage")) {
    events.push_back(SseEvent({{"id", kOpenAiId},
                               {"object", "chat.completion.chunk"},
                               {"created", kOpenAiCreated},
                               {"model", ModelOf(request)},
                               {"choices", Json::array()},
                               {"usage",
                                {{"prompt_tokens", reply.input_tokens},
                                 {"completion_tokens", reply.output_tokens},
                                 {"total_tokens", reply.input_tokens + reply.output_tokens}}}}));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::string ToolName(const RecordedRequest& request) {
  const Json& body = request.body;
  if (body.is_object() && body.contains("tool_choice") && body["tool_choice"].is_object() &&
      body["tool_choice"].contains("name") && body["tool_choice"]["name"].is_string()) {
    return body["tool_choice"]["name"].get<std::string>();
  }
  return "answer";
}

// The first half of an object's members: the input of a tool call cut off by max_tokens.
Json FirstHalf(const Json& answer) {
  Json half = Json::object();
  if (!answer.is_object()) return half;
  const size_t keep = answer.size() / 2;
  size_t i = 0;
  for (auto it = answer.begin(); it != answer.end() && i < keep; ++it, ++i) {
    half[it.key()] = it.value();
  }
  return half;
}

Json AnthropicMessage(const Reply& reply, const RecordedRequest& request) {
  Json content = Json::array();
  std::string stop = "tool_use";
  const Json tool_use = {
      {"type", "tool_use"}, {"id", "toolu_01A09q90qw90lq917835lq9"}, {"name", ToolName(request)}};
  switch (reply.kind) {
    case Reply::Kind::kRefusal:
      content.push_back({{"type", "text"}, {"text", kRefusalText}});
      stop = "end_turn";
      break;
    case Reply::Kind::kLength: {
      Json block = tool_use;
      block["input"] = FirstHalf(reply.answer);
      content.push_back(block);
      stop = "max_tokens";
      break;
    }
    case Reply::Kind::kSchemaViolating: {
      Json block = tool_use;
      block["input"] = SchemaViolating(reply.answer);
      content.push_back(block);
      break;
    }
    default: {
      Json block = tool_use;
      block["input"] = reply.answer;
      content.push_back(block);
    }
  }
  return {{"id", "msg_01Aq9w938a90dw8q"},
          {"type", "message"},
          {"role", "assistant"},
          {"model", ModelOf(request)},
          {"content", content},
          {"stop_reason", stop},
          {"stop_sequence", nullptr},
          {"usage",
           {{"input_tokens", reply.input_tokens},
            {"output_tokens", reply.output_tokens},
            {"cache_creation_input_tokens", 0},
            {"cache_read_input_tokens", 0}}}};
}

Json OllamaChat(const Reply& reply, const RecordedRequest& request) {
  const std::string text = AnswerText(reply);
  const std::string done_reason = reply.kind == Reply::Kind::kLength ? "length" : "stop";
  return {{"model", ModelOf(request)},
          {"created_at", "2024-12-09T16:45:04.380923Z"},
          {"message", {{"role", "assistant"}, {"content", text}}},
          {"done_reason", done_reason},
          {"done", true},
          {"total_duration", 4648158584},
          {"load_duration", 4071084},
          {"prompt_eval_count", reply.input_tokens},
          {"prompt_eval_duration", 439038000},
          {"eval_count", reply.output_tokens},
          {"eval_duration", 4196918000}};
}

Protocol ProtocolOfPath(std::string_view path) {
  if (path == kAnthropicPath) return Protocol::kAnthropic;
  if (path == kOllamaPath) return Protocol::kOllama;
  return Protocol::kOpenAi;
}

// Serves `events` in chunked encoding; with `drop`, stops after them without ending the
// response (httplib closes the connection: the client sees a transfer cut short).
void ServeEvents(httplib::Response& res, std::vector<std::string> events, bool drop) {
  auto shared = std::make_shared<std::vector<std::string>>(std::move(events));
  auto next = std::make_shared<size_t>(0);
  res.set_chunked_content_provider("text/event-stream",
                                   [shared, next, drop](size_t, httplib::DataSink& sink) {
                                     if (*next < shared->size()) {
                                       const std::string& event = (*shared)[(*next)++];
                                       return sink.write(event.data(), event.size());
                                     }
                                     if (drop) return false;
                                     sink.done();
                                     return true;
                                   });
}

void Render(const Reply& reply, const RecordedRequest& request, httplib::Response& res) {
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  const Protocol protocol = ProtocolOfPath(request.path);
  switch (reply.kind) {
    case Reply::Kind::kStatus:
      res.status = reply.status;
      res.set_content(reply.body, "application/json");
      return;
    case Reply::Kind::kMalformed:
      res.status = 200;
      res.set_content(kMalformedBody, "application/json");
      return;
    case Reply::Kind::kTruncatedStream:
      if (protocol == Protocol::kOpenAi) {
        std::vector<std::string> events = OpenAiStream(reply, request);
        events.resize(2);
        res.status = 200;
        ServeEvents(res, std::move(events), !reply.clean_end);
        return;
      }
      break;
    default:
      break;
  }
  res.status = 200;
  switch (protocol) {
    case Protocol::kOpenAi:
      if (reply.kind == Reply::Kind::kStream ||
          (reply.kind == Reply::Kind::kAnswer && BoolMember(request.body, "stream"))) {
        ServeEvents(res, OpenAiStream(reply, request), false);
        return;
      }
      res.set_content(OpenAiCompletion(reply, request).dump(), "application/json");
      return;
    case Protocol::kAnthropic:
      res.set_content(AnthropicMessage(reply, request).dump(), "application/json");
      return;
    case Protocol::kOllama:
      res.set_content(OllamaChat(reply, request).dump(), "application/json");
      return;
  }
}

}  // namespace

FakeProviderServer::FakeProviderServer()
    : server_(std::make_unique<steps::testing::TestHttpServer>()) {
  const auto handler = [this](const httplib::Request& req, httplib::Response& res) {
    RecordedRequest request;
    request.path = req.path;
    for (const auto& [name, value] : req.params) request.query[name] = value;
    for (const auto& [name, value] : req.headers) {
      request.headers[absl::AsciiStrToLower(name)] = value;
    }
    absl::StatusOr<Json> body = common::ParseJson(req.body, "request body");
    request.body = body.ok() ? *std::move(body) : Json(req.body);
    Reply reply;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (clock_ != nullptr) request.at = clock_->Now();
      requests_.push_back(request);
      max_in_flight_ = std::max(max_in_flight_, ++in_flight_);
    }
    reply = NextReply(request);
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Bounded, so a broken test cannot hang the server's end.
      const std::chrono::milliseconds wait =
          reply.kind == Reply::Kind::kSlow
              ? std::chrono::milliseconds(30'000)
              : std::chrono::milliseconds(absl::ToInt64Milliseconds(reply.hold));
      if (wait.count() > 0) released_cv_.wait_for(lock, wait, [this] { return released_; });
      --in_flight_;
    }
    if (reply.kind == Reply::Kind::kSlow) reply.kind = Reply::Kind::kAnswer;
    Render(reply, request, res);
  };
  for (std::string_view path : {kOpenAiPath, kAnthropicPath, kOllamaPath}) {
    server_->server().Post(std::string(path), handler);
  }
}

FakeProviderServer::~FakeProviderServer() { ReleaseSlow(); }

void FakeProviderServer::Start() { server_->Start(); }
int FakeProviderServer::port() const { return server_->port(); }

std::string FakeProviderServer::BaseUrl(ProviderConfig::Protocol protocol) const {
  const std::string root = absl::StrCat("http://127.0.0.1:", port());
  return protocol == ProviderConfig::Protocol::kOpenAi ? absl::StrCat(root, "/v1") : root;
}

void FakeProviderServer::Script(std::string path, std::vector<Reply> replies) {
  std::lock_guard<std::mutex> lock(mu_);
  std::deque<Reply>& queue = scripts_[std::move(path)];
  for (Reply& reply : replies) queue.push_back(std::move(reply));
}

void FakeProviderServer::Answer(std::function<Reply(const RecordedRequest&)> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  answer_ = std::move(fn);
}

void FakeProviderServer::UseClock(const common::Clock& clock) {
  std::lock_guard<std::mutex> lock(mu_);
  clock_ = &clock;
}

Reply FakeProviderServer::NextReply(const RecordedRequest& request) {
  std::function<Reply(const RecordedRequest&)> answer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = scripts_.find(request.path);
    if (it != scripts_.end() && !it->second.empty()) {
      Reply reply = std::move(it->second.front());
      it->second.pop_front();
      return reply;
    }
    answer = answer_;
  }
  // Called unlocked: an oracle may be slow and may itself read Requests().
  return answer ? answer(request) : Reply{};
}

std::vector<RecordedRequest> FakeProviderServer::Requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int FakeProviderServer::Count(std::string_view path) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (path.empty()) return static_cast<int>(requests_.size());
  return static_cast<int>(std::count_if(requests_.begin(), requests_.end(),
                                        [&](const RecordedRequest& r) { return r.path == path; }));
}

int FakeProviderServer::MaxInFlight() const {
  std::lock_guard<std::mutex> lock(mu_);
  return max_in_flight_;
}

std::vector<absl::Time> FakeProviderServer::RequestTimes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<absl::Time> times;
  for (const RecordedRequest& request : requests_) times.push_back(request.at);
  return times;
}

void FakeProviderServer::ReleaseSlow() {
  std::lock_guard<std::mutex> lock(mu_);
  released_ = true;
  released_cv_.notify_all();
}

}  // namespace flowline::ai::llm::testing

namespace flowline::ai::llm::testing {

Reply AnswerReply(Json answer) { return KindReply(Reply::Kind::kAnswer, std::move(answer)); }

Reply KindReply(Reply::Kind kind, Json answer) {
  Reply reply;
  reply.kind = kind;
  reply.answer = std::move(answer);
  return reply;
}

Reply StatusReply(int status, std::string body,
                  std::vector<std::pair<std::string, std::string>> headers) {
  Reply reply;
  reply.kind = Reply::Kind::kStatus;
  reply.status = status;
  reply.body = std::move(body);
  reply.headers = std::move(headers);
  return reply;
}

ProviderConfig TestProvider(std::string name, ProviderConfig::Protocol protocol,
                            const FakeProviderServer& server) {
  ProviderConfig config;
  config.name = std::move(name);
  config.protocol = protocol;
  config.base_url = server.BaseUrl(protocol);
  config.auth = ProviderConfig::Auth::kNone;
  config.default_model = "fake-model";
  config.models["fake-model"] = ModelPricing{1.0, 2.0};
  return config;
}

}  // namespace flowline::ai::llm::testing
