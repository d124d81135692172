// Tamper tests: a real SQLite store is written through the Store interface, then changed behind
// its back with plain SQL, as someone with write access to the database file would; verify must
// name what was done and where.
#include "audit/verifier.h"

#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/checkpoints.h"
#include "audit/retention.h"
#include "common/temp_dir.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/record_chain.h"
#include "store/sqlite/sqlite_store.h"

namespace flowline::audit {
namespace {

using ::testing::HasSubstr;

absl::Time At(int seconds) { return absl::FromUnixSeconds(1'700'000'000 + seconds); }

class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.File("audit.db");
    Open();
    absl::StatusOr<SigningKey> key = SigningKey::Generate();
    ASSERT_TRUE(key.ok()) << key.status();
    key_ = std::make_unique<SigningKey>(*std::move(key));
  }

  void Open() {
    store::sqlite::SqliteStoreOptions options;
    options.path = path_;
    options.synchronous_full = false;
    absl::StatusOr<std::unique_ptr<store::sqlite::SqliteStore>> store =
        store::sqlite::SqliteStore::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = *std::move(store);
  }

  // A new, empty database.
  void StartOver() {
    store_.reset();
    path_ = dir_.File(absl::StrCat("audit-", ++databases_, ".db"));
    Open();
  }

  // Runs r0..r{n-1}, each created with two records ("run.created", "note"), at second i.
  void MakeRecords(int runs) {
    for (int i = 0; i < runs; ++i) {
      store::NewRun run;
      run.run_id = absl::StrCat("r", i);
      run.workflow = "wf";
      run.version = "v1";
      run.input_json = "{}";
      run.now = At(i);
      run.steps = {{"a", 0}, {store::kEndStepId, 1}};
      run.records.push_back(store::NewRecord{"", "run.created", "system", "{\"n\":1}"});
      run.records.push_back(store::NewRecord{"a", "note", "ai:classify", "{\"label\":\"x\"}"});
      ASSERT_TRUE(store_->CreateRun(run).ok());
    }
  }

  void Checkpoint(int64_t seq) {
    absl::StatusOr<std::vector<store::Record>> page = store_->ScanRecords(seq - 1, 1);
    ASSERT_TRUE(page.ok() && page->size() == 1);
    absl::StatusOr<store::Checkpoint> checkpoint =
        SignCheckpoint(*key_, seq, page->front().hash, At(1000), "interval", false);
    ASSERT_TRUE(checkpoint.ok());
    ASSERT_TRUE(store_->AddCheckpoint(*checkpoint).ok());
  }

  // Runs `sql` on the database file with the store closed, then opens it again.
  void Tamper(const std::string& sql) {
    store_.reset();
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &db), SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    EXPECT_EQ(rc, SQLITE_OK) << (error != nullptr ? error : "") << " in " << sql;
    sqlite3_free(error);
    sqlite3_close(db);
    Open();
  }

  // Changes record `seq`'s payload and, like a careful attacker, stores the hash of the new
  // content (its prev_hash unchanged).
  void RewriteWithHash(int64_t seq, const std::string& payload) {
    absl::StatusOr<std::vector<store::Record>> page = store_->ScanRecords(seq - 1, 1);
    ASSERT_TRUE(page.ok() && page->size() == 1);
    store::Record record = page->front();
    record.payload_json = payload;
    const std::string hash = store::RecordHasher().Hash(record);
    Tamper(absl::StrCat("UPDATE records SET payload_json = '", payload, "', hash = x'",
                        store::HexBytes(hash), "' WHERE seq = ", seq));
  }

  VerifyReport Verify(const PublicKey* key) {
    VerifyOptions options;
    options.trusted_key = key;
    options.page_size = 3;  // several pages even for a small chain
    absl::StatusOr<VerifyReport> report = VerifyChain(*store_, options);
    EXPECT_TRUE(report.ok()) << report.status();
    return report.ok() ? *std::move(report) : VerifyReport{};
  }
  VerifyReport Verify() { return Verify(&key_->public_key()); }

  common::TempDir dir_;
  std::string path_;
  int databases_ = 0;
  std::unique_ptr<store::sqlite::SqliteStore> store_;
  std::unique_ptr<SigningKey> key_;
};

TEST_F(VerifierTest, AnIntactChainVerifies) {
  MakeRecords(5);
  Checkpoint(10);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.finding.has_value()) << report.finding->message;
  EXPECT_EQ(report.records, 10);
  EXPECT_EQ(report.first_seq, 1);
  EXPECT_EQ(report.last_seq, 10);
  EXPECT_EQ(report.checkpoints, 1);
  EXPECT_TRUE(report.signatures_checked);
  EXPECT_EQ(report.signed_up_to, 10);
}

