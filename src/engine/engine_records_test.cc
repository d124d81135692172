// The decision record as the engine writes it: versions and links on every record, the actor's
// model, input digests, durations, before/after values of corrections, and personal data kept
// as digests (`personal:`).
#include <string>
#include <vector>

#include "audit/personal_data.h"
#include "common/temp_dir.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "monitor/measure_names.h"
#include "monitor/record_fold.h"
#include "steps/system_step_kinds.h"
#include "store/record_chain.h"
#include "store/sqlite/scratch_options.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::engine {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// An AI step kind that reports the model it used.
class ModelStep final : public steps::StepKind {
 public:
  ModelStep() {
    info_.name = "fake_model";
    info_.actors = {steps::Actor::kAi};
    info_.params = {{"iban", steps::ParamType::kString, true, false, "the IBAN to echo"}};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>();
  }

 private:
  struct Prepared final : steps::PreparedStep {
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      const std::string iban = ctx.params->value("iban", "");
      steps::StepOutcome outcome =
          steps::StepOutcome::Completed(Json{{"fields",
                                              {{"iban", {{"value", iban}, {"confidence", 0.5}}},
                                               {"total", {{"value", 120}, {"confidence", 0.99}}}}}},
                                        0.5);
      outcome.model = steps::ModelRef{"iban-reader", std::string(64, 'c')};
      return outcome;
    }
  };
  steps::StepKindInfo info_;
};

// An AI step kind that reports what it consumed from a paid model service, as the llm step does:
// its first attempt fails after one paid call, its second completes after two.
class MeteredStep final : public steps::StepKind {
 public:
  MeteredStep() {
    info_.name = "fake_metered";
    info_.actors = {steps::Actor::kAi};
  }
  const steps::StepKindInfo& Info() const override { return info_; }
  std::unique_ptr<steps::PreparedStep> Prepare(std::string_view, const Json&,
                                               std::vector<steps::ConfigError>*) const override {
    return std::make_unique<Prepared>();
  }

 private:
  struct Prepared final : steps::PreparedStep {
    steps::StepOutcome Execute(const steps::StepContext& ctx) const override {
      const int calls = ctx.attempt == 1 ? 1 : 2;
      steps::StepOutcome outcome =
          ctx.attempt == 1 ? steps::StepOutcome::Failed("HTTP 500", steps::ErrorClass::kTransient)
                           : steps::StepOutcome::Completed(Json{{"answer", "ok"}}, 0.9);
      outcome.usage = Json{{"model", "openai/gpt-4o-mini"},
                           {"input_tokens", 400 * calls},
                           {"output_tokens", 60 * calls},
                           {"calls", calls},
                           {"cached", 0},
                           {"cost", 0.0001 * calls}};
      return outcome;
    }
  };
  steps::StepKindInfo info_;
};

constexpr char kSpec[] = R"yaml(
workflow: payments
key: ${{ input.email }}
steps:
  - id: fields
    uses: fake_model
    with: { iban: "${{ input.iban }}" }
  - id: review
    uses: review
    actor: human
    with:
      gate: true
      queue: ap
      decisions: [approve, correct, reject]
      fields_step: fields
      data:
        fields: ${{ steps.fields.output.fields }}
exceptions:
  confidence: 0.9
outputs:
  payee: ${{ input.email }}
  decision: ${{ steps.review.output.decision }}
personal:
  - key
  - input.email
  - input.iban
  - steps.fields.output.fields.iban
  - outputs.payee
)yaml";

class EngineRecordsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::sqlite::SqliteStoreOptions options =
        store::sqlite::ScratchStoreOptions(dir_.File("flowline.db"));
    auto opened = store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(*opened);
    steps::RegisterSystemStepKinds(registry_);
    registry_.Register(std::make_unique<ModelStep>());
    registry_.Register(std::make_unique<MeteredStep>());
    EngineOptions engine_options;
    engine_options.workers = 0;
    engine_options.worker_id = "test";
    engine_options.personal_data_key = "secret";
    engine_ =
        std::make_unique<Engine>(engine_options, *store_, registry_, clock_, random_, nullptr);
    auto deployed = engine_->Deploy(kSpec, "payments.yaml");
    ASSERT_TRUE(deployed.ok()) << deployed.status();
    version_ = deployed->version;
  }

  std::vector<store::Record> Records(const std::string& run_id) {
    auto records = store_->ListRecords(run_id);
    EXPECT_TRUE(records.ok()) << records.status();
    return records.ok() ? *records : std::vector<store::Record>{};
  }

  Json Payload(const std::vector<store::Record>& records, const std::string& kind) {
    for (const store::Record& record : records) {
      if (record.kind == kind) return *common::ParseJson(record.payload_json, "record");
    }
    ADD_FAILURE() << "no " << kind << " record";
    return Json();
  }

  // Runs one case to its review and resolves it with a corrected IBAN.
  std::string RunCorrectedCase() {
    auto started = engine_->StartRun(
        {"payments", Json{{"email", "ann@example.com"}, {"iban", "DE00 1111"}}, ""});
    EXPECT_TRUE(started.ok()) << started.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    store::TaskFilter filter;
    filter.run_id = started->run_id;
    auto tasks = store_->ListTasks(filter);
    EXPECT_TRUE(tasks.ok() && tasks->size() == 1);
    clock_.Advance(absl::Minutes(3));
    EXPECT_TRUE(
        store_->ClaimTask(tasks->front().task_id, "bob", clock_.Now(), absl::Minutes(5)).ok());
    auto resolved =
        engine_->ResolveTask({tasks->front().task_id, "bob", "correct", "the IBAN was misread",
                              Json{{"fields", {{"iban", "DE99 2222"}}}}});
    EXPECT_TRUE(resolved.ok()) << resolved.status();
    EXPECT_TRUE(engine_->RunUntilIdle().ok());
    return started->run_id;
  }

  const audit::PersonalDigest digest_{"secret"};
  common::TempDir dir_;
  common::FakeClock clock_;
  common::SeededRandom random_{7};
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  steps::StepKindRegistry registry_;
  std::unique_ptr<Engine> engine_;
  std::string version_;
};

TEST_F(EngineRecordsTest, EveryRecordIsLinkedAndCarriesTheRunsVersion) {
  const std::string run_id = RunCorrectedCase();
  auto run = store_->GetRun(run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->status, store::RunStatus::kCompleted);
  auto chain = store_->ScanRecords(0, 0);
  ASSERT_TRUE(chain.ok());
  std::vector<std::string> kinds;
  store::RecordHasher hasher;
  std::string prev = store::GenesisHash();
  for (const store::Record& record : *chain) {
    kinds.push_back(record.kind);
    EXPECT_EQ(record.version, version_) << record.kind;
    EXPECT_EQ(record.prev_hash, prev);
    EXPECT_EQ(hasher.Hash(record), record.hash);
    prev = record.hash;
  }
  // The deployment first: making a version live is a stage change, recorded under the version.
  EXPECT_THAT(kinds, ::testing::ElementsAre("version.deployed", "run.created", "step.completed",
                                            "routing.decided", "task.opened", "task.resolved",
                                            "step.completed", "run.completed"));
  EXPECT_EQ((*chain)[0].run_id, "");
}

TEST_F(EngineRecordsTest, StepRecordsNameTheModelInputDigestAndDuration) {
  const std::vector<store::Record> records = Records(RunCorrectedCase());
  ASSERT_FALSE(records.empty());
  Json step = Payload(records, "step.completed");
  EXPECT_EQ(records[1].actor, "ai:fake_model");
  EXPECT_EQ(step["model"]["name"], "iban-reader");
  EXPECT_EQ(step["model"]["sha256"], std::string(64, 'c'));
  EXPECT_TRUE(step["input_digest"].is_string());
  EXPECT_EQ(step["confidence"], 0.5);
  EXPECT_TRUE(step["duration_us"].is_number_integer());
  EXPECT_EQ(step["attempt"], 1);
  Json routing = Payload(records, "routing.decided");
  EXPECT_EQ(routing["routed"], "person");
  EXPECT_EQ(routing["reasons"][0]["kind"], "low_confidence");
}

TEST_F(EngineRecordsTest, AResolutionRecordsWhatChangedAndWhy) {
  const std::vector<store::Record> records = Records(RunCorrectedCase());
  Json resolved = Payload(records, "task.resolved");
  EXPECT_EQ(resolved["decision"], "correct");
  EXPECT_EQ(resolved["by"], "bob");
  EXPECT_EQ(resolved["comment"], "the IBAN was misread");
  EXPECT_EQ(resolved["corrections"]["changed"], 1);
  ASSERT_EQ(resolved["changes"].size(), 1u);
  EXPECT_EQ(resolved["changes"][0]["field"], "iban");
  // Before and after, as digests: the IBAN is personal data.
  EXPECT_EQ(resolved["changes"][0]["before"], digest_(Json("DE00 1111")));
  EXPECT_EQ(resolved["changes"][0]["after"], digest_(Json("DE99 2222")));
}

