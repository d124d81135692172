// Checkpointer: background checkpoints really copy the WAL, so the writer is left only the tail.
#include "store/sqlite/checkpointer.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace flowline::store::sqlite {
namespace {

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "flowline-checkpointer-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = (std::filesystem::path(dir_) / "test.db").string();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string dir_;
  std::string path_;
};

TEST_F(CheckpointerTest, BackgroundCheckpointOnAFreshConnectionCopiesTheWal) {
  auto writer = Connection::Open(path_, {});
  ASSERT_TRUE(writer.ok()) << writer.status();
  ASSERT_EQ(*(*writer)->QueryText("PRAGMA journal_mode = WAL"), "wal");
  ASSERT_TRUE((*writer)->Exec("CREATE TABLE t (v TEXT)").ok());

  // A connection opened after the switch to WAL that has never read the database: the case
  // where a checkpoint used to do nothing.
  auto connection = Connection::Open(path_, {});
  ASSERT_TRUE(connection.ok()) << connection.status();
  auto checkpointer = Checkpointer::Start(*std::move(connection), /*passive_pages=*/8,
                                          /*rewind_pages=*/1000000);
  ASSERT_TRUE(checkpointer.ok()) << checkpointer.status();
  (*checkpointer)->AttachTo(**writer);

  const std::string row(3000, 'x');
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE((*writer)->Exec(absl::StrCat("INSERT INTO t VALUES ('", row, "')")).ok());
  }
  ASSERT_TRUE((*checkpointer)->WaitForBackgroundCheckpoints(1, absl::Seconds(10)));
  EXPECT_GE((*checkpointer)->stats().background, 1);
  EXPECT_EQ((*checkpointer)->stats().on_writer, 0);
  // The rows reached the database file itself, not only the WAL.
  EXPECT_GT(std::filesystem::file_size(path_), 20u * 3000u);
}

}  // namespace
}  // namespace flowline::store::sqlite