TEST_F(VerifierTest, AnEmptyChainVerifies) {
  VerifyReport report = Verify();
  EXPECT_FALSE(report.finding.has_value());
  EXPECT_EQ(report.records, 0);
}

TEST_F(VerifierTest, OneChangedByteIsNamed) {
  MakeRecords(5);
  Checkpoint(10);
  Tamper("UPDATE records SET payload_json = '{\"label\":\"y\"}' WHERE seq = 6");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "changed");
  EXPECT_EQ(report.finding->seq, 6);
  EXPECT_EQ(report.finding->run_id, "r2");
  EXPECT_EQ(report.finding->step_id, "a");
  EXPECT_EQ(report.finding->kind, "note");
  EXPECT_THAT(report.finding->message, HasSubstr("record 6 (run r2, step a, note)"));
  EXPECT_THAT(report.finding->message, HasSubstr("does not match its hash"));
}

TEST_F(VerifierTest, AChangeOfAnyColumnIsNamed) {
  for (const char* change : {"UPDATE records SET actor = 'human:mallory' WHERE seq = 2",
                             "UPDATE records SET at = at + 1 WHERE seq = 2",
                             "UPDATE records SET version = 'v2' WHERE seq = 2",
                             "UPDATE records SET run_id = 'r9' WHERE seq = 2",
                             "UPDATE records SET step_id = 'b' WHERE seq = 2",
                             "UPDATE records SET kind = 'step.completed' WHERE seq = 2",
                             "UPDATE records SET prev_hash = hash WHERE seq = 2"}) {
    SCOPED_TRACE(change);
    StartOver();
    MakeRecords(3);
    Tamper(change);
    VerifyReport report = Verify();
    ASSERT_TRUE(report.finding.has_value());
    EXPECT_EQ(report.finding->problem, "changed");
    EXPECT_EQ(report.finding->seq, 2);
  }
}

TEST_F(VerifierTest, AChangeWithItsHashRecomputedIsNamedByTheNextLink) {
  MakeRecords(5);
  RewriteWithHash(4, "{\"label\":\"forged\"}");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "changed");
  EXPECT_EQ(report.finding->seq, 4);
  EXPECT_THAT(report.finding->message, HasSubstr("hash recomputed"));
}

TEST_F(VerifierTest, AChangedLastRecordIsCaughtByItsCheckpoint) {
  MakeRecords(5);
  Checkpoint(10);
  RewriteWithHash(10, "{\"label\":\"forged\"}");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "changed");
  EXPECT_EQ(report.finding->seq, 10);
  EXPECT_THAT(report.finding->message, HasSubstr("checkpoint 1"));
}

TEST_F(VerifierTest, ADeletedRecordIsNamed) {
  MakeRecords(5);
  Tamper("DELETE FROM records WHERE seq = 7");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "removed");
  EXPECT_EQ(report.finding->seq, 7);
  EXPECT_THAT(report.finding->message, HasSubstr("record 7 is missing"));
  EXPECT_THAT(report.finding->message, HasSubstr("from record 6 to record 8"));
}

TEST_F(VerifierTest, TheFirstRecordDeletedIsNamed) {
  MakeRecords(2);
  Tamper("DELETE FROM records WHERE seq = 1");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "removed");
  EXPECT_EQ(report.finding->seq, 1);
}

TEST_F(VerifierTest, TwoSwappedRecordsAreNamed) {
  MakeRecords(5);
  // Rows 3 and 8 exchange places: everything but their seq moves.
  Tamper(
      "UPDATE records SET seq = -3 WHERE seq = 3; UPDATE records SET seq = 3 WHERE seq = 8; "
      "UPDATE records SET seq = 8 WHERE seq = -3;");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "reordered");
  EXPECT_EQ(report.finding->seq, 3);
  EXPECT_THAT(report.finding->message, HasSubstr("written as record 8"));
}

TEST_F(VerifierTest, ATruncatedTailIsNamed) {
  MakeRecords(5);
  Checkpoint(8);
  Tamper("DELETE FROM records WHERE seq > 6");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "truncated");
  EXPECT_EQ(report.finding->seq, 7);
  EXPECT_THAT(report.finding->message, HasSubstr("the chain ends at record 6"));
  EXPECT_THAT(report.finding->message, HasSubstr("covers up to record 8"));
}

