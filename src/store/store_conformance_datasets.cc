// The conformance suite: datasets — cases appended as immutable numbered versions, identical
// content making no new version, replacing imports removing cases, old versions unchanged, and
// the corrections fold's cursor moving with its cases.
#include <string>
#include <vector>

#include "store/store_conformance.h"
#include "store/store_conformance_internal.h"

namespace flowline::store::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

NewDatasetCase Case(std::string key, std::string expected, std::string source = "import:test") {
  NewDatasetCase c;
  c.case_key = std::move(key);
  c.input_json = R"({"file":"sha256:)" + std::string(64, 'a') + R"(.pdf"})";
  c.expected_json = std::move(expected);
  c.source = std::move(source);
  c.source_ref = "labels.jsonl";
  c.slices_json = R"({"vendor":"ACME"})";
  return c;
}

DatasetAppend Import(std::string name, std::vector<NewDatasetCase> cases, absl::Time now,
                     std::string note = "") {
  DatasetAppend append;
  append.dataset.name = std::move(name);
  append.dataset.description = "invoices";
  append.dataset.workflow = "invoice-approval";
  append.dataset.validation_share = 0.25;
  append.dataset.test_share = 0.25;
  append.dataset.split_seed = 9;
  append.cases = std::move(cases);
  append.replace = true;
  append.note = std::move(note);
  append.now = now;
  return append;
}

// "<key>=<expected>" of each case, in order.
std::vector<std::string> Describe(const std::vector<DatasetCase>& cases) {
  std::vector<std::string> out;
  for (const DatasetCase& c : cases) out.push_back(c.value.case_key + "=" + c.value.expected_json);
  return out;
}

TEST_P(StoreConformanceTest, DatasetImportCreatesTheDatasetAndItsFirstVersion) {
  ASSERT_OK_AND_ASSIGN(
      DatasetAppendResult first,
      store().AppendDatasetCases(
          Import("inv", {Case("b", "{\"t\":2}"), Case("a", "{\"t\":1}")}, At(10), "from samples")));
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.added, 2);
  EXPECT_EQ(first.changed, 0);
  EXPECT_EQ(first.removed, 0);
  EXPECT_EQ(first.version.version, 1);
  EXPECT_EQ(first.version.case_count, 2);
  EXPECT_EQ(first.version.note, "from samples");
  EXPECT_EQ(first.version.created_at, At(10));
  EXPECT_EQ(first.version.content_hash.size(), 64u);

  ASSERT_OK_AND_ASSIGN(DatasetInfo info, store().GetDataset("inv"));
  EXPECT_EQ(info.description, "invoices");
  EXPECT_EQ(info.workflow, "invoice-approval");
  EXPECT_EQ(info.validation_share, 0.25);
  EXPECT_EQ(info.test_share, 0.25);
  EXPECT_EQ(info.split_seed, 9);
  EXPECT_EQ(info.created_at, At(10));
  EXPECT_EQ(info.latest_version, 1);
  EXPECT_EQ(info.feed_seq, 0);

  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> cases, store().ListDatasetCases("inv", 0));
  EXPECT_THAT(Describe(cases), ElementsAre("a={\"t\":1}", "b={\"t\":2}"));
  EXPECT_EQ(cases[0].dataset, "inv");
  EXPECT_EQ(cases[0].value.source, "import:test");
  EXPECT_EQ(cases[0].value.source_ref, "labels.jsonl");
  EXPECT_EQ(cases[0].value.slices_json, R"({"vendor":"ACME"})");
  EXPECT_EQ(cases[0].added_at, At(10));
  EXPECT_FALSE(cases[0].value.removed);
  EXPECT_EQ(DatasetContentHash(cases), first.version.content_hash);
}

TEST_P(StoreConformanceTest, DatasetIdenticalContentMakesNoNewVersion) {
  ASSERT_OK(store()
                .AppendDatasetCases(Import("inv", {Case("a", "{}"), Case("b", "{}")}, At(1)))
                .status());
  // The same cases, in another order and at another time.
  ASSERT_OK_AND_ASSIGN(
      DatasetAppendResult again,
      store().AppendDatasetCases(Import("inv", {Case("b", "{}"), Case("a", "{}")}, At(2))));
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.version.version, 1);
  EXPECT_EQ(again.added + again.changed + again.removed, 0);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetVersion> versions, store().ListDatasetVersions("inv"));
  EXPECT_EQ(versions.size(), 1u);
}

