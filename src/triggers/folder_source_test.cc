// The folder trigger against a real SQLite store, engine and file system, with a fake clock.
#include "triggers/folder_source.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/ids.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "triggers/testing/trigger_fixture.h"

namespace flowline::triggers {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;

class FolderSourceTest : public testing::TriggerFixture {
 protected:
  void SetUp() override {
    TriggerFixture::SetUp();
    inbox_ = dir_.File("inbox");
    Deploy(absl::StrCat(R"(
workflow: intake
input:
  schema: { type: object, required: [file, name, sha256, size], properties: { size: { type: integer, maximum: 1000 } } }
triggers:
  - folder: { path: )",
                        inbox_, R"(, pattern: "*.pdf", settle: 2s }
steps:
  - id: echo
    uses: script
    with: { code: "return { name = input.name }" }
)"));
  }

  void Write(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  std::vector<std::string> Names(const std::string& folder) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder)) {
      if (entry.is_regular_file()) names.push_back(entry.path().filename().string());
    }
    return names;
  }
  void Poll(TriggerHost& host) {
    absl::Status polled = host.PollAllOnce();
    ASSERT_TRUE(polled.ok()) << polled;
  }

  std::string inbox_;
};

TEST_F(FolderSourceTest, ASettledFileStartsOneRunAndMovesToProcessed) {
  auto host = NewHost();
  Poll(*host);  // creates the folders
  Write(inbox_ + "/invoice-1.pdf", "%PDF one");
  Poll(*host);  // seen, not yet settled
  EXPECT_THAT(Runs("intake"), IsEmpty());
  clock_.Advance(absl::Seconds(2));
  Poll(*host);
  std::vector<store::Run> runs = Runs("intake");
  ASSERT_THAT(runs, SizeIs(1));
  Json input = Json::parse(runs[0].input_json);
  const std::string sha = common::Sha256Hex("%PDF one");
  EXPECT_EQ(input["name"], "invoice-1.pdf");
  EXPECT_EQ(input["sha256"], sha);
  EXPECT_EQ(input["size"], 8);
  EXPECT_EQ(runs[0].business_key, sha);
  auto bytes = artifacts_->Get(input["file"].get<std::string>());
  ASSERT_TRUE(bytes.ok()) << bytes.status();
  EXPECT_EQ(*bytes, "%PDF one");
  EXPECT_THAT(Names(inbox_), IsEmpty());
  EXPECT_THAT(Names(inbox_ + "/processed"), UnorderedElementsAre("invoice-1.pdf"));
  EXPECT_THAT(Names(inbox_ + "/.flowline-claimed"), IsEmpty());
}

TEST_F(FolderSourceTest, HalfWrittenAndOtherFilesAreLeftAlone) {
  auto host = NewHost();
  Poll(*host);
  Write(inbox_ + "/big.pdf.part", "partial");
  Write(inbox_ + "/.hidden.pdf", "x");
  Write(inbox_ + "/scan.tmp", "x");
  Write(inbox_ + "/notes.txt", "x");
  Write(inbox_ + "/growing.pdf", "12");
  Poll(*host);
  clock_.Advance(absl::Seconds(1));
  Write(inbox_ + "/growing.pdf", "1234");  // still being written: its settle starts again
  Poll(*host);
  clock_.Advance(absl::Seconds(1));
  Poll(*host);
  EXPECT_THAT(Runs("intake"), IsEmpty());
  clock_.Advance(absl::Seconds(1));
  Poll(*host);
  std::vector<store::Run> runs = Runs("intake");
  ASSERT_THAT(runs, SizeIs(1));
  EXPECT_EQ(Json::parse(runs[0].input_json)["size"], 4);
  EXPECT_THAT(Names(inbox_),
              UnorderedElementsAre("big.pdf.part", ".hidden.pdf", "scan.tmp", "notes.txt"));
}

