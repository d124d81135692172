#include "ai/llm/llm_step.h"

#include <cmath>
#include <memory>
#include <mutex>

#include "ai/llm/provider_gate.h"
#include "ai/llm/provider_set.h"
#include "ai/llm/response_cache.h"
#include "ai/llm/testing/fake_provider_server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "steps/http_client.h"
#include "steps/step_test_util.h"

namespace flowline::ai::llm {
namespace {

using steps::StepOutcome;
using steps::testing::ConfigErrorOn;
using steps::testing::PrepareStep;
using testing::AnswerReply;
using testing::FakeProviderServer;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::KindReply;
using testing::kOpenAiPath;
using testing::Reply;
using ::testing::StartsWith;
using testing::StatusReply;

// The curl client, with a transport failure injected on demand; remembers the last timeout.
class TestHttpClient final : public steps::HttpClient {
 public:
  absl::StatusOr<steps::HttpResponse> Send(const steps::HttpRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    last_timeout = request.timeout;
    if (!fail_next.ok()) {
      absl::Status failure = fail_next;
      fail_next = absl::OkStatus();
      return failure;
    }
    return curl_->Send(request);
  }
  absl::Status fail_next;
  absl::Duration last_timeout;

 private:
  std::mutex mu_;
  std::unique_ptr<steps::HttpClient> curl_ = steps::NewCurlHttpClient();
};

const Json kOutput = Json::parse(R"({
  "type": "object",
  "required": ["policy_number", "amount"],
  "properties": {
    "policy_number": {"type": "string"},
    "amount": {"type": "number", "minimum": 0, "x-flowline-type": "amount"},
    "category": {"type": "string", "enum": ["motor", "property"]},
    "summary": {"type": "string"}
  }
})");

const Json kAnswer = {{"policy_number", "PN-448812"},
                      {"amount", 1250.5},
                      {"category", "motor"},
                      {"summary", "Rear-end collision"}};

class LlmStepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.Start();
    config_ = testing::TestProvider("openai", ProviderConfig::Protocol::kOpenAi, fake_);
  }

  // The kind over providers built from config_ (adjust config_ first).
  const LlmStep& Kind() {
    if (kind_ == nullptr) {
      auto providers = ProviderSet::FromConfigs(ProvidersFile{"USD", {config_}}, clock_, sleeper_);
      EXPECT_TRUE(providers.ok()) << providers.status();
      LlmStepOptions options;
      options.providers = *providers;
      options.open_cache = [cache = cache_]() -> absl::StatusOr<std::shared_ptr<ResponseCache>> {
        return cache;
      };
      kind_ = std::make_unique<LlmStep>(std::move(options));
    }
    return *kind_;
  }

  Json With(Json extra = Json::object()) {
    Json with = {{"provider", "openai"},
                 {"system", "You triage insurance claims."},
                 {"prompt", "Claim {{input.id}}:\n{{input.body}}"},
                 {"output", kOutput}};
    with.update(extra);
    return with;
  }

  StepOutcome Execute(const steps::PreparedStep& step, const Json& with) {
    steps::StepContext ctx;
    ctx.run_id = "run_1";
    ctx.step_id = "claim";
    ctx.params = &with;
    ctx.run = &run_;
    ctx.clock = &clock_;
    ctx.http = &http_;
    ctx.deadline = clock_.Now() + absl::Minutes(5);
    return step.Execute(ctx);
  }

  // Prepares `with` (which must be valid) and executes it once.
  StepOutcome Run(const Json& with) {
    std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(Kind(), with, "claim");
    if (step == nullptr) return StepOutcome::Failed("not prepared");
    return Execute(*step, with);
  }

  std::string LastUserMessage(const testing::RecordedRequest& request) {
    const Json& messages = request.body["messages"];
    for (auto it = messages.rbegin(); it != messages.rend(); ++it) {
      if ((*it)["role"] == "user") return (*it)["content"].get<std::string>();
    }
    return "";
  }

  FakeProviderServer fake_;
  ProviderConfig config_;
  common::FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  FakeSleeper sleeper_{clock_};
  TestHttpClient http_;
  std::shared_ptr<ResponseCache> cache_ = NewMemoryResponseCache();
  std::unique_ptr<LlmStep> kind_;
  const Json run_ = {{"input", {{"id", "C-000017"}, {"body", "I was hit from behind <b>&</b>"}}},
                     {"steps", Json::object()}};
};

