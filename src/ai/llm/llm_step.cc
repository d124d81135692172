#include "ai/llm/llm_step.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ai/llm/answer_fields.h"
#include "ai/llm/llm_output.h"
#include "ai/llm/model_provider.h"
#include "ai/llm/provider_errors.h"
#include "ai/llm/provider_gate.h"
#include "ai/llm/provider_set.h"
#include "ai/llm/response_cache.h"
#include "common/ids.h"
#include "common/json_schema.h"
#include "common/status_macros.h"
#include "common/strings.h"
#include "spdlog/spdlog.h"
#include "steps/params.h"
#include "steps/text_template.h"

namespace flowline::ai::llm {

struct LlmStep::Shared {
  std::shared_ptr<const ProviderSet> providers;
  absl::Status providers_error;
  std::function<absl::StatusOr<std::shared_ptr<ResponseCache>>()> open_cache;

  // The cache, opened on first use; null when it could not be opened (calls go uncached).
  ResponseCache* Cache() {
    std::call_once(cache_once, [this] {
      if (!open_cache) {
        cache = NewMemoryResponseCache();
        return;
      }
      absl::StatusOr<std::shared_ptr<ResponseCache>> opened = open_cache();
      if (opened.ok()) {
        cache = *std::move(opened);
      } else {
        spdlog::warn("llm response cache unavailable, calling providers uncached: {}",
                     std::string(opened.status().message()));
      }
    });
    return cache.get();
  }

  std::once_flag cache_once;
  std::shared_ptr<ResponseCache> cache;
};

namespace {

using steps::ConfigError;
using steps::DescribeValue;
using steps::ParamReader;
using steps::StepOutcome;

constexpr int kMaxSamples = 10;
constexpr size_t kMaxPromptBytes = 200 * 1024;
constexpr char kProvidersHint[] =
    "add it to providers.yaml (--providers FILE or $FLOWLINE_PROVIDERS; docs/llm.md "
    "§\"Providers\")";

enum class Mode { kReplace, kFallback, kOff };

struct Settings {
  Mode mode = Mode::kReplace;
  std::string provider;
  const ProviderSet::Entry* entry = nullptr;
  std::string model;
  std::optional<steps::TextTemplate> system;
  std::optional<steps::TextTemplate> prompt;
  Json schema;
  std::shared_ptr<const common::JsonSchema> validator;
  std::string schema_name = "answer";
  int samples = 1;
  double temperature = 0;
  int64_t seed = 42;
  int max_tokens = 1024;
  bool cache = true;
  std::string confidence = "auto";
  bool route_failures = true;
  double below = 0.9;
  std::optional<absl::Duration> timeout;
  std::set<std::string> free_text;
  bool logprobs = false;  // asked of the provider
};

// [a-zA-Z0-9_-]{1,64}, as OpenAI's json_schema.name and Anthropic's tool name require.
std::string SchemaName(std::string_view step_id) {
  std::string name;
  for (char c : step_id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    name.push_back(ok ? c : '_');
    if (name.size() == 64) break;
  }
  return name.empty() ? "answer" : name;
}

std::optional<int64_t> Integer(ParamReader& r, std::string_view name, int64_t min, int64_t max) {
  const Json* value = r.Get(name);
  if (value == nullptr) return std::nullopt;
  const double number = value->get<double>();
  if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
    r.Error(std::string(name), absl::StrCat("`", Sv(name), "` must be between ", min, " and ", max,
                                            ", got ", DescribeValue(*value)));
    return std::nullopt;
  }
  return static_cast<int64_t>(number);
}

std::optional<std::string> OneOf(ParamReader& r, std::string_view name,
                                 std::initializer_list<std::string_view> allowed) {
  std::optional<std::string> value = r.String(name);
  if (!value.has_value()) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *value) == allowed.end()) {
    r.Error(
        std::string(name),
        absl::StrCat("`", Sv(name), "` must be one of ",
                     absl::StrJoin(std::vector<std::string>(allowed.begin(), allowed.end()), ", "),
                     ", got \"", *value, "\""));
    return std::nullopt;
  }
  return value;
}

