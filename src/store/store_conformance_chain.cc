// The conformance suite: the decision record's hash chain (links, pages, checkpoints, cuts).
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/record_chain.h"
#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<Record> WholeChain(Store& store) {
  absl::StatusOr<std::vector<Record>> records = store.ScanRecords(0, 0);
  EXPECT_TRUE(records.ok()) << records.status();
  return records.ok() ? *std::move(records) : std::vector<Record>{};
}

// Every record is linked to the one before and hashes to its stored hash; seqs have no gaps.
void ExpectLinked(const std::vector<Record>& chain, int64_t first_seq,
                  const std::string& first_prev) {
  RecordHasher hasher;
  std::string prev = first_prev;
  int64_t seq = first_seq;
  for (const Record& record : chain) {
    EXPECT_EQ(record.seq, seq) << "seqs must have no gaps";
    EXPECT_EQ(record.prev_hash, prev) << "record " << record.seq << " is not linked";
    EXPECT_EQ(record.hash.size(), kRecordHashSize);
    EXPECT_EQ(hasher.Hash(record), record.hash) << "record " << record.seq;
    prev = record.hash;
    ++seq;
  }
}

Checkpoint CheckpointOf(const Record& record, bool cut, absl::Time at) {
  Checkpoint checkpoint;
  checkpoint.seq = record.seq;
  checkpoint.hash = record.hash;
  checkpoint.signed_at = at;
  checkpoint.reason = cut ? "retention" : "interval";
  checkpoint.key_id = "test-key";
  checkpoint.signature = std::string(64, '\x5a');
  checkpoint.cut = cut;
  return checkpoint;
}

absl::Time T(double seconds) {
  return absl::FromUnixSeconds(1'700'000'000) + absl::Seconds(seconds);
}

// Two runs of a → b → c → $end: r1 (version v-one, its three steps completed) and r2 (version
// v-two, created only). 5 records: r1 created, r2 created, r1's a, b, c completed.
void MakeTwoRuns(Store& store) {
  for (const char* id : {"r1", "r2"}) {
    NewRun run;
    run.run_id = id;
    run.workflow = "wf";
    run.version = id == std::string("r1") ? "v-one" : "v-two";
    run.input_json = "{}";
    run.now = T(id == std::string("r1") ? 1 : 2);
    run.steps = {{"a", 0}, {"b", 1}, {"c", 1}, {kEndStepId, 1}};
    run.records.push_back(NewRecord{"", "run.created", "system", "{}"});
    ASSERT_OK(store.CreateRun(run).status());
  }
  for (const char* step : {"a", "b", "c"}) {
    ASSERT_OK_AND_ASSIGN(std::vector<ClaimedStep> claims,
                         store.ClaimSteps(LeaseRequest{"w", absl::Seconds(60)}, T(4), 100));
    const ClaimedStep* mine = nullptr;
    for (const ClaimedStep& claim : claims) {
      if (claim.run_id == "r1" && claim.step_id == step) mine = &claim;
    }
    ASSERT_NE(mine, nullptr) << step;
    StepCommit commit;
    commit.run_id = "r1";
    commit.step_id = step;
    commit.lease_token = mine->lease_token;
    commit.now = T(4);
    commit.dependents = {step == std::string("a") ? "b" : step == std::string("b") ? "c" : "$end"};
    commit.records.push_back(NewRecord{step, "step.completed", "system", "{}"});
    ASSERT_OK(store.CommitStep(commit).status());
  }
}

TEST_P(StoreConformanceTest, EmptyChainHeadIsGenesis) {
  ASSERT_OK_AND_ASSIGN(RecordChainHead head, store().GetRecordChainHead());
  EXPECT_EQ(head.seq, 0);
  EXPECT_EQ(head.hash, GenesisHash());
  EXPECT_THAT(WholeChain(store()), IsEmpty());
}

TEST_P(StoreConformanceTest, RecordsOfAllRunsFormOneLinkedChain) {
  MakeTwoRuns(store());
  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 5u);
  ExpectLinked(chain, 1, GenesisHash());
  EXPECT_EQ(chain[0].run_id, "r1");
  EXPECT_EQ(chain[0].version, "v-one");
  EXPECT_EQ(chain[0].at, At(1));
  EXPECT_EQ(chain[1].run_id, "r2");
  EXPECT_EQ(chain[1].version, "v-two");
  EXPECT_EQ(chain[2].step_id, "a");
  EXPECT_EQ(chain[2].version, "v-one");  // a step commit's record carries the run's version
  EXPECT_EQ(chain[2].at, At(4));

  ASSERT_OK_AND_ASSIGN(RecordChainHead head, store().GetRecordChainHead());
  EXPECT_EQ(head.seq, 5);
  EXPECT_EQ(head.hash, chain.back().hash);

  // ListRecords gives the same links for one run.
  ASSERT_OK_AND_ASSIGN(std::vector<Record> r2, store().ListRecords("r2"));
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r2[0].seq, 2);
  EXPECT_EQ(r2[0].prev_hash, chain[0].hash);
  EXPECT_EQ(r2[0].hash, chain[1].hash);
}