TEST_F(LlmStepTest, PrepareRejectsUnknownProviderAndModel) {
  EXPECT_THAT(PrepareStep(Kind(), With({{"provider", "nope"}})).errors,
              ::testing::ElementsAre(ConfigErrorOn("provider",
                                                   "unknown provider \"nope\"; "
                                                   "configured: openai")));
  steps::testing::Prepared prepared = PrepareStep(Kind(), With({{"model", "gpt-5"}}));
  ASSERT_EQ(prepared.errors.size(), 1u);
  EXPECT_THAT(prepared.errors[0],
              ConfigErrorOn("model", "model \"gpt-5\" is not listed for provider \"openai\""));
  EXPECT_THAT(prepared.errors[0].hint, HasSubstr("providers.yaml"));
  // No providers file at all: the hint says where providers come from.
  LlmStep bare{LlmStepOptions{}};
  prepared = PrepareStep(bare, With());
  ASSERT_EQ(prepared.errors.size(), 1u);
  EXPECT_THAT(prepared.errors[0], ConfigErrorOn("provider", "no providers are configured"));
  EXPECT_THAT(prepared.errors[0].hint, HasSubstr("--providers"));
}

TEST_F(LlmStepTest, RootNotObject) {
  EXPECT_THAT(PrepareStep(Kind(), With({{"output", {{"type", "array"}}}})).errors,
              ::testing::ElementsAre(ConfigErrorOn("output", "root must be type: object")));
  EXPECT_THAT(PrepareStep(Kind(), With({{"samples", 11}})).errors,
              ::testing::ElementsAre(ConfigErrorOn("samples", "between 1 and 10")));
  EXPECT_THAT(PrepareStep(Kind(), With({{"free_text", {"notes"}}})).errors,
              ::testing::ElementsAre(ConfigErrorOn("free_text.0", "not a property")));
}

TEST(PromptTemplateTest, SyntaxErrorIsConfigError) {
  LlmStep kind{LlmStepOptions{}};
  EXPECT_THAT(PrepareStep(kind, Json{{"mode", "off"}, {"prior", "${{ steps.x.output }}"}}).errors,
              IsEmpty());
  FakeProviderServer fake;
  common::FakeClock clock;
  FakeSleeper sleeper(clock);
  auto providers = ProviderSet::FromConfigs(
      ProvidersFile{"", {testing::TestProvider("openai", ProviderConfig::Protocol::kOpenAi, fake)}},
      clock, sleeper);
  ASSERT_TRUE(providers.ok()) << providers.status();
  LlmStep with_provider{LlmStepOptions{*providers, absl::OkStatus(), nullptr}};
  EXPECT_THAT(PrepareStep(with_provider, Json{{"provider", "openai"},
                                              {"prompt", "Claim {{#input.id}} text"},
                                              {"output", kOutput}})
                  .errors,
              ::testing::ElementsAre(ConfigErrorOn("prompt", "not valid mustache")));
}

