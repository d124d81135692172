// The llm step end to end: the real engine on a SQLite store, the step kinds as the program
// registers them (providers.yaml, the SQLite response cache), real HTTP to FakeProviderServer,
// and the claims triage workflow of workflows/claims/ on generated claims.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "ai/ai_step_kinds.h"
#include "ai/llm/provider_gate.h"
#include "ai/llm/testing/fake_answers.h"
#include "ai/llm/testing/fake_provider_server.h"
#include "ai/match/reference_data.h"
#include "ai/match/reference_store.h"
#include "common/clock.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "lifecycle/replay.h"
#include "monitor/measure_names.h"
#include "monitor/record_fold.h"
#include "samples/claims.h"
#include "spdlog/sinks/ringbuffer_sink.h"
#include "spdlog/spdlog.h"
#include "steps/http_client.h"
#include "steps/system_step_kinds.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::ai::llm {
namespace {

using testing::AnswerReply;
using testing::FakeProviderServer;
using testing::KindReply;
using testing::RecordedRequest;
using testing::Reply;
using testing::StatusReply;

constexpr char kKeyEnv[] = "FLOWLINE_E2E_LLM_KEY";
constexpr char kKey[] = "sk-test-SECRET-0123456789";
constexpr char kModel[] = "claims-llm/gpt-4o-mini";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string SourceFile(const std::string& relative) {
  const char* root = std::getenv("FLOWLINE_SOURCE_DIR");
  return ReadAll(absl::StrCat(root != nullptr ? root : ".", "/", relative));
}

// A workflow of one llm step (samples 1) and, with `gate`, a gate after it.
std::string OneStepSpec(const std::string& name, const std::string& with, bool gate) {
  std::string spec = absl::StrCat(R"yaml(
workflow: )yaml",
                                  name, R"yaml(
key: ${{ input.id }}
steps:
  - id: ask
    uses: llm
    actor: ai
    retry: { attempts: 1 }
    with:
      provider: claims-llm
      prompt: "Claim {{input.id}}: how much?"
      output: { type: object, required: [amount], properties: { amount: { type: number } } }
)yaml",
                                  with);
  if (gate) {
    absl::StrAppend(&spec, R"yaml(
  - id: review
    uses: review
    actor: human
    needs: [ask]
    with: { gate: true, queue: claims, decisions: [approve, correct, reject], fields_step: ask }
exceptions:
  retries_exhausted: true
)yaml");
  }
  return spec;
}