TEST_F(FolderSourceTest, TheSameBytesTwiceAreOneRun) {
  auto host = NewHost();
  Poll(*host);
  Write(inbox_ + "/a.pdf", "same");
  Write(inbox_ + "/b.pdf", "same");
  Poll(*host);
  clock_.Advance(absl::Seconds(2));
  Poll(*host);
  EXPECT_THAT(Runs("intake"), SizeIs(1));
  // And again under a name already processed: kept beside the first with its hash.
  Write(inbox_ + "/a.pdf", "same");
  Poll(*host);
  clock_.Advance(absl::Seconds(2));
  Poll(*host);
  EXPECT_THAT(Runs("intake"), SizeIs(1));
  const std::string sha = common::Sha256Hex("same");
  EXPECT_THAT(Names(inbox_ + "/processed"),
              UnorderedElementsAre("a.pdf", "b.pdf", "a-" + sha.substr(0, 12) + ".pdf"));
}

TEST_F(FolderSourceTest, AFileTheInputSchemaRefusesGoesToFailedWithTheReason) {
  auto host = NewHost();
  Poll(*host);
  Write(inbox_ + "/huge.pdf", std::string(2000, 'x'));  // size > maximum 1000
  Poll(*host);
  clock_.Advance(absl::Seconds(2));
  absl::Status polled = host->PollAllOnce();
  EXPECT_TRUE(polled.ok()) << polled;  // handled: moved aside, not retried
  EXPECT_THAT(Runs("intake"), IsEmpty());
  EXPECT_THAT(Names(inbox_ + "/failed"), UnorderedElementsAre("huge.pdf", "huge.pdf.error.txt"));
  const std::string why = Read(inbox_ + "/failed/huge.pdf.error.txt");
  EXPECT_THAT(why, HasSubstr("huge.pdf"));
  EXPECT_THAT(why, HasSubstr("workflow intake"));
  EXPECT_THAT(why, HasSubstr("/size"));
}

TEST_F(FolderSourceTest, ClaimsLeftByACrashAreProcessedOnStartExactlyOnce) {
  Poll(*NewHost());
  // Crashed after claiming, before the run: the file is in the claim folder.
  Write(inbox_ + "/.flowline-claimed/left.pdf", "left behind");
  // Crashed after the run, before the move: the run exists and the file is still claimed.
  Write(inbox_ + "/.flowline-claimed/done.pdf", "already run");
  Write(inbox_ + "/done-copy.pdf", "already run");
  auto first = NewHost();
  Poll(*first);
  clock_.Advance(absl::Seconds(2));
  Poll(*first);  // done-copy.pdf: the run for these bytes
  ASSERT_THAT(Runs("intake"), SizeIs(2));
  Write(inbox_ + "/.flowline-claimed/done.pdf", "already run");
  auto restarted = NewHost();
  Poll(*restarted);
  EXPECT_THAT(Runs("intake"), SizeIs(2));
  EXPECT_THAT(Names(inbox_ + "/.flowline-claimed"), IsEmpty());
  const std::string sha = common::Sha256Hex("already run");
  EXPECT_THAT(Names(inbox_ + "/processed"),
              UnorderedElementsAre("left.pdf", "done.pdf", "done-copy.pdf",
                                   "done-" + sha.substr(0, 12) + ".pdf"));
}

TEST_F(FolderSourceTest, TwoProcessesOnOneFolderMakeOneRunPerFile) {
  auto a = NewHost();
  auto b = NewHost();
  Poll(*a);
  Poll(*b);
  for (int i = 0; i < 20; ++i) Write(absl::StrCat(inbox_, "/f", i, ".pdf"), absl::StrCat("n", i));
  Poll(*a);
  Poll(*b);
  clock_.Advance(absl::Seconds(2));
  Poll(*b);
  Poll(*a);
  EXPECT_THAT(Runs("intake"), SizeIs(20));
  EXPECT_THAT(Names(inbox_ + "/processed"), SizeIs(20));
  EXPECT_THAT(Names(inbox_), IsEmpty());
}

}  // namespace
}  // namespace flowline::triggers