TEST_P(StoreConformanceTest, DatasetChangedLabelMakesANewVersionAndTheOldOneStays) {
  ASSERT_OK_AND_ASSIGN(
      DatasetAppendResult v1,
      store().AppendDatasetCases(
          Import("inv", {Case("a", "{\"t\":1}"), Case("b", "{\"t\":2}"), Case("c", "{}")}, At(1))));
  // b's label changes, c leaves the folder, d is new.
  ASSERT_OK_AND_ASSIGN(DatasetAppendResult v2,
                       store().AppendDatasetCases(Import(
                           "inv", {Case("a", "{\"t\":1}"), Case("b", "{\"t\":3}"), Case("d", "{}")},
                           At(2), "relabelled")));
  EXPECT_TRUE(v2.created);
  EXPECT_EQ(v2.version.version, 2);
  EXPECT_EQ(v2.added, 1);
  EXPECT_EQ(v2.changed, 1);
  EXPECT_EQ(v2.removed, 1);
  EXPECT_EQ(v2.version.case_count, 3);
  EXPECT_NE(v2.version.content_hash, v1.version.content_hash);

  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> old_cases, store().ListDatasetCases("inv", 1));
  EXPECT_THAT(Describe(old_cases), ElementsAre("a={\"t\":1}", "b={\"t\":2}", "c={}"));
  EXPECT_EQ(DatasetContentHash(old_cases), v1.version.content_hash);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> new_cases, store().ListDatasetCases("inv", 0));
  EXPECT_THAT(Describe(new_cases), ElementsAre("a={\"t\":1}", "b={\"t\":3}", "d={}"));
  EXPECT_EQ(DatasetContentHash(new_cases), v2.version.content_hash);
  // An unchanged case keeps its row.
  EXPECT_EQ(new_cases[0].seq, old_cases[0].seq);

  ASSERT_OK_AND_ASSIGN(std::vector<DatasetVersion> versions, store().ListDatasetVersions("inv"));
  ASSERT_EQ(versions.size(), 2u);
  EXPECT_EQ(versions[0].version, 1);
  EXPECT_EQ(versions[0].case_count, 3);
  EXPECT_EQ(versions[1].note, "relabelled");
  ASSERT_OK_AND_ASSIGN(DatasetVersion newest, store().GetDatasetVersion("inv", 0));
  EXPECT_EQ(newest.version, 2);
  EXPECT_EQ(newest.max_seq, versions[1].max_seq);
  EXPECT_LT(versions[0].max_seq, versions[1].max_seq);

  // A case that comes back is a new row with its old content.
  ASSERT_OK_AND_ASSIGN(
      DatasetAppendResult v3,
      store().AppendDatasetCases(
          Import("inv", {Case("a", "{\"t\":1}"), Case("b", "{\"t\":2}"), Case("c", "{}")}, At(3))));
  EXPECT_EQ(v3.version.version, 3);
  EXPECT_EQ(v3.version.content_hash, v1.version.content_hash);
}

TEST_P(StoreConformanceTest, DatasetAppendWithoutReplaceKeepsOtherCasesAndRemovesOnRequest) {
  ASSERT_OK(store()
                .AppendDatasetCases(Import("inv", {Case("a", "{}"), Case("b", "{}")}, At(1)))
                .status());
  DatasetAppend add = Import("inv", {Case("c", "{}")}, At(2));
  add.replace = false;
  ASSERT_OK_AND_ASSIGN(DatasetAppendResult added, store().AppendDatasetCases(add));
  EXPECT_EQ(added.added, 1);
  EXPECT_EQ(added.removed, 0);
  EXPECT_EQ(added.version.case_count, 3);

  NewDatasetCase removal;
  removal.case_key = "a";
  removal.removed = true;
  NewDatasetCase missing;
  missing.case_key = "zz";  // not in the dataset: nothing to remove
  missing.removed = true;
  DatasetAppend remove = Import("inv", {removal, missing}, At(3));
  remove.replace = false;
  ASSERT_OK_AND_ASSIGN(DatasetAppendResult removed, store().AppendDatasetCases(remove));
  EXPECT_EQ(removed.removed, 1);
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> cases, store().ListDatasetCases("inv", 0));
  EXPECT_THAT(Describe(cases), ElementsAre("b={}", "c={}"));
}