void ReadProvider(ParamReader& r, const LlmStep::Shared& shared, Settings& s) {
  std::optional<std::string> provider = r.String("provider");
  if (!provider.has_value()) {
    if (!r.Has("provider")) {
      r.Error("provider", "missing required parameter \"provider\" (the step calls a model)",
              "name a provider of providers.yaml, e.g. provider: openai, or set mode: off");
    }
    return;
  }
  s.provider = *provider;
  if (!shared.providers_error.ok()) {
    r.Error(
        "provider",
        absl::StrCat("the providers file could not be loaded: ", shared.providers_error.message()),
        "fix providers.yaml (--providers)");
    return;
  }
  s.entry = shared.providers == nullptr ? nullptr : shared.providers->Find(*provider);
  if (s.entry == nullptr) {
    const std::vector<std::string> names =
        shared.providers == nullptr ? std::vector<std::string>{} : shared.providers->Names();
    r.Error("provider",
            absl::StrCat("unknown provider \"", *provider, "\"; ",
                         names.empty() ? "no providers are configured"
                                       : absl::StrCat("configured: ", absl::StrJoin(names, ", "))),
            kProvidersHint);
    return;
  }
  const ProviderConfig& config = *s.entry->config;
  s.model = r.String("model").value_or(config.default_model);
  if (s.model.empty() && config.models.size() == 1) s.model = config.models.begin()->first;
  if (s.model.empty()) {
    r.Error("model", absl::StrCat("provider \"", *provider, "\" has no default_model"),
            "name the model, e.g. model: gpt-4o-mini, or set default_model in providers.yaml");
  } else if (!config.models.empty() && !config.models.contains(s.model)) {
    std::vector<std::string> models;
    for (const auto& [name, pricing] : config.models) models.push_back(name);
    r.Error("model",
            absl::StrCat("model \"", s.model, "\" is not listed for provider \"", *provider,
                         "\" (models: ", absl::StrJoin(models, ", "), ")"),
            absl::StrCat("add it under providers.", *provider, ".models in providers.yaml"));
  }
}

void ReadTemplates(ParamReader& r, Settings& s) {
  for (const char* name : {"system", "prompt"}) {
    std::optional<std::string> text = r.String(name);
    if (!text.has_value()) continue;
    absl::StatusOr<steps::TextTemplate> compiled = steps::TextTemplate::Compile(*text);
    if (!compiled.ok()) {
      r.Error(name,
              absl::StrCat("the template is not valid mustache: ", compiled.status().message()),
              "close every {{#section}} with {{/section}}; write names as {{input.subject}}");
      continue;
    }
    (std::string_view(name) == "system" ? s.system : s.prompt) = *std::move(compiled);
  }
  if (!r.Has("prompt")) {
    r.Error("prompt", "missing required parameter \"prompt\" (what to ask the model)",
            "e.g. prompt: \"Extract the claim's fields from this email:\\n{{input.body}}\"");
  }
}

void ReadOutput(ParamReader& r, Settings& s) {
  const Json* output = r.Get("output");
  if (output == nullptr) {
    if (!r.Has("output")) {
      r.Error("output", "missing required parameter \"output\" (the answer's JSON Schema)",
              "e.g. output: {type: object, required: [amount], properties: {amount: {type: "
              "number}}}");
    }
    return;
  }
  if (output->value("type", Json()) != "object" || !output->contains("properties") ||
      !(*output)["properties"].is_object()) {
    r.Error("output", "the output schema's root must be type: object with properties",
            "write output: {type: object, properties: {name: {type: string}, ...}}");
    return;
  }
  absl::StatusOr<std::unique_ptr<common::JsonSchema>> compiled =
      common::JsonSchema::Compile(*output);
  if (!compiled.ok()) {
    r.Error("output", absl::StrCat("the output schema is ", compiled.status().message()));
    return;
  }
  s.schema = *output;
  s.validator = *std::move(compiled);
}