class LlmE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv(kKeyEnv, kKey, 1);
    fake_.Start();
    fake_.UseClock(clock_);
    auto opened = store::sqlite::SqliteStore::Open(
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db")));
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
  }
  void TearDown() override {
    if (engine_ != nullptr) engine_->Stop();
    engine_.reset();
    fake_.ReleaseSlow();
    unsetenv(kKeyEnv);
  }

  // Registers the AI kinds with a providers.yaml naming the fake as `claims-llm`.
  void RegisterKinds(const std::string& provider_extra = "") {
    const std::string providers = dir_.File("providers.yaml");
    std::ofstream(providers) << absl::StrCat(
        "currency: USD\nproviders:\n  claims-llm:\n    protocol: openai\n    base_url: ",
        fake_.BaseUrl(ProviderConfig::Protocol::kOpenAi), "\n    api_key_env: ", kKeyEnv,
        "\n    default_model: gpt-4o-mini\n    timeout: 10s\n    models:\n"
        "      gpt-4o-mini: { input_per_million_tokens: 0.15, output_per_million_tokens: 0.60 }\n",
        provider_extra);
    AiOptions options;
    options.models_dir = dir_.File("models");
    options.reference_db = dir_.File("reference.db");
    options.providers_file = providers;
    options.llm_cache = dir_.File("flowline.db.llm-cache");
    options.clock = &clock_;
    options.sleeper = &sleeper_;
    ASSERT_TRUE(CheckAiOptions(options).ok()) << CheckAiOptions(options);
    RegisterAiStepKinds(registry_, options);
  }

  engine::Engine& Engine(int workers = 0) {
    if (engine_ == nullptr) {
      engine::EngineOptions options;
      options.workers = workers;
      options.worker_id = "test";
      engine_ = std::make_unique<engine::Engine>(options, *store_, registry_, clock_, random_,
                                                 http_.get());
    }
    return *engine_;
  }

  void Deploy(const std::string& spec) {
    auto deployed = Engine().Deploy(spec, "spec.yaml", store::VersionStage::kLive, "ann");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
  }

  std::string Start(const std::string& workflow, Json input) {
    auto started = Engine().StartRun({workflow, std::move(input), ""});
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? started->run_id : "";
  }

  void RunAll() {
    auto ran = Engine().RunUntilIdle();
    ASSERT_TRUE(ran.ok()) << ran.status();
  }

  // Generated claims, their policies in the reference table, and the oracle answering them.
  // With `invalid`, the first fast-track claim's answers always break the schema (invalid_).
  void SetUpClaims(int count, double error_rate, bool invalid = false) {
    samples::ClaimsOptions options;
    options.count = count;
    options.seed = 11;
    options.fraud_share = 0.2;
    options.out_dir = dir_.path();
    auto batch = samples::PlanClaims(options);
    ASSERT_TRUE(batch.ok()) << batch.status();
    claims_ = batch->claims;
    for (const samples::GeneratedClaim& claim : claims_) {
      truth_[claim.id] = claim.answer;
      if (invalid && invalid_.empty() && claim.route == "fast_track") invalid_ = claim.id;
    }
    auto data = ParseReferenceCsv(samples::PoliciesCsv(batch->policies), "policies.csv");
    ASSERT_TRUE(data.ok()) << data.status();
    ReferenceLoadOptions load;
    load.db_path = dir_.File("reference.db");
    load.table = "policies";
    load.key = "policy_number";
    ASSERT_TRUE(LoadReferenceTable(*data, load).ok());
    fake_.Answer([this, error_rate](const RecordedRequest& request) {
      if (!invalid_.empty() && testing::ClaimIdOf(request) == invalid_) {
        return KindReply(Reply::Kind::kSchemaViolating, truth_.at(invalid_));
      }
      return testing::OracleAnswer(request, truth_, error_rate, 7);
    });
    RegisterKinds();
    Deploy(SourceFile("workflows/claims/claims.yaml"));
  }

  std::vector<store::Task> Tasks(const std::string& run_id) {
    store::TaskFilter filter;
    filter.run_id = run_id;
    auto tasks = store_->ListTasks(filter);
    EXPECT_TRUE(tasks.ok()) << tasks.status();
    return tasks.ok() ? *tasks : std::vector<store::Task>{};
  }

  // The kinds (and rule names) of the reasons the gate gave for the run's task.
  std::vector<std::string> Reasons(const std::string& run_id) {
    std::vector<std::string> reasons;
    for (const store::Task& task : Tasks(run_id)) {
      const Json payload = Json::parse(task.payload_json);
      for (const Json& reason : payload.value("routing", Json::array())) {
        reasons.push_back(reason.value("kind", "") +
                          (reason.contains("name") ? ":" + reason.value("name", "") : ""));
      }
    }
    return reasons;
  }

  Json StepOutput(const std::string& run_id, const std::string& step_id) {
    auto detail = store_->GetRunDetail(run_id);
    EXPECT_TRUE(detail.ok()) << detail.status();
    if (!detail.ok()) return Json();
    for (const store::StepState& step : detail->steps) {
      if (step.step_id == step_id && !step.output_json.empty()) {
        return Json::parse(step.output_json);
      }
    }
    return Json();
  }

  // The usage the claim step's step.completed record holds.
  Json ClaimUsage(const std::string& run_id) {
    auto records = store_->ListRecords(run_id);
    EXPECT_TRUE(records.ok());
    for (const store::Record& record : *records) {
      if (record.kind == "step.completed" && record.step_id == "claim") {
        return Json::parse(record.payload_json)["usage"];
      }
    }
    return Json();
  }

  // Model calls and tokens the measures count under `label` for the runs' records.
  std::map<std::string, int64_t> ModelMeasures(const std::vector<std::string>& run_ids) {
    monitor::StoreFacts facts(*store_);
    monitor::MeasureFold fold(facts);
    for (const std::string& run_id : run_ids) {
      auto records = store_->ListRecords(run_id);
      EXPECT_TRUE(records.ok());
      for (const store::Record& record : *records) EXPECT_TRUE(fold.Add(record).ok());
    }
    std::map<std::string, int64_t> totals;
    for (const store::MeasureBucket& bucket : fold.TakeDeltas()) {
      if (bucket.granularity_s != 0 || !bucket.step.empty() || bucket.label != kModel) continue;
      totals[bucket.measure] += bucket.count;
    }
    return totals;
  }

  common::TempDir dir_;
  common::FakeClock clock_;
  FakeSleeper sleeper_{clock_};
  common::SeededRandom random_{3};
  FakeProviderServer fake_;
  std::unique_ptr<steps::HttpClient> http_ = steps::NewCurlHttpClient();
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<samples::GeneratedClaim> claims_;
  std::map<std::string, Json> truth_;
  std::string invalid_;
};

