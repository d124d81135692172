// The WAL-gathering VFS: what a connection using it commits is what every other connection reads,
// whatever the size of the transaction, and the file is a sound database afterwards.
#include "store/sqlite/wal_gather.h"

#include <sqlite3.h>

#include <string>

#include "common/temp_dir.h"
#include "gtest/gtest.h"

namespace flowline::store::sqlite {
namespace {

class WalGatherTest : public ::testing::Test {
 protected:
  sqlite3* Open(const char* vfs) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    return db;
  }

  static void Exec(sqlite3* db, const std::string& sql) {
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << sql << ": " << (error ? error : "");
    sqlite3_free(error);
  }

  static std::string Text(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::string value;
    if (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
      const unsigned char* text = sqlite3_column_text(stmt, 0);
      value = text != nullptr ? reinterpret_cast<const char*>(text) : "";
    }
    sqlite3_finalize(stmt);
    return value;
  }

  common::TempDir dir_;
  std::string path_ = dir_.File("test.db");
};

TEST_F(WalGatherTest, CommitsOfEverySizeAreReadByOtherConnectionsAndSurviveReopening) {
  const char* vfs = WalGatherVfsName();
  ASSERT_NE(vfs, nullptr);
  EXPECT_EQ(WalGatherVfsName(), vfs);  // registered once
  sqlite3* writer = Open(vfs);
  EXPECT_EQ(Text(writer, "PRAGMA journal_mode = WAL"), "wal");
  Exec(writer, "PRAGMA synchronous = FULL");
  // A small page cache makes the big transaction below spill pages into the WAL before it
  // commits, and read some of them back: reads must see the held writes.
  Exec(writer, "PRAGMA cache_size = 10");
  Exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)");
  sqlite3* reader = Open(nullptr);  // the default VFS, as the store's readers
  int rows = 0;
  // Small commits (a few frames), then ones far past the 120 KiB a single write may carry.
  for (int size : {10, 100, 5000, 300000, 2000000}) {
    Exec(writer, "BEGIN IMMEDIATE");
    for (int i = 0; i < 3; ++i) {
      Exec(writer, "INSERT INTO t (body) VALUES (randomblob(" + std::to_string(size) + "))");
      ++rows;
    }
    Exec(writer, "UPDATE t SET body = body WHERE id % 2 = 0");  // rewrites pages of this commit
    Exec(writer, "COMMIT");
    EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), std::to_string(rows)) << size;
    EXPECT_EQ(Text(reader, "SELECT sum(length(body)) FROM t WHERE id = " + std::to_string(rows)),
              std::to_string(size));
  }
  // A rolled-back transaction leaves nothing behind.
  Exec(writer, "BEGIN IMMEDIATE");
  Exec(writer, "INSERT INTO t (body) VALUES (randomblob(1000000))");
  Exec(writer, "ROLLBACK");
  EXPECT_EQ(Text(reader, "SELECT count(*) FROM t"), std::to_string(rows));
  EXPECT_EQ(Text(reader, "PRAGMA integrity_check"), "ok");
  sqlite3_close(reader);
  sqlite3_close(writer);

  sqlite3* again = Open(nullptr);
  EXPECT_EQ(Text(again, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text(again, "SELECT count(*) FROM t"), std::to_string(rows));
  sqlite3_close(again);
}

TEST_F(WalGatherTest, CheckpointsCopyWhatTheWriterCommitted) {
  sqlite3* writer = Open(WalGatherVfsName());
  EXPECT_EQ(Text(writer, "PRAGMA journal_mode = WAL"), "wal");
  Exec(writer, "PRAGMA synchronous = FULL");
  Exec(writer, "PRAGMA wal_autocheckpoint = 0");
  Exec(writer, "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)");
  sqlite3* checkpointer = Open(nullptr);
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 50; ++i) Exec(writer, "INSERT INTO t (body) VALUES (hex(randomblob(500)))");
    // Copies everything committed, so the writer's next commit rewinds the WAL to its start.
    EXPECT_EQ(Text(checkpointer, "PRAGMA wal_checkpoint(PASSIVE)"), "0");
  }
  EXPECT_EQ(Text(checkpointer, "SELECT count(*) FROM t"), "150");
  sqlite3_close(checkpointer);
  sqlite3_close(writer);
  sqlite3* again = Open(nullptr);
  EXPECT_EQ(Text(again, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(Text(again, "SELECT count(*) FROM t"), "150");
  sqlite3_close(again);
}

}  // namespace
}  // namespace flowline::store::sqlite