Settings ReadSettings(ParamReader& r, const LlmStep::Shared& shared, std::string_view step_id) {
  Settings s;
  s.schema_name = SchemaName(step_id);
  if (std::optional<std::string> mode = OneOf(r, "mode", {"replace", "fallback", "off"})) {
    s.mode = *mode == "off" ? Mode::kOff : *mode == "fallback" ? Mode::kFallback : Mode::kReplace;
  }
  if (s.mode != Mode::kReplace && !r.Has("prior")) {
    r.Error("prior", "mode: off and mode: fallback need `prior`, the output to keep",
            "e.g. prior: ${{ steps.fields_model.output }}");
  }
  if (const Json* below = r.Get("below")) {
    if (below->get<double>() < 0 || below->get<double>() > 1) {
      r.Error("below",
              absl::StrCat("`below` must be between 0 and 1, got ", DescribeValue(*below)));
    } else {
      s.below = below->get<double>();
    }
  }
  if (s.mode == Mode::kOff) return s;  // the model is not asked: nothing else is needed

  ReadProvider(r, shared, s);
  ReadTemplates(r, s);
  ReadOutput(r, s);
  s.samples = static_cast<int>(Integer(r, "samples", 1, kMaxSamples).value_or(1));
  s.temperature = s.samples > 1 ? 0.7 : 0.0;
  if (const Json* temperature = r.Get("temperature")) {
    if (temperature->get<double>() < 0 || temperature->get<double>() > 2) {
      r.Error("temperature", absl::StrCat("`temperature` must be between 0 and 2, got ",
                                          DescribeValue(*temperature)));
    } else {
      s.temperature = temperature->get<double>();
    }
  }
  s.seed = Integer(r, "seed", 0, int64_t{1} << 31).value_or(42);
  s.max_tokens = static_cast<int>(Integer(r, "max_tokens", 1, 1 << 20).value_or(1024));
  s.cache = r.Bool("cache").value_or(true);
  s.confidence = OneOf(r, "confidence", {"auto", "samples", "logprobs", "none"}).value_or("auto");
  s.route_failures = OneOf(r, "on_failure", {"route", "fail"}).value_or("route") == "route";
  if (std::optional<absl::Duration> timeout = r.Duration("timeout")) {
    if (*timeout <= absl::ZeroDuration()) {
      r.Error("timeout", "`timeout` must be longer than 0");
    } else {
      s.timeout = *timeout;
    }
  }
  if (const Json* free_text = r.Get("free_text")) {
    for (size_t i = 0; i < free_text->size(); ++i) {
      const Json& name = (*free_text)[i];
      if (!name.is_string() || !s.schema.is_object() ||
          !s.schema["properties"].contains(name.get<std::string>())) {
        r.Error(absl::StrCat("free_text.", i),
                absl::StrCat("free_text names ", DescribeValue(name),
                             ", which is not a property of the output schema"));
      } else {
        s.free_text.insert(name.get<std::string>());
      }
    }
  }
  const bool provider_logprobs = s.entry != nullptr && s.entry->config->logprobs &&
                                 s.entry->config->protocol == ProviderConfig::Protocol::kOpenAi;
  if (s.confidence == "samples" && s.samples < 2) {
    r.Error("confidence", "confidence: samples needs samples: 2 or more",
            "set samples: 3 (three calls per case), or confidence: auto");
  }
  if (s.confidence == "logprobs" && s.entry != nullptr && !provider_logprobs) {
    r.Error("confidence",
            absl::StrCat("provider \"", s.provider, "\" does not return token log probabilities"),
            "set logprobs: true for an OpenAI-protocol provider in providers.yaml, or use "
            "samples: 3 with confidence: samples");
  }
  if (s.confidence == "logprobs" && s.samples > 1) {
    r.Error("confidence", "confidence: logprobs works with samples: 1 only",
            "use confidence: samples for samples > 1");
  }
  s.logprobs =
      provider_logprobs && s.samples == 1 && (s.confidence == "auto" || s.confidence == "logprobs");
  return s;
}

// What one sample ended with after at most one schema retry.
struct SampleResult {
  std::optional<Json> answer;  // the valid answer
  ModelResponse last;          // the last response received
  std::string failure_kind;    // when invalid: invalid_answer, refused, truncated
  std::vector<std::string> problems;
};

struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  int calls = 0;
  int cached = 0;
  int schema_retries = 0;
  double cost = 0;
};