TEST_F(LlmE2eTest, ClaimsRunsThroughEngine) {
  // One fast-track claim gets answers that break the schema every time.
  SetUpClaims(20, 0.05, /*invalid=*/true);
  ASSERT_FALSE(invalid_.empty());
  const std::string& invalid = invalid_;
  std::map<std::string, std::string> runs;
  for (const samples::GeneratedClaim& claim : claims_)
    runs[claim.id] = Start("claims", claim.input);
  RunAll();

  int straight_through = 0, fraud = 0;
  for (const samples::GeneratedClaim& claim : claims_) {
    const std::string& run_id = runs[claim.id];
    auto run = store_->GetRun(run_id);
    ASSERT_TRUE(run.ok()) << run.status();
    const std::vector<std::string> reasons = Reasons(run_id);
    if (run->status == store::RunStatus::kCompleted) {
      // Straight through only what should be: a fast-track claim whose checks all pass.
      ++straight_through;
      EXPECT_EQ(claim.route, "fast_track") << claim.id;
      EXPECT_TRUE(claim.checks_pass) << claim.id;
      EXPECT_EQ(Json::parse(run->output_json)["straight_through"], true) << claim.id;
      EXPECT_EQ(Json::parse(run->output_json)["fields"]["policy_number"],
                claim.fields.at("policy_number"))
          << claim.id;
      continue;
    }
    ASSERT_EQ(run->status, store::RunStatus::kRunning) << claim.id << " " << run->error;
    const std::vector<store::Task> tasks = Tasks(run_id);
    ASSERT_EQ(tasks.size(), 1u) << claim.id;
    EXPECT_FALSE(reasons.empty()) << claim.id;
    if (claim.route == "suspected_fraud") {
      ++fraud;
      EXPECT_TRUE(tasks[0].four_eyes) << claim.id;
      EXPECT_THAT(reasons, ::testing::Contains("rule:suspected_fraud")) << claim.id;
    }
  }
  EXPECT_GE(straight_through, 3);
  EXPECT_GE(fraud, 1);
  // The claim whose answers broke the schema: one retry per sample, then a person.
  EXPECT_THAT(Reasons(runs[invalid]), ::testing::Contains(::testing::StartsWith("ai_failed")));
  const Json claim_output = StepOutput(runs[invalid], "claim");
  EXPECT_EQ(claim_output["failed"]["kind"], "invalid_answer") << claim_output.dump();
  EXPECT_EQ(claim_output["confidence"], 0);
  int invalid_requests = 0;
  for (const RecordedRequest& request : fake_.Requests()) {
    invalid_requests += testing::ClaimIdOf(request) == invalid;
  }
  EXPECT_EQ(invalid_requests, 6);  // 3 samples, each retried once
}

