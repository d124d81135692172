#include "store/store_location.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace flowline::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StoreLocationTest, PathsAreSqlite) {
  for (const char* text : {"flowline.db", "/var/lib/flowline/flowline.db", "./host=x.db",
                           "data/my store.db", "dbname.db"}) {
    absl::StatusOr<StoreLocation> location = ParseStoreLocation(text);
    ASSERT_TRUE(location.ok()) << text << ": " << location.status();
    EXPECT_EQ(location->kind, StoreKind::kSqlite) << text;
    EXPECT_EQ(location->target, text);
    EXPECT_EQ(location->display, text);
  }
}

TEST(StoreLocationTest, UrlsAndConninfosArePostgres) {
  for (const char* text :
       {"postgresql://flowline@db1/flowline", "postgres://db1:5432/flowline?sslmode=require",
        "postgresql:///flowline", "host=127.0.0.1 port=5433 user=flowline dbname=postgres",
        "dbname=flowline", " host = db1 dbname=x", "service=flowline", "hostaddr=10.0.0.5"}) {
    absl::StatusOr<StoreLocation> location = ParseStoreLocation(text);
    ASSERT_TRUE(location.ok()) << text << ": " << location.status();
    EXPECT_EQ(location->kind, StoreKind::kPostgres) << text;
    EXPECT_TRUE(location->is_postgres());
    EXPECT_EQ(location->target, text);
  }
}

TEST(StoreLocationTest, RefusesEmptyAndOtherSchemes) {
  absl::StatusOr<StoreLocation> empty = ParseStoreLocation("");
  EXPECT_EQ(empty.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(empty.status().message(), HasSubstr("--store is empty"));

  absl::StatusOr<StoreLocation> mysql = ParseStoreLocation("mysql://root:hunter2@db/x");
  EXPECT_EQ(mysql.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mysql.status().message(), HasSubstr("unknown kind of store"));
  EXPECT_THAT(mysql.status().message(), HasSubstr("postgresql://"));
  EXPECT_THAT(mysql.status().message(), Not(HasSubstr("hunter2")));
}

TEST(StoreLocationTest, RedactsUrlPasswords) {
  EXPECT_EQ(RedactConninfo("postgresql://flowline:s3cr:et@db1:5432/flowline"),
            "postgresql://flowline:***@db1:5432/flowline");
  EXPECT_EQ(RedactConninfo("postgres://u:p%40ss@[::1]:5432/db?sslmode=require&password=x2"),
            "postgres://u:***@[::1]:5432/db?sslmode=require&password=***");
  EXPECT_EQ(RedactConninfo("postgresql://db1/flowline?password=abc&user=u"),
            "postgresql://db1/flowline?password=***&user=u");
  // No password: unchanged, including a user and a port.
  EXPECT_EQ(RedactConninfo("postgresql://flowline@db1:5432/flowline"),
            "postgresql://flowline@db1:5432/flowline");
  EXPECT_EQ(RedactConninfo("postgresql://db1"), "postgresql://db1");

  absl::StatusOr<StoreLocation> location =
      ParseStoreLocation("postgresql://flowline:hunter2@db1/flowline");
  ASSERT_TRUE(location.ok());
  EXPECT_EQ(location->display, "postgresql://flowline:***@db1/flowline");
}

TEST(StoreLocationTest, RedactsConninfoPasswords) {
  EXPECT_EQ(RedactConninfo("host=db1 password=hunter2 dbname=x"), "host=db1 password=*** dbname=x");
  EXPECT_EQ(RedactConninfo("host=db1 password = 'two words\\' here' dbname=x"),
            "host=db1 password = *** dbname=x");
  EXPECT_EQ(RedactConninfo("dbname=x password=a\\ b"), "dbname=x password=***");
  EXPECT_EQ(RedactConninfo("host=db1 dbname=x"), "host=db1 dbname=x");
  // A keyword that merely contains the word is not a password.
  EXPECT_EQ(RedactConninfo("host=db1 passfile=/home/u/.pgpass"),
            "host=db1 passfile=/home/u/.pgpass");
  // Broken text is kept from where it stops being key=value; a password before it is not.
  EXPECT_EQ(RedactConninfo("host=db1 password=x junk"), "host=db1 password=*** junk");
}

}  // namespace
}  // namespace flowline::store