class PreparedLlm final : public steps::PreparedStep {
 public:
  PreparedLlm(std::shared_ptr<LlmStep::Shared> shared, Settings settings)
      : shared_(std::move(shared)), s_(std::move(settings)) {
    if (s_.mode == Mode::kOff) return;
    label_ = absl::StrCat(s_.provider, "/", s_.model);
    Json describe = s_.entry->config->Describe();
    // What shapes the answers, not how they are fetched: a new rate limit or a key set since
    // is not a new model.
    for (const char* how : {"key", "limits", "breaker", "timeout", "stream"}) describe.erase(how);
    model_ref_ =
        steps::ModelRef{label_, common::Sha256Hex(common::CanonicalJson(
                                    Json{{"provider", describe},
                                         {"model", s_.model},
                                         {"system", s_.system.has_value() ? s_.system->text() : ""},
                                         {"prompt", s_.prompt.has_value() ? s_.prompt->text() : ""},
                                         {"output", s_.schema}}))};
    if (auto it = s_.entry->config->models.find(s_.model); it != s_.entry->config->models.end()) {
      pricing_ = it->second;
    }
  }

  StepOutcome Execute(const steps::StepContext& ctx) const override {
    const Json prior = ctx.params != nullptr ? ctx.params->value("prior", Json()) : Json();
    if (s_.mode == Mode::kOff ||
        (s_.mode == Mode::kFallback && PriorIsConfident(prior, s_.below))) {
      return PassPrior(prior);
    }
    StepOutcome outcome = Ask(ctx);
    if (s_.mode == Mode::kFallback && outcome.kind == StepOutcome::Kind::kCompleted) {
      outcome.output = MergeFallback(prior, outcome.output, s_.below);
      outcome.confidence = LowestConfidence(outcome.output["fields"]);
      if (outcome.output.contains("failed")) outcome.confidence = 0.0;
    }
    return outcome;
  }

  std::vector<steps::MonitoredOutput> MonitoredOutputs() const override {
    std::vector<steps::MonitoredOutput> out;
    if (s_.mode == Mode::kOff || !s_.schema.is_object()) return out;
    for (const auto& [name, property] : s_.schema["properties"].items()) {
      if (s_.free_text.contains(name) || !property.is_object()) continue;
      const Json type = property.value("type", Json());
      if (type == "number" || type == "integer") {
        out.push_back({name, {"values", name}, steps::MonitoredOutput::Kind::kNumeric});
      } else if (property.contains("enum")) {
        out.push_back({name, {"values", name}, steps::MonitoredOutput::Kind::kCategorical});
      }
    }
    return out;
  }

 private:
  static StepOutcome PassPrior(const Json& prior) {
    Json output = prior.is_object() ? prior : Json::object();
    output["llm"] = {{"used", false}};
    std::optional<double> confidence;
    if (prior.is_object() && prior.contains("confidence") && prior["confidence"].is_number()) {
      confidence = prior["confidence"].get<double>();
    }
    StepOutcome outcome = StepOutcome::Completed(std::move(output), confidence);
    outcome.usage = Json{{"calls", 0}};
    return outcome;
  }

  const SecretSet& secrets() const { return shared_->providers->secrets(); }

  Json UsageJson(const Usage& usage) const {
    return Json{{"model", label_},
                {"input_tokens", usage.input_tokens},
                {"output_tokens", usage.output_tokens},
                {"calls", usage.calls},
                {"cached", usage.cached},
                {"cost", usage.cost}};
  }

  // The output's "llm": what shaped the answer. Not the calls and cache hits (those are in
  // `usage`): a replay answered from the cache must give the same output.
  Json LlmJson(const Usage& usage, int valid, const std::string& served, const char* method,
               const std::string& finish) const {
    return Json{{"provider", s_.provider},     {"model", s_.model},
                {"served_model", served},      {"samples", s_.samples},
                {"valid_samples", valid},      {"schema_retries", usage.schema_retries},
                {"confidence_method", method}, {"finish", finish}};
  }

  StepOutcome Fail(std::string error, steps::ErrorClass error_class,
                   std::optional<absl::Duration> retry_after, const Usage& usage) const {
    StepOutcome outcome =
        StepOutcome::Failed(secrets().Redact(std::move(error)), error_class, retry_after);
    outcome.usage = UsageJson(usage);
    return outcome;
  }