TEST_F(LlmE2eTest, ReplayIsConsistentAndFree) {
  SetUpClaims(8, 0.0);
  std::vector<std::string> run_ids;
  for (const samples::GeneratedClaim& claim : claims_)
    run_ids.push_back(Start("claims", claim.input));
  RunAll();
  const int calls = fake_.Count();
  EXPECT_EQ(calls, 8 * 3);
  int replayed = 0;
  for (const std::string& run_id : run_ids) {
    if (store_->GetRun(run_id)->status != store::RunStatus::kCompleted) continue;
    auto result = lifecycle::ReplayRun(*store_, {&registry_, nullptr, "", http_.get()}, run_id);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->consistent()) << lifecycle::ReplayResultJson(*result).dump(2);
    ++replayed;
  }
  EXPECT_GE(replayed, 1);
  EXPECT_EQ(fake_.Count(), calls);  // every answer came from the cache
}

TEST_F(LlmE2eTest, MeasuresCountTokensAndCost) {
  SetUpClaims(5, 0.0);
  std::vector<std::string> first;
  for (const samples::GeneratedClaim& claim : claims_)
    first.push_back(Start("claims", claim.input));
  RunAll();
  ASSERT_EQ(fake_.Count(), 15);
  std::map<std::string, int64_t> measures = ModelMeasures(first);
  EXPECT_EQ(measures[monitor::measure::kModelCalls], 15);
  EXPECT_EQ(measures[monitor::measure::kInputTokens], 15 * 412);
  EXPECT_EQ(measures[monitor::measure::kOutputTokens], 15 * 61);
  // The step's usage costs the calls at providers.yaml's prices.
  const Json usage = ClaimUsage(first[0]);
  EXPECT_EQ(usage["model"], kModel) << usage.dump();
  EXPECT_EQ(usage["calls"], 3);
  EXPECT_NEAR(usage["cost"].get<double>(), (3 * 412 * 0.15 + 3 * 61 * 0.60) / 1e6, 1e-12);

  // The same claims through a second workflow with the same llm step: every answer is a cache
  // hit, and the measures count no tokens for them.
  Deploy(absl::StrReplaceAll(SourceFile("workflows/claims/claims.yaml"),
                             {{"workflow: claims\n", "workflow: claims-again\n"}}));
  std::vector<std::string> again;
  for (const samples::GeneratedClaim& claim : claims_) {
    again.push_back(Start("claims-again", claim.input));
  }
  RunAll();
  EXPECT_EQ(fake_.Count(), 15);
  measures = ModelMeasures(again);
  EXPECT_EQ(measures[monitor::measure::kInputTokens], 0);
  EXPECT_EQ(measures[monitor::measure::kOutputTokens], 0);
  EXPECT_EQ(ClaimUsage(again[0]), (Json{{"model", kModel},
                                        {"input_tokens", 0},
                                        {"output_tokens", 0},
                                        {"calls", 0},
                                        {"cached", 3},
                                        {"cost", 0.0}}));
}

TEST_F(LlmE2eTest, BreakerOpensAndCloses) {
  RegisterKinds("    breaker: { failures: 5, open_for: 30s }\n");
  Deploy(OneStepSpec("breaker", "", /*gate=*/true));
  const std::string error500 =
      R"({"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}})";
  fake_.Script(std::string(testing::kOpenAiPath),
               std::vector<Reply>(5, StatusReply(500, error500)));
  fake_.Answer([](const RecordedRequest&) { return AnswerReply({{"amount", 12.5}}); });
  for (int i = 1; i <= 5; ++i) {
    Start("breaker", {{"id", absl::StrCat("B-", i)}});
    RunAll();
  }
  ASSERT_EQ(fake_.Count(), 5);
  // Open: the sixth case goes to a person at once, and the provider sees nothing.
  const std::string sixth = Start("breaker", {{"id", "B-6"}});
  RunAll();
  EXPECT_EQ(fake_.Count(), 5);
  EXPECT_EQ(StepOutput(sixth, "ask")["failed"]["kind"], "provider_unavailable");
  EXPECT_THAT(Reasons(sixth), ::testing::Contains(::testing::StartsWith("ai_failed")));
  // After open_for, the provider is healthy again: the next case is answered and closes it.
  clock_.Advance(absl::Seconds(30));
  const std::string seventh = Start("breaker", {{"id", "B-7"}});
  RunAll();
  EXPECT_EQ(fake_.Count(), 6);
  EXPECT_EQ(StepOutput(seventh, "ask")["answer"]["amount"], 12.5);
  const std::string eighth = Start("breaker", {{"id", "B-8"}});
  RunAll();
  EXPECT_EQ(fake_.Count(), 7);
  EXPECT_FALSE(StepOutput(eighth, "ask").contains("failed"));
}