TEST_F(LlmStepTest, ModeOffPassesPriorThroughWithoutProvider) {
  const Json prior = {{"fields", {{"total", {{"normalized", "5.00"}, {"confidence", 0.97}}}}},
                      {"values", {{"total", "5.00"}}},
                      {"confidence", 0.97}};
  LlmStep kind{LlmStepOptions{}};  // no providers at all
  const Json with = {{"mode", "off"}, {"prior", prior}, {"provider", "anything"}};
  std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(kind, with);
  ASSERT_NE(step, nullptr);
  StepOutcome outcome = Execute(*step, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  Json expected = prior;
  expected["llm"] = {{"used", false}};
  EXPECT_EQ(outcome.output, expected);
  EXPECT_EQ(outcome.confidence, 0.97);
  EXPECT_EQ(outcome.usage, (Json{{"calls", 0}}));
  EXPECT_FALSE(outcome.model.has_value());
  EXPECT_TRUE(step->MonitoredOutputs().empty());
  EXPECT_EQ(fake_.Count(), 0);
}

TEST_F(LlmStepTest, FallbackAsksOnlyWhenThePriorIsUnsure) {
  fake_.Answer([](const testing::RecordedRequest&) { return AnswerReply(kAnswer); });
  const Json sure = {{"fields",
                      {{"policy_number", {{"normalized", "PN-000001"}, {"confidence", 0.99}}},
                       {"amount", {{"normalized", "99.00"}, {"confidence", 0.95}}}}},
                     {"values", {{"policy_number", "PN-000001"}, {"amount", "99.00"}}},
                     {"confidence", 0.95}};
  Json with = With({{"mode", "fallback"}, {"prior", sure}, {"below", 0.9}});
  StepOutcome outcome = Run(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(fake_.Count(), 0);
  EXPECT_EQ(outcome.output["llm"], (Json{{"used", false}}));
  EXPECT_EQ(outcome.output["values"]["amount"], "99.00");

  Json unsure = sure;
  unsure["fields"]["amount"]["confidence"] = 0.5;
  with["prior"] = unsure;
  outcome = Run(with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(fake_.Count(), 1);
  EXPECT_EQ(outcome.output["fields"]["policy_number"]["source"], "model");
  EXPECT_EQ(outcome.output["values"]["policy_number"], "PN-000001");
  EXPECT_EQ(outcome.output["fields"]["amount"]["source"], "llm");
  EXPECT_EQ(outcome.output["values"]["amount"], "1250.50");
  EXPECT_EQ(outcome.output["llm"]["provider"], "openai");
}

TEST_F(LlmStepTest, ValidAnswerGivesExtractShapedOutput) {
  fake_.Script(std::string(kOpenAiPath), {AnswerReply(kAnswer)});
  StepOutcome outcome = Run(With({{"free_text", {"summary"}}}));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const Json& out = outcome.output;
  EXPECT_EQ(out["fields"]["amount"],
            (Json{{"value", 1250.5}, {"normalized", "1250.50"}, {"confidence", nullptr}}));
  EXPECT_EQ(out["fields"]["policy_number"]["normalized"], "PN-448812");
  EXPECT_EQ(out["fields"]["summary"], (Json{{"value", "Rear-end collision"},
                                            {"normalized", nullptr},
                                            {"confidence", nullptr},
                                            {"free_text", true}}));
  EXPECT_EQ(out["values"],
            (Json{{"amount", "1250.50"}, {"category", "motor"}, {"policy_number", "PN-448812"}}));
  EXPECT_EQ(out["answer"], kAnswer);
  EXPECT_EQ(out["confidence"], nullptr);  // one sample, no logprobs: no confidence
  EXPECT_FALSE(outcome.confidence.has_value());
  EXPECT_EQ(out["llm"], (Json{{"provider", "openai"},
                              {"model", "fake-model"},
                              {"served_model", "fake-model"},
                              {"samples", 1},
                              {"valid_samples", 1},
                              {"schema_retries", 0},
                              {"confidence_method", "none"},
                              {"finish", "stop"}}));
  EXPECT_FALSE(out.contains("failed"));
  ASSERT_TRUE(outcome.model.has_value());
  EXPECT_EQ(outcome.model->name, "openai/fake-model");
  EXPECT_EQ(outcome.model->sha256.size(), 64u);
  EXPECT_EQ(outcome.usage, (Json{{"model", "openai/fake-model"},
                                 {"input_tokens", 412},
                                 {"output_tokens", 61},
                                 {"calls", 1},
                                 {"cached", 0},
                                 {"cost", (412 * 1.0 + 61 * 2.0) / 1e6}}));
  // The request: the rendered prompts (nothing escaped), temperature 0 and the first seed.
  ASSERT_EQ(fake_.Count(), 1);
  const testing::RecordedRequest request = fake_.Requests()[0];
  EXPECT_EQ(request.body["messages"][0],
            (Json{{"role", "system"}, {"content", "You triage insurance claims."}}));
  EXPECT_EQ(LastUserMessage(request), "Claim C-000017:\nI was hit from behind <b>&</b>");
  EXPECT_EQ(request.body["temperature"], 0);
  EXPECT_EQ(request.body["seed"], 42);
  EXPECT_EQ(request.body["response_format"]["json_schema"]["name"], "claim");
  // Numeric and enum properties are watched for drift; free text is not.
  std::unique_ptr<steps::PreparedStep> step =
      steps::testing::MustPrepare(Kind(), With({{"free_text", {"summary"}}}), "claim");
  std::vector<std::string> watched;
  for (const steps::MonitoredOutput& m : step->MonitoredOutputs()) watched.push_back(m.name);
  EXPECT_THAT(watched, ::testing::ElementsAre("amount", "category"));
}

TEST_F(LlmStepTest, InvalidAnswerIsRetriedOnceWithTheValidationError) {
  fake_.Script(std::string(kOpenAiPath),
               {KindReply(Reply::Kind::kSchemaViolating, kAnswer), AnswerReply(kAnswer)});
  StepOutcome outcome = Run(With());
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_FALSE(outcome.output.contains("failed")) << outcome.output.dump();
  EXPECT_EQ(outcome.output["answer"], kAnswer);
  EXPECT_EQ(outcome.output["llm"]["schema_retries"], 1);
  EXPECT_EQ(outcome.usage->at("calls"), 2);
  ASSERT_EQ(fake_.Count(), 2);
  const testing::RecordedRequest retry = fake_.Requests()[1];
  const Json& messages = retry.body["messages"];
  ASSERT_EQ(messages.size(), 4u);  // system, prompt, the invalid answer, the correction
  EXPECT_EQ(messages[2]["role"], "assistant");
  EXPECT_THAT(messages[2]["content"].get<std::string>(), HasSubstr("twelve hundred"));
  const std::string correction = LastUserMessage(retry);
  EXPECT_THAT(correction, HasSubstr("did not match the required JSON Schema"));
  EXPECT_THAT(correction, HasSubstr("/amount: "));
  EXPECT_THAT(correction, HasSubstr("type"));
  EXPECT_THAT(correction, HasSubstr("Answer again with only the corrected JSON object."));
}

TEST_F(LlmStepTest, StillInvalidRoutesToAPerson) {
  fake_.Script(std::string(kOpenAiPath), {KindReply(Reply::Kind::kSchemaViolating, kAnswer),
                                          KindReply(Reply::Kind::kSchemaViolating, kAnswer)});
  StepOutcome outcome = Run(With());
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(fake_.Count(), 2);
  const Json& out = outcome.output;
  EXPECT_EQ(out["failed"]["kind"], "invalid_answer");
  EXPECT_THAT(out["failed"]["message"].get<std::string>(), HasSubstr("/amount: "));
  EXPECT_THAT(out["failed"]["message"].get<std::string>(), HasSubstr("(after one retry)"));
  EXPECT_EQ(out["answer"], nullptr);
  EXPECT_EQ(out["confidence"], 0.0);
  EXPECT_EQ(outcome.confidence, 0.0);
  EXPECT_EQ(out["fields"]["amount"]["confidence"], 0.0);
  EXPECT_EQ(outcome.usage->at("calls"), 2);  // both were paid for

  // on_failure: fail → the attempt fails for good instead.
  fake_.Script(std::string(kOpenAiPath), {KindReply(Reply::Kind::kSchemaViolating, kAnswer),
                                          KindReply(Reply::Kind::kSchemaViolating, kAnswer)});
  outcome = Run(With({{"on_failure", "fail"}, {"seed", 7}}));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kPermanent);
  EXPECT_THAT(outcome.error, HasSubstr("invalid_answer"));
  EXPECT_EQ(fake_.Count(), 4);
}

TEST_F(LlmStepTest, SecondExecutionHitsCacheAndCostsNothing) {
  fake_.Answer([](const testing::RecordedRequest&) { return AnswerReply(kAnswer); });
  const Json with = With();
  std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(Kind(), with, "claim");
  ASSERT_NE(step, nullptr);
  StepOutcome first = Execute(*step, with);
  ASSERT_EQ(first.kind, StepOutcome::Kind::kCompleted) << first.error;
  EXPECT_EQ(fake_.Count(), 1);
  StepOutcome second = Execute(*step, with);
  ASSERT_EQ(second.kind, StepOutcome::Kind::kCompleted) << second.error;
  EXPECT_EQ(fake_.Count(), 1);  // no new request
  EXPECT_EQ(second.output, first.output);
  EXPECT_EQ(second.usage, (Json{{"model", "openai/fake-model"},
                                {"input_tokens", 0},
                                {"output_tokens", 0},
                                {"calls", 0},
                                {"cached", 1},
                                {"cost", 0.0}}));
  // cache: false asks again.
  const Json uncached = With({{"cache", false}});
  step = steps::testing::MustPrepare(Kind(), uncached, "claim");
  StepOutcome third = Execute(*step, uncached);
  ASSERT_EQ(third.kind, StepOutcome::Kind::kCompleted) << third.error;
  EXPECT_EQ(fake_.Count(), 2);
  EXPECT_EQ(third.usage->at("calls"), 1);
}

TEST_F(LlmStepTest, SelfConsistencyConfidence) {
  Json other = kAnswer;
  other["amount"] = 1205;
  fake_.Script(std::string(kOpenAiPath),
               {AnswerReply(kAnswer), AnswerReply(other), AnswerReply(kAnswer)});
  StepOutcome outcome = Run(With({{"samples", 3}, {"free_text", {"summary"}}}));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  const Json& amount = outcome.output["fields"]["amount"];
  EXPECT_EQ(amount["value"], 1250.5);
  EXPECT_NEAR(amount["confidence"].get<double>(), 0.6667, 1e-4);
  EXPECT_EQ(amount["agreement"], Json::array({2, 3}));
  EXPECT_EQ(outcome.output["fields"]["policy_number"]["confidence"], 1.0);
  EXPECT_NEAR(*outcome.confidence, 2.0 / 3, 1e-12);
  EXPECT_EQ(outcome.output["llm"]["confidence_method"], "samples");
  EXPECT_EQ(outcome.usage->at("calls"), 3);
  ASSERT_EQ(fake_.Count(), 3);
  std::vector<int> seeds;
  for (const testing::RecordedRequest& r : fake_.Requests()) {
    seeds.push_back(r.body["seed"].get<int>());
    EXPECT_EQ(r.body["temperature"], 0.7);
  }
  EXPECT_THAT(seeds, ::testing::ElementsAre(42, 43, 44));
}

TEST_F(LlmStepTest, LogprobConfidence) {
  config_.logprobs = true;
  // {"amount":1250.5,"category":"motor","policy_number":"PN-448812","summary":"x"} as the fake
  // writes it (sorted keys), cut into tokens; the amount's two tokens sum to ln 0.5.
  Reply reply = AnswerReply({{"amount", 1250.5},
                             {"category", "motor"},
                             {"policy_number", "PN-448812"},
                             {"summary", "x"}});
  reply.tokens = {"{\"amount\":", "1250",
                  ".5",           ",\"category\":\"",
                  "motor",        "\",\"policy_number\":\"",
                  "PN-448812",    "\",\"summary\":\"x\"}"};
  reply.logprobs = {0, std::log(0.8), std::log(0.625), 0, std::log(0.9), 0, -0.01, 0};
  fake_.Script(std::string(kOpenAiPath), {reply});
  StepOutcome outcome = Run(With());
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(fake_.Requests()[0].body["logprobs"], true);
  EXPECT_EQ(outcome.output["llm"]["confidence_method"], "logprobs");
  EXPECT_NEAR(outcome.output["fields"]["amount"]["confidence"].get<double>(), 0.5, 1e-9);
  // The category's value span is "motor" with its quotes: the quote tokens have logprob 0.
  EXPECT_NEAR(outcome.output["fields"]["category"]["confidence"].get<double>(), 0.9, 1e-9);
  EXPECT_NEAR(*outcome.confidence, 0.5, 1e-9);
}

TEST_F(LlmStepTest, ProviderErrorsMapToRetryClasses) {
  fake_.Script(std::string(kOpenAiPath),
               {StatusReply(429,
                            R"({"error":{"message":"Rate limit reached for gpt-4o-mini","type":)"
                            R"("requests","param":null,"code":"rate_limit_exceeded"}})",
                            {{"retry-after", "2"}}),
                StatusReply(500, R"({"error":{"message":"The server had an error while )"
                                 R"(processing your request.","type":"server_error",)"
                                 R"("param":null,"code":null}})")});
  const Json with = With({{"timeout", "20s"}});
  std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(Kind(), with, "claim");
  ASSERT_NE(step, nullptr);
  StepOutcome outcome = Execute(*step, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kRateLimited);
  EXPECT_EQ(outcome.retry_after, absl::Seconds(2));
  EXPECT_THAT(outcome.error, HasSubstr("429"));
  EXPECT_EQ(outcome.usage->at("calls"), 0);
  outcome = Execute(*step, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kTransient);
  // A call that times out (the step's `timeout` is the call's).
  http_.fail_next = absl::DeadlineExceededError("Operation timed out after 20000 milliseconds");
  outcome = Execute(*step, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kTimeout);
  EXPECT_EQ(http_.last_timeout, absl::Seconds(20));
}