  // The step completes with "failed"; the gate routes it to a person (or, with on_failure:
  // fail, the attempt fails for good).
  StepOutcome Failed(const std::string& kind, const std::string& message, const Usage& usage,
                     int valid, const std::string& served, const std::string& finish) const {
    const std::string redacted = secrets().Redact(message);
    if (!s_.route_failures) {
      return Fail(absl::StrCat("llm step: ", kind, ": ", redacted), steps::ErrorClass::kPermanent,
                  std::nullopt, usage);
    }
    StepOutcome outcome = StepOutcome::Completed(
        FailedOutput(s_.schema, kind, redacted, LlmJson(usage, valid, served, "none", finish)),
        0.0);
    outcome.model = model_ref_;
    outcome.usage = UsageJson(usage);
    return outcome;
  }

  // One call, from the cache when it has the answer.
  absl::StatusOr<ModelResponse> Call(const steps::StepContext& ctx, const ModelRequest& request,
                                     int sample, Usage& usage) const {
    ResponseCache* cache = s_.cache ? shared_->Cache() : nullptr;
    const std::string key = cache != nullptr ? CacheKey(*s_.entry->config, request, sample) : "";
    if (cache != nullptr) {
      absl::StatusOr<std::optional<ModelResponse>> hit = cache->Get(key);
      if (!hit.ok()) {
        spdlog::warn("llm response cache read failed ({}), calling {} uncached",
                     std::string(hit.status().message()), label_);
      } else if (hit->has_value()) {
        ++usage.cached;
        return **std::move(hit);
      }
    }
    // The gate runs on the provider set's clock; the step's deadline is on the engine's (which
    // a replay stops), so only the time left carries over.
    ProviderGate& gate = *s_.entry->gate;
    const absl::Time now = gate.clock().Now();
    const absl::Duration left = ctx.deadline == absl::InfiniteFuture()
                                    ? absl::InfiniteDuration()
                                    : ctx.deadline - ctx.clock->Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat(label_, ": the step's timeout passed before the call"));
    }
    ModelRequest capped = request;
    capped.timeout = std::min(request.timeout, left);
    ASSIGN_OR_RETURN(ProviderGate::Permit permit, gate.Admit(EstimateTokens(capped), now + left));
    absl::StatusOr<ModelResponse> response =
        s_.entry->provider->Complete(capped, *ctx.http, secrets(), gate.clock().Now());
    permit.Finish(response.status(),
                  response.ok() ? response->input_tokens + response->output_tokens : 0);
    if (!response.ok()) return response.status();
    ++usage.calls;
    usage.input_tokens += response->input_tokens;
    usage.output_tokens += response->output_tokens;
    usage.cost +=
        (static_cast<double>(response->input_tokens) * pricing_.input_per_million_tokens +
         static_cast<double>(response->output_tokens) * pricing_.output_per_million_tokens) /
        1e6;
    if (cache != nullptr) {
      if (absl::Status put = cache->Put(key, s_.provider, s_.model, *response, now); !put.ok()) {
        spdlog::warn("llm response cache write failed ({}) for {}", std::string(put.message()),
                     label_);
      }
    }
    return response;
  }

  // What is wrong with a response as an answer (empty: nothing), and its kind.
  std::vector<std::string> Problems(const ModelResponse& response, std::string& kind) const {
    kind = "invalid_answer";
    if (response.finish == FinishReason::kRefused) {
      kind = "refused";
      return {absl::StrCat("/: the model refused: ", response.refusal)};
    }
    if (response.finish == FinishReason::kLength) {
      kind = "truncated";
      return {absl::StrCat("/: the answer was cut off at max_tokens (", s_.max_tokens, ")")};
    }
    if (!response.answer.is_object()) return {"/: the answer is not a JSON object"};
    return s_.validator->Violations(response.answer);
  }

  absl::StatusOr<SampleResult> RunSample(const steps::StepContext& ctx, ModelRequest request,
                                         int sample, Usage& usage) const {
    SampleResult result;
    for (int round = 0; round < 2; ++round) {
      ASSIGN_OR_RETURN(result.last, Call(ctx, request, sample, usage));
      result.problems = Problems(result.last, result.failure_kind);
      if (result.problems.empty()) {
        result.answer = result.last.answer;
        return result;
      }
      if (round == 1) break;
      // One retry, with the violations: models correct a wrong type or a missing member when
      // told which (a second retry rarely fixes what the first did not).
      ++usage.schema_retries;
      request.messages.push_back({ChatMessage::Role::kAssistant, result.last.text.empty()
                                                                     ? result.last.refusal
                                                                     : result.last.text});
      request.messages.push_back(
          {ChatMessage::Role::kUser,
           absl::StrCat("Your answer did not match the required JSON Schema:\n",
                        absl::StrJoin(result.problems, "\n"),
                        "\nAnswer again with only the corrected JSON object.")});
    }
    return result;
  }

  StepOutcome Ask(const steps::StepContext& ctx) const {
    Usage usage;
    if (ctx.http == nullptr) {
      return Fail("the llm step needs outbound HTTP, which this process does not have",
                  steps::ErrorClass::kPermanent, std::nullopt, usage);
    }
    const Json& data = ctx.run != nullptr ? *ctx.run : Json::object();
    ModelRequest request;
    request.model = s_.model;
    request.system = s_.system.has_value() ? s_.system->Render(data) : "";
    request.messages.push_back({ChatMessage::Role::kUser, s_.prompt->Render(data)});
    if (request.system.size() + request.messages[0].content.size() > kMaxPromptBytes) {
      return Fail(absl::StrCat("the rendered prompt has ",
                               request.system.size() + request.messages[0].content.size(),
                               " bytes, more than the limit of ", kMaxPromptBytes,
                               "; shorten the template or the data it embeds"),
                  steps::ErrorClass::kPermanent, std::nullopt, usage);
    }
    request.schema = s_.schema;
    request.schema_name = s_.schema_name;
    request.temperature = s_.temperature;
    request.max_tokens = s_.max_tokens;
    request.logprobs = s_.logprobs;
    request.timeout = s_.timeout.value_or(s_.entry->config->timeout);

    std::vector<SampleResult> results;
    for (int i = 0; i < s_.samples; ++i) {
      request.seed = s_.seed + i;
      absl::StatusOr<SampleResult> result = RunSample(ctx, request, i, usage);
      if (!result.ok()) {
        const absl::Status& status = result.status();
        if (IsCircuitOpen(status) && s_.route_failures) {
          // The gate's message says it all: "provider openai is unavailable: circuit open ...".
          return Failed("provider_unavailable", std::string(status.message()), usage, 0, "",
                        "none");
        }
        return Fail(std::string(status.message()), ErrorClassOf(status), RetryAfterOf(status),
                    usage);
      }
      results.push_back(*std::move(result));
    }

    std::vector<std::optional<Json>> answers;
    int valid = 0;
    const SampleResult* first_invalid = nullptr;
    for (const SampleResult& r : results) {
      answers.push_back(r.answer);
      if (r.answer.has_value()) {
        ++valid;
      } else if (first_invalid == nullptr) {
        first_invalid = &r;
      }
    }
    const std::string served = results.front().last.served_model;
    if (valid < (s_.samples + 1) / 2) {
      std::string message = absl::StrJoin(first_invalid->problems, "; ");
      absl::StrAppend(&message, s_.samples == 1
                                    ? " (after one retry)"
                                    : absl::StrCat(" (", s_.samples - valid, " of ", s_.samples,
                                                   " samples after one retry each)"));
      const char* finish = first_invalid->failure_kind == "truncated" ? "length"
                           : first_invalid->failure_kind == "refused" ? "refused"
                                                                      : "invalid";
      return Failed(first_invalid->failure_kind, message, usage, valid, served, finish);
    }

    ConfidenceMethod method = ConfidenceMethod::kNone;
    std::optional<std::map<std::string, double>> by_logprobs;
    if (s_.samples > 1) {
      method = ConfidenceMethod::kSamples;
    } else if (s_.logprobs) {
      by_logprobs = LogprobConfidence(results[0].last.text, results[0].last.logprobs);
      if (by_logprobs.has_value()) method = ConfidenceMethod::kLogprobs;
    }
    if (s_.confidence == "none") method = ConfidenceMethod::kNone;
    const Vote vote = VoteOnSamples(s_.schema, answers, s_.free_text);
    Json output = AnswerOutput(vote, answers, method, by_logprobs,
                               LlmJson(usage, valid, served, ConfidenceMethodName(method), "stop"));
    std::optional<double> confidence;
    if (output["confidence"].is_number()) confidence = output["confidence"].get<double>();
    StepOutcome outcome = StepOutcome::Completed(std::move(output), confidence);
    outcome.model = model_ref_;
    outcome.usage = UsageJson(usage);
    return outcome;
  }

  const std::shared_ptr<LlmStep::Shared> shared_;
  const Settings s_;
  std::string label_;  // "<provider>/<model>": how measures and prices name the model
  std::optional<steps::ModelRef> model_ref_;
  ModelPricing pricing_;
};

}  // namespace