TEST_F(LlmE2eTest, RateLimitRespectedUnderConcurrency) {
  RegisterKinds("    limits: { concurrency: 2 }\n");
  fake_.Answer([](const RecordedRequest&) {
    Reply reply = AnswerReply({{"amount", 1}});
    reply.hold = absl::Milliseconds(100);  // long enough for 8 workers to overlap
    return reply;
  });
  engine::Engine& engine = Engine(/*workers=*/8);
  Deploy(OneStepSpec("limited", "      on_failure: fail\n      cache: false\n", false));
  ASSERT_TRUE(engine.Start().ok());
  std::vector<std::string> run_ids;
  for (int i = 0; i < 16; ++i) run_ids.push_back(Start("limited", {{"id", absl::StrCat("L-", i)}}));
  for (const std::string& run_id : run_ids) {
    auto run = engine.WaitForRun(run_id, absl::Seconds(120));
    ASSERT_TRUE(run.ok()) << run.status();
    EXPECT_EQ(run->status, store::RunStatus::kCompleted) << run->error;
  }
  EXPECT_EQ(fake_.Count(), 16);
  EXPECT_LE(fake_.MaxInFlight(), 2);
}

// The invoice workflow's fallback (workflows/invoice/invoice-llm.yaml): the extractor's sure
// fields stay, the unsure ones come from the LLM, and a case it is sure of costs no call.
TEST_F(LlmE2eTest, InvoiceFallbackAsksOnlyForUnsureFields) {
  RegisterKinds();
  Deploy(R"yaml(
workflow: fallback
key: ${{ input.id }}
steps:
  - id: fields_model
    uses: script
    actor: ai
    with:
      code: |
        local sure = input.sure
        return {
          fields = {
            invoice_number = { value = 'INV-7', normalized = 'INV-7', confidence = 0.97 },
            total_amount = { value = '1O0.00', normalized = '100.00', confidence = sure and 0.95 or 0.41 },
          },
          values = { invoice_number = 'INV-7', total_amount = '100.00' },
          confidence = sure and 0.95 or 0.41,
          line_items = { { description = 'Consulting', amount = '100.00' } },
        }
  - id: fields
    uses: llm
    actor: ai
    needs: [fields_model]
    with:
      mode: fallback
      prior: ${{ steps.fields_model.output }}
      below: 0.9
      provider: claims-llm
      on_failure: fail
      prompt: "Extract the invoice fields of {{input.id}}"
      output:
        type: object
        required: [invoice_number, total_amount]
        properties:
          invoice_number: { type: string }
          total_amount: { type: number, x-flowline-type: amount }
)yaml");
  fake_.Answer([](const RecordedRequest&) {
    return AnswerReply({{"invoice_number", "INV-9"}, {"total_amount", 120}});
  });
  const std::string unsure = Start("fallback", {{"id", "F-1"}, {"sure", false}});
  RunAll();
  EXPECT_EQ(fake_.Count(), 1);
  const Json merged = StepOutput(unsure, "fields");
  EXPECT_EQ(merged["fields"]["invoice_number"]["source"], "model") << merged.dump(2);
  EXPECT_EQ(merged["values"]["invoice_number"], "INV-7");
  EXPECT_EQ(merged["fields"]["total_amount"]["source"], "llm");
  EXPECT_EQ(merged["values"]["total_amount"], "120.00");
  EXPECT_EQ(merged["line_items"][0]["description"], "Consulting");

  const std::string sure = Start("fallback", {{"id", "F-2"}, {"sure", true}});
  RunAll();
  EXPECT_EQ(fake_.Count(), 1);  // every field sure: no call
  const Json kept = StepOutput(sure, "fields");
  EXPECT_EQ(kept["llm"]["used"], false) << kept.dump(2);
  EXPECT_EQ(kept["values"]["total_amount"], "100.00");
}