TEST_F(EngineRecordsTest, PersonalDataAppearsOnlyAsDigests) {
  const std::vector<store::Record> records = Records(RunCorrectedCase());
  EXPECT_EQ(Payload(records, "run.created")["key"], digest_(Json("ann@example.com")));
  Json step = Payload(records, "step.completed");
  EXPECT_EQ(step["output"]["fields"]["iban"],
            digest_(Json{{"value", "DE00 1111"}, {"confidence", 0.5}}));
  EXPECT_EQ(step["output"]["fields"]["total"]["value"], 120);  // not personal: as it was
  EXPECT_EQ(Payload(records, "task.resolved")["data"]["fields"]["iban"],
            digest_(Json("DE99 2222")));
  EXPECT_EQ(Payload(records, "run.completed")["output"]["payee"], digest_(Json("ann@example.com")));
  for (const store::Record& record : records) {
    for (const char* plain : {"ann@example.com", "DE00 1111", "DE99 2222"}) {
      EXPECT_THAT(record.payload_json, Not(HasSubstr(plain))) << record.kind;
    }
  }
  // The run itself still has the values: the engine needs them; only the record is redacted.
  auto run = store_->GetRun(records[0].run_id);
  ASSERT_TRUE(run.ok());
  EXPECT_THAT(run->output_json, HasSubstr("ann@example.com"));
}

TEST_F(EngineRecordsTest, AFailedStepRecordsItsInputDigest) {
  auto deployed = engine_->Deploy(R"yaml(
workflow: failing
steps:
  - id: boom
    uses: script
    with: { code: "error('no ' .. input.n)" }
)yaml",
                                  "failing.yaml");
  ASSERT_TRUE(deployed.ok()) << deployed.status();
  auto started = engine_->StartRun({"failing", Json{{"n", 1}}, ""});
  ASSERT_TRUE(started.ok());
  ASSERT_TRUE(engine_->RunUntilIdle().ok());
  Json failed = Payload(Records(started->run_id), "step.failed");
  EXPECT_TRUE(failed["input_digest"].is_string());
  EXPECT_THAT(failed["error"].get<std::string>(), HasSubstr("no"));
}

TEST_F(EngineRecordsTest, StepUsageIsRecorded) {
  auto deployed = engine_->Deploy(R"yaml(
workflow: metered
steps:
  - id: ask
    uses: fake_metered
    actor: ai
    retry: { attempts: 2, backoff: { initial: 1s }, on: [transient] }
)yaml",
                                  "metered.yaml");
  ASSERT_TRUE(deployed.ok()) << deployed.status();
  auto started = engine_->StartRun({"metered", Json::object(), ""});
  ASSERT_TRUE(started.ok()) << started.status();
  ASSERT_TRUE(engine_->RunUntilIdle().ok());
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(engine_->RunUntilIdle().ok());
  const std::vector<store::Record> records = Records(started->run_id);
  Json retry = Payload(records, "step.retry");
  EXPECT_EQ(retry["usage"]["calls"], 1);
  EXPECT_EQ(retry["usage"]["input_tokens"], 400);
  Json completed = Payload(records, "step.completed");
  EXPECT_EQ(completed["usage"], (Json{{"model", "openai/gpt-4o-mini"},
                                      {"input_tokens", 800},
                                      {"output_tokens", 120},
                                      {"calls", 2},
                                      {"cached", 0},
                                      {"cost", 0.0002}}));

  // The measures count both attempts' calls and tokens under the usage's model.
  monitor::StoreFacts facts(*store_);
  monitor::MeasureFold fold(facts);
  for (const store::Record& record : records) ASSERT_TRUE(fold.Add(record).ok());
  std::map<std::string, int64_t> totals;
  for (const store::MeasureBucket& bucket : fold.TakeDeltas()) {
    if (bucket.granularity_s != 0 || !bucket.step.empty()) continue;
    if (bucket.label != "openai/gpt-4o-mini") continue;
    totals[bucket.measure] += bucket.count;
  }
  EXPECT_EQ(totals[monitor::measure::kModelCalls], 3);
  EXPECT_EQ(totals[monitor::measure::kInputTokens], 1200);
  EXPECT_EQ(totals[monitor::measure::kOutputTokens], 180);
}

}  // namespace
}  // namespace flowline::engine