TEST_F(LlmStepTest, CircuitOpenRoutesImmediately) {
  config_.breaker.failures = 1;
  fake_.Script(std::string(kOpenAiPath), {StatusReply(500, R"({"error":{"message":"down"}})")});
  const Json with = With();
  std::unique_ptr<steps::PreparedStep> step = steps::testing::MustPrepare(Kind(), with, "claim");
  ASSERT_NE(step, nullptr);
  StepOutcome failed = Execute(*step, with);  // the failure that opens the circuit
  ASSERT_EQ(failed.kind, StepOutcome::Kind::kFailed);
  ASSERT_EQ(fake_.Count(), 1);
  StepOutcome outcome = Execute(*step, with);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(fake_.Count(), 1);  // no request sent
  EXPECT_EQ(outcome.output["failed"]["kind"], "provider_unavailable");
  EXPECT_THAT(outcome.output["failed"]["message"].get<std::string>(),
              StartsWith("provider openai is unavailable: circuit open after 1 failure, retrying "
                         "it at "));
  EXPECT_EQ(outcome.confidence, 0.0);
  EXPECT_EQ(outcome.usage->at("calls"), 0);
  // With on_failure: fail the attempt fails, to be retried after the circuit's wait.
  const Json failing = With({{"on_failure", "fail"}});
  step = steps::testing::MustPrepare(Kind(), failing, "claim");
  outcome = Execute(*step, failing);
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kFailed);
  EXPECT_EQ(outcome.error_class, steps::ErrorClass::kTransient);
  EXPECT_TRUE(outcome.retry_after.has_value());
  EXPECT_EQ(fake_.Count(), 1);
}