class LlmSecretsTest : public LlmE2eTest {};

TEST_F(LlmSecretsTest, KeyNeverLeaks) {
  // Every log line kept, at trace level, and everything written to stderr.
  auto sink = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(10000);
  spdlog::default_logger()->sinks().push_back(sink);
  const spdlog::level::level_enum level = spdlog::get_level();
  spdlog::set_level(spdlog::level::trace);
  ::testing::internal::CaptureStderr();

  RegisterKinds("    breaker: { failures: 2, open_for: 30s }\n");
  Deploy(OneStepSpec("secret", "", /*gate=*/true));
  const std::string echoed_401 = absl::StrCat(
      R"({"error":{"message":"Incorrect API key provided: )", kKey,
      R"(. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}})");
  const std::string echoed_500 =
      absl::StrCat(R"({"error":{"message":"upstream rejected Authorization: Bearer )", kKey,
                   R"(","type":"server_error","param":null,"code":null}})");
  fake_.Script(
      std::string(testing::kOpenAiPath),
      {StatusReply(401, echoed_401), StatusReply(500, echoed_500), StatusReply(500, echoed_500)});
  // To failure (401: permanent), twice to exhaustion (500), then routed (circuit open).
  std::vector<std::string> run_ids;
  for (int i = 1; i <= 4; ++i) {
    run_ids.push_back(Start("secret", {{"id", absl::StrCat("S-", i)}}));
    RunAll();
  }
  EXPECT_EQ(fake_.Count(), 3);
  EXPECT_EQ(StepOutput(run_ids[3], "ask")["failed"]["kind"], "provider_unavailable");
  std::string records;
  for (const std::string& run_id : run_ids) {
    auto listed = store_->ListRecords(run_id);
    ASSERT_TRUE(listed.ok());
    for (const store::Record& record : *listed) absl::StrAppend(&records, record.payload_json);
  }
  engine_.reset();
  const std::string stderr_text = ::testing::internal::GetCapturedStderr();
  spdlog::default_logger()->flush();
  std::string logged;
  for (const std::string& line : sink->last_formatted()) absl::StrAppend(&logged, line);
  spdlog::set_level(level);
  auto& sinks = spdlog::default_logger()->sinks();
  sinks.erase(std::remove(sinks.begin(), sinks.end(), sink), sinks.end());

  // The errors made it into the records, redacted: the test looks where a key would be.
  EXPECT_NE(records.find("Incorrect API key provided: [redacted]"), std::string::npos) << records;
  EXPECT_EQ(records.find(kKey), std::string::npos);
  const std::string store_bytes =
      ReadAll(dir_.File("flowline.db")) + ReadAll(dir_.File("flowline.db-wal"));
  const std::string cache_bytes =
      ReadAll(dir_.File("flowline.db.llm-cache")) + ReadAll(dir_.File("flowline.db.llm-cache-wal"));
  EXPECT_GT(store_bytes.size(), 0u);
  EXPECT_EQ(store_bytes.find(kKey), std::string::npos);
  EXPECT_EQ(cache_bytes.find(kKey), std::string::npos);
  EXPECT_EQ(stderr_text.find(kKey), std::string::npos);
  EXPECT_EQ(logged.find(kKey), std::string::npos);
}

}  // namespace
}  // namespace flowline::ai::llm