TEST_P(StoreConformanceTest, DatasetFeedCursorMovesWithItsCasesOrNothingChanges) {
  DatasetAppend fold;
  fold.dataset.name = "invoice-approval.reviewed";
  fold.dataset.workflow = "invoice-approval";
  fold.cases = {Case("task-1", "{}", "review:task-1")};
  fold.now = At(1);
  fold.feed_from = 0;
  fold.feed_to = 7;
  ASSERT_OK_AND_ASSIGN(DatasetAppendResult first, store().AppendDatasetCases(fold));
  EXPECT_TRUE(first.created);
  ASSERT_OK_AND_ASSIGN(DatasetInfo info, store().GetDataset("invoice-approval.reviewed"));
  EXPECT_EQ(info.feed_seq, 7);

  // A second fold of the same corrections (from the old cursor) is refused whole.
  fold.cases = {Case("task-2", "{}", "review:task-2")};
  absl::StatusOr<DatasetAppendResult> stale = store().AppendDatasetCases(fold);
  EXPECT_EQ(CodeOf(stale), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(MessageOf(stale), HasSubstr("cursor"));
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetCase> cases,
                       store().ListDatasetCases("invoice-approval.reviewed", 0));
  EXPECT_EQ(cases.size(), 1u);

  // No new cases, the cursor still moves.
  fold.cases = {};
  fold.feed_from = 7;
  fold.feed_to = 9;
  ASSERT_OK_AND_ASSIGN(DatasetAppendResult empty, store().AppendDatasetCases(fold));
  EXPECT_FALSE(empty.created);
  ASSERT_OK_AND_ASSIGN(info, store().GetDataset("invoice-approval.reviewed"));
  EXPECT_EQ(info.feed_seq, 9);
  EXPECT_EQ(info.latest_version, 1);
}

TEST_P(StoreConformanceTest, DatasetBadRequestsAndUnknownNamesAreClearErrors) {
  EXPECT_EQ(CodeOf(store().AppendDatasetCases(Import("", {Case("a", "{}")}, At(1)))),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(CodeOf(store().AppendDatasetCases(Import("inv", {Case("", "{}")}, At(1)))),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<DatasetAppendResult> twice =
      store().AppendDatasetCases(Import("inv", {Case("a", "{}"), Case("a", "{}")}, At(1)));
  EXPECT_EQ(CodeOf(twice), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(MessageOf(twice), HasSubstr("'a' is given twice"));
  DatasetAppend shares = Import("inv", {Case("a", "{}")}, At(1));
  shares.dataset.validation_share = 0.6;
  shares.dataset.test_share = 0.6;
  EXPECT_EQ(CodeOf(store().AppendDatasetCases(shares)), absl::StatusCode::kInvalidArgument);
  // Nothing was stored by the refused requests.
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetInfo> none, store().ListDatasets());
  EXPECT_THAT(none, IsEmpty());

  EXPECT_EQ(CodeOf(store().GetDataset("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().ListDatasetVersions("nope")), absl::StatusCode::kNotFound);
  EXPECT_EQ(CodeOf(store().ListDatasetCases("nope", 0)), absl::StatusCode::kNotFound);
  ASSERT_OK(store().AppendDatasetCases(Import("inv", {Case("a", "{}")}, At(1))).status());
  EXPECT_EQ(CodeOf(store().GetDatasetVersion("inv", 2)), absl::StatusCode::kNotFound);
  EXPECT_THAT(MessageOf(store().GetDatasetVersion("inv", 2)), HasSubstr("newest is 1"));

  ASSERT_OK(store().AppendDatasetCases(Import("another", {Case("x", "{}")}, At(2))).status());
  ASSERT_OK_AND_ASSIGN(std::vector<DatasetInfo> all, store().ListDatasets());
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "another");
  EXPECT_EQ(all[1].name, "inv");
}

TEST(DatasetContentHashTest, DependsOnContentNotOrderOrSeq) {
  DatasetCase a;
  a.seq = 1;
  a.value = Case("a", "{}");
  DatasetCase b;
  b.seq = 2;
  b.value = Case("b", "{}");
  const std::string hash = DatasetContentHash({a, b});
  b.seq = 99;
  EXPECT_EQ(DatasetContentHash({b, a}), hash);
  b.value.expected_json = "{\"t\":1}";
  EXPECT_NE(DatasetContentHash({a, b}), hash);
  // Parts are delimited: moving text between key and input changes the hash.
  DatasetCase c = a;
  c.value.case_key = "a{";
  c.value.input_json = a.value.input_json.substr(1);
  EXPECT_NE(DatasetContentHash({c}), DatasetContentHash({a}));
}

}  // namespace
}  // namespace flowline::store::testing