// The encoding counts bytes, not characters, and `at` is signed: a store that hashes in its
// own code (PostgreSQL links in SQL) must agree with store/record_chain.h on both.
TEST_P(StoreConformanceTest, RecordsWithNonAsciiTextAndTimesBeforeTheEpochHashCanonically) {
  NewRun run =
      MakeRun("r-é-日本", ChainSteps(), absl::FromUnixSeconds(-86'400) + absl::Microseconds(7));
  run.version = "v-ü";
  run.records.push_back(
      NewRecord{"schritt-ß", "note", "human:zoë", R"({"name":"Jürgen 🙂","empty":""})"});
  run.records.push_back(NewRecord{"", "", "", ""});
  Create(run);
  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 3u);
  ExpectLinked(chain, 1, GenesisHash());
  EXPECT_EQ(chain[1].run_id, "r-é-日本");
  EXPECT_EQ(chain[1].version, "v-ü");
  EXPECT_EQ(chain[1].actor, "human:zoë");
  EXPECT_EQ(chain[1].payload_json, R"({"name":"Jürgen 🙂","empty":""})");
  EXPECT_EQ(chain[1].at, absl::FromUnixSeconds(-86'400) + absl::Microseconds(7));
  EXPECT_EQ(chain[2].kind, "");
}

TEST_P(StoreConformanceTest, ScanRecordsPagesThroughTheChain) {
  MakeTwoRuns(store());
  ASSERT_OK_AND_ASSIGN(std::vector<Record> first, store().ScanRecords(0, 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].seq, 1);
  EXPECT_EQ(first[1].seq, 2);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> next, store().ScanRecords(2, 2));
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0].seq, 3);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> last, store().ScanRecords(4, 100));
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].seq, 5);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> none, store().ScanRecords(5, 100));
  EXPECT_THAT(none, IsEmpty());
}

TEST_P(StoreConformanceTest, RefusedWritesAppendNoRecord) {
  Create(MakeRun("r1", ChainSteps(), At(1)));
  ClaimedStep claim = ClaimStep("r1", "a", At(2));
  StepCommit stale = MakeCommit(claim, StepResolution::kCompleted, At(3));
  stale.lease_token = "not-the-lease";
  EXPECT_EQ(CodeOf(store().CommitStep(stale)), absl::StatusCode::kFailedPrecondition);
  // A duplicate business key appends nothing either.
  NewRun keyed = MakeRun("r2", ChainSteps(), At(4));
  keyed.business_key = "k";
  Create(keyed);
  NewRun duplicate = MakeRun("r3", ChainSteps(), At(5));
  duplicate.business_key = "k";
  Create(duplicate);
  ASSERT_OK(store().CommitStep(MakeCommit(claim, StepResolution::kCompleted, At(6))).status());

  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 3u);
  ExpectLinked(chain, 1, GenesisHash());
  EXPECT_EQ(chain[2].step_id, "a");
}

TEST_P(StoreConformanceTest, TaskRecordsCarryTheRunsVersion) {
  ASSERT_TRUE(
      OpenTaskWith(store(), "r1", MakeTask("t1", "q", "Check", 0, std::nullopt, "{}"), At(1)));
  TaskResolution resolution = Decide("t1", "ann", "approve", "{}", At(2));
  resolution.records.push_back(NewRecord{"review", "task.resolved", "human:ann", "{}"});
  ASSERT_OK(store().ResolveTask(resolution).status());
  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 3u);
  ExpectLinked(chain, 1, GenesisHash());
  EXPECT_EQ(chain[2].kind, "task.resolved");
  EXPECT_EQ(chain[2].version, "v1");
  EXPECT_EQ(chain[2].actor, "human:ann");
}

TEST_P(StoreConformanceTest, CheckpointMustNameARecordWithItsHash) {
  MakeTwoRuns(store());
  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 5u);

  Checkpoint wrong_hash = CheckpointOf(chain[2], false, At(10));
  wrong_hash.hash = chain[1].hash;
  absl::StatusOr<int64_t> refused = store().AddCheckpoint(wrong_hash);
  EXPECT_EQ(CodeOf(refused), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(refused), HasSubstr("record 3"));
  Checkpoint beyond = CheckpointOf(chain[4], false, At(10));
  beyond.seq = 99;
  EXPECT_EQ(CodeOf(store().AddCheckpoint(beyond)), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CodeOf(store().AddCheckpoint(CheckpointOf(chain[4], true, At(10)))),
            absl::StatusCode::kInvalidArgument);

  ASSERT_OK_AND_ASSIGN(std::optional<Checkpoint> none, store().LatestCheckpoint());
  EXPECT_FALSE(none.has_value());
  ASSERT_OK_AND_ASSIGN(int64_t first, store().AddCheckpoint(CheckpointOf(chain[2], false, At(11))));
  ASSERT_OK_AND_ASSIGN(int64_t second,
                       store().AddCheckpoint(CheckpointOf(chain[4], false, At(12))));
  EXPECT_GT(second, first);

  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> all, store().ListCheckpoints(0, 100));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, first);
  EXPECT_EQ(all[0].seq, 3);
  EXPECT_EQ(all[0].hash, chain[2].hash);
  EXPECT_EQ(all[0].signed_at, At(11));
  EXPECT_EQ(all[0].reason, "interval");
  EXPECT_EQ(all[0].key_id, "test-key");
  EXPECT_EQ(all[0].signature, std::string(64, '\x5a'));
  EXPECT_FALSE(all[0].cut);
  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> after, store().ListCheckpoints(first, 100));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].seq, 5);
  ASSERT_OK_AND_ASSIGN(std::optional<Checkpoint> latest, store().LatestCheckpoint());
  ASSERT_TRUE(latest.has_value());
  EXPECT_EQ(latest->id, second);
}