// Records after the last checkpoint can be cut without a trace: that is the window the
// checkpoint interval leaves open (docs/audit.md, threat model). The report shows it.
TEST_F(VerifierTest, TheUnsignedTailIsReportedNotProven) {
  MakeRecords(5);
  Checkpoint(6);
  Tamper("DELETE FROM records WHERE seq > 8");
  VerifyReport report = Verify();
  EXPECT_FALSE(report.finding.has_value());
  EXPECT_EQ(report.last_seq, 8);
  EXPECT_EQ(report.signed_up_to, 6);
}

TEST_F(VerifierTest, AnAlteredCheckpointIsNamed) {
  MakeRecords(5);
  Checkpoint(8);
  Tamper("UPDATE checkpoints SET seq = 9, hash = (SELECT hash FROM records WHERE seq = 9)");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "bad_checkpoint");
  EXPECT_THAT(report.finding->message, HasSubstr("does not match its signature"));
}

TEST_F(VerifierTest, ACheckpointOfAnotherKeyIsNamed) {
  MakeRecords(2);
  Checkpoint(4);
  absl::StatusOr<SigningKey> other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  VerifyReport report = Verify(&other->public_key());
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "bad_checkpoint");
  EXPECT_THAT(report.finding->message, HasSubstr("not the trusted key"));
  // Forged: the key id copied, the signature another key's.
  absl::StatusOr<std::string> forged = other->Sign("anything");
  ASSERT_TRUE(forged.ok());
  Tamper(absl::StrCat("UPDATE checkpoints SET signature = x'", store::HexBytes(*forged), "'"));
  report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "bad_checkpoint");
}

TEST_F(VerifierTest, WithoutAKeyOnlyTheChainIsChecked) {
  MakeRecords(2);
  Checkpoint(4);
  VerifyReport report = Verify(nullptr);
  EXPECT_FALSE(report.finding.has_value());
  EXPECT_FALSE(report.signatures_checked);
}

TEST_F(VerifierTest, AfterRetentionTheRestStillVerifiesFromTheCut) {
  MakeRecords(10);  // records at seconds 0..9, two each
  PruneOptions options;
  options.retention.months = 0;
  options.retention.days = 0;
  // A cutoff of At(4): runs 0..3 (records 1..8) are expired. Retention is normally months; the
  // arithmetic is the same, so the test shifts "now" instead of waiting.
  absl::StatusOr<PruneResult> pruned = PruneExpiredRecords(*store_, *key_, At(4), options);
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(pruned->removed, 8);
  EXPECT_EQ(pruned->cut_seq, 8);
  VerifyReport report = Verify();
  EXPECT_FALSE(report.finding.has_value()) << report.finding->message;
  EXPECT_EQ(report.first_seq, 9);
  EXPECT_EQ(report.records, 12);
  ASSERT_TRUE(report.cut.has_value());
  EXPECT_EQ(report.cut->seq, 8);

  // Removing the cut itself exposes the missing records.
  Tamper("DELETE FROM checkpoints WHERE cut");
  report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "removed");
  EXPECT_EQ(report.finding->seq, 1);
}

TEST_F(VerifierTest, AnOrdinaryCheckpointCannotBePassedOffAsACut) {
  MakeRecords(5);
  Checkpoint(6);
  Tamper("UPDATE checkpoints SET cut = 1; DELETE FROM records WHERE seq <= 6");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "bad_checkpoint");
}

TEST_F(VerifierTest, ARecordPutBackBeforeTheCutIsNamed) {
  MakeRecords(4);
  PruneOptions options;
  options.retention.months = 0;
  ASSERT_TRUE(PruneExpiredRecords(*store_, *key_, At(2), options).ok());
  Tamper(
      "INSERT INTO records (seq, run_id, step_id, version, kind, actor, payload_json, at, "
      "prev_hash, hash) SELECT 2, run_id, step_id, version, kind, actor, payload_json, at, "
      "prev_hash, hash FROM records WHERE seq = 5");
  VerifyReport report = Verify();
  ASSERT_TRUE(report.finding.has_value());
  EXPECT_EQ(report.finding->problem, "inserted");
  EXPECT_EQ(report.finding->seq, 2);
}

}  // namespace
}  // namespace flowline::audit