TEST_F(LlmStepTest, RefusedAndCutOffAnswersAreRetriedThenRouted) {
  fake_.Script(std::string(kOpenAiPath), {KindReply(Reply::Kind::kRefusal, kAnswer),
                                          KindReply(Reply::Kind::kRefusal, kAnswer)});
  StepOutcome outcome = Run(With());
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_EQ(outcome.output["failed"]["kind"], "refused");
  EXPECT_THAT(outcome.output["failed"]["message"].get<std::string>(),
              HasSubstr("the model refused"));
  EXPECT_EQ(outcome.output["llm"]["finish"], "refused");
  EXPECT_EQ(fake_.Count(), 2);

  fake_.Script(std::string(kOpenAiPath),
               {KindReply(Reply::Kind::kLength, kAnswer), AnswerReply(kAnswer)});
  outcome = Run(With({{"seed", 1}}));
  ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
  EXPECT_FALSE(outcome.output.contains("failed")) << outcome.output.dump();
  EXPECT_THAT(LastUserMessage(fake_.Requests()[3]), HasSubstr("cut off at max_tokens (1024)"));
}

TEST_F(LlmStepTest, AsksAnthropicAndOllamaInTheirOwnProtocols) {
  for (ProviderConfig::Protocol protocol :
       {ProviderConfig::Protocol::kAnthropic, ProviderConfig::Protocol::kOllama}) {
    config_ = testing::TestProvider("openai", protocol, fake_);
    // TestProvider's auth: none is for the OpenAI protocol; Anthropic's is always x-api-key.
    if (protocol == ProviderConfig::Protocol::kAnthropic) config_.auth = ProviderConfig::Auth{};
    kind_.reset();
    fake_.Answer([](const testing::RecordedRequest&) { return AnswerReply(kAnswer); });
    const int before = fake_.Count();
    StepOutcome outcome = Run(With({{"samples", 2}}));
    ASSERT_EQ(outcome.kind, StepOutcome::Kind::kCompleted) << outcome.error;
    EXPECT_EQ(outcome.output["answer"], kAnswer);
    EXPECT_EQ(outcome.output["fields"]["amount"]["confidence"], 1.0);
    EXPECT_EQ(fake_.Count(), before + 2);
    const testing::RecordedRequest request = fake_.Requests().back();
    if (protocol == ProviderConfig::Protocol::kAnthropic) {
      EXPECT_EQ(request.path, testing::kAnthropicPath);
      EXPECT_EQ(request.body["tool_choice"]["name"], "claim");
      EXPECT_FALSE(request.body.contains("seed"));
    } else {
      EXPECT_EQ(request.path, testing::kOllamaPath);
      EXPECT_EQ(request.body["options"]["seed"], 43);
      // x-flowline-* annotations are flowline's own: never sent.
      EXPECT_FALSE(request.body["format"]["properties"]["amount"].contains("x-flowline-type"));
    }
  }
}

}  // namespace
}  // namespace flowline::ai::llm