TEST_P(StoreConformanceTest, PruneRecordsCutsTheChainAndItGoesOn) {
  MakeTwoRuns(store());
  std::vector<Record> chain = WholeChain(store());
  ASSERT_EQ(chain.size(), 5u);
  ASSERT_OK(store().AddCheckpoint(CheckpointOf(chain[1], false, At(10))).status());
  ASSERT_OK(store().AddCheckpoint(CheckpointOf(chain[4], false, At(11))).status());

  ASSERT_OK_AND_ASSIGN(int64_t removed, store().PruneRecords(CheckpointOf(chain[2], true, At(12))));
  EXPECT_EQ(removed, 3);
  std::vector<Record> rest = WholeChain(store());
  ASSERT_EQ(rest.size(), 2u);
  ExpectLinked(rest, 4, chain[2].hash);
  ASSERT_OK_AND_ASSIGN(std::vector<Record> r1, store().ListRecords("r1"));
  ASSERT_EQ(r1.size(), 2u);
  EXPECT_EQ(r1[0].seq, 4);

  // The checkpoint before the cut is gone; the cut and the later one stay.
  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> checkpoints, store().ListCheckpoints(0, 100));
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints[0].seq, 5);
  EXPECT_FALSE(checkpoints[0].cut);
  EXPECT_EQ(checkpoints[1].seq, 3);
  EXPECT_TRUE(checkpoints[1].cut);

  // A cut that does not match the record is refused and removes nothing.
  Checkpoint wrong = CheckpointOf(chain[4], true, At(13));
  wrong.hash = chain[3].hash;
  EXPECT_EQ(CodeOf(store().PruneRecords(wrong)), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(WholeChain(store()).size(), 2u);
  Checkpoint not_cut = CheckpointOf(chain[4], false, At(13));
  EXPECT_EQ(CodeOf(store().PruneRecords(not_cut)), absl::StatusCode::kInvalidArgument);

  // Cutting everything leaves the head at the cut; new records link to it.
  ASSERT_OK_AND_ASSIGN(removed, store().PruneRecords(CheckpointOf(chain[4], true, At(14))));
  EXPECT_EQ(removed, 2);
  EXPECT_THAT(WholeChain(store()), IsEmpty());
  ASSERT_OK_AND_ASSIGN(RecordChainHead head, store().GetRecordChainHead());
  EXPECT_EQ(head.seq, 5);
  EXPECT_EQ(head.hash, chain[4].hash);
  Create(MakeRun("r3", ChainSteps(), At(15)));
  std::vector<Record> after = WholeChain(store());
  ASSERT_EQ(after.size(), 1u);
  ExpectLinked(after, 6, chain[4].hash);
  ASSERT_OK_AND_ASSIGN(std::vector<Checkpoint> cuts, store().ListCheckpoints(0, 100));
  ASSERT_EQ(cuts.size(), 1u);
  EXPECT_TRUE(cuts[0].cut);
  EXPECT_EQ(cuts[0].seq, 5);
}

TEST_P(StoreConformanceTest, AppendsFromManyThreadsStayOneChain) {
  constexpr int kThreads = 8;
  constexpr int kRunsEach = 20;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kRunsEach; ++i) {
        NewRun run = MakeRun(absl::StrCat("r", t, "-", i), ChainSteps(), At(t + i));
        run.records.push_back(NewRecord{"", "extra", "system", R"({"second":true})"});
        EXPECT_TRUE(store().CreateRun(run).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::vector<Record> chain = WholeChain(store());
  EXPECT_EQ(chain.size(), static_cast<size_t>(kThreads * kRunsEach * 2));
  ExpectLinked(chain, 1, GenesisHash());
  // A call's records stay together, in order.
  for (size_t i = 0; i + 1 < chain.size(); i += 2) {
    EXPECT_EQ(chain[i].run_id, chain[i + 1].run_id);
    EXPECT_EQ(chain[i].kind, "run.created");
    EXPECT_EQ(chain[i + 1].kind, "extra");
  }
}

}  // namespace
}  // namespace flowline::store::testing