LlmStep::LlmStep(LlmStepOptions options) : shared_(std::make_shared<Shared>()) {
  shared_->providers = std::move(options.providers);
  shared_->providers_error = std::move(options.providers_error);
  shared_->open_cache = std::move(options.open_cache);
  info_.name = "llm";
  info_.description =
      "Asks a large language model (OpenAI-compatible, Anthropic or Ollama) for a JSON answer "
      "matching a schema, validated, cached and with per-field confidence.";
  info_.actors = {steps::Actor::kAi};
  using steps::ParamType;
  info_.params = {
      {"provider", ParamType::kString, false, true,
       "a provider of providers.yaml, e.g. openai (required unless mode: off)"},
      {"model", ParamType::kString, false, true,
       "the model (default: the provider's default_model)"},
      {"system", ParamType::kString, false, true, "the system prompt (mustache)"},
      {"prompt", ParamType::kString, false, true,
       "the prompt (mustache over input, steps, run), e.g. \"Claim "
       "{{input.id}}:\\n{{input.body}}\""},
      {"output", ParamType::kObject, false, true,
       "the answer's JSON Schema: {type: object, properties: {...}}"},
      {"samples", ParamType::kInteger, false, true,
       "answers asked per case (1-10; > 1: confidence by agreement; default 1)"},
      {"temperature", ParamType::kNumber, false, true,
       "sampling temperature (default 0; 0.7 with samples > 1)"},
      {"seed", ParamType::kInteger, false, true, "the first sample's seed (default 42)"},
      {"max_tokens", ParamType::kInteger, false, true, "the answer's token limit (default 1024)"},
      {"cache", ParamType::kBoolean, false, true,
       "answer identical requests from the response cache (default true)"},
      {"confidence", ParamType::kString, false, true,
       "auto, samples, logprobs or none (default auto)"},
      {"on_failure", ParamType::kString, false, true,
       "route (complete with `failed`: a person decides; default) or fail"},
      {"mode", ParamType::kString, false, true,
       "replace (default), fallback (ask only when a prior field is under `below`) or off"},
      {"prior", ParamType::kAny, false, false,
       "an extract-shaped output to keep (mode fallback, off), e.g. ${{ steps.fields_model.output "
       "}}"},
      {"below", ParamType::kNumber, false, true,
       "mode fallback: ask the model when a prior field's confidence is under this (default 0.9)"},
      {"timeout", ParamType::kDuration, false, true,
       "per call (default: the provider's timeout); never past the step's deadline"},
      {"free_text", ParamType::kArray, false, true,
       "fields not voted on and without confidence, e.g. [summary]"},
  };
}

LlmStep::~LlmStep() = default;

std::unique_ptr<steps::PreparedStep> LlmStep::Prepare(std::string_view step_id, const Json& with,
                                                      std::vector<ConfigError>* errors) const {
  ParamReader r(info_, with, ParamReader::Stage::kPrepare);
  Settings settings = ReadSettings(r, *shared_, step_id);
  if (!r.Report(errors)) return nullptr;
  return std::make_unique<PreparedLlm>(shared_, std::move(settings));
}

}  // namespace flowline::ai::llm
