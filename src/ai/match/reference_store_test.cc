#include "ai/match/reference_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ai/match/reference_data.h"
#include "ai/match/reference_pool.h"
#include "common/temp_dir.h"

namespace flowline::ai {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Optional;

std::string ErrorOf(const absl::StatusOr<ReferenceData>& data) {
  return data.ok() ? "ok" : std::string(data.status().message());
}

TEST(ReferenceDataTest, ParsesQuotedCsvWithLineNumbers) {
  absl::StatusOr<ReferenceData> data = ParseReferenceCsv(
      "\xEF\xBB\xBFid,name,city\r\n"
      "V1,\"Acme, Corp\",Berlin\r\n"
      "\n"
      "V2,\"Say \"\"hi\"\"\nLtd\",\r\n",
      "vendors.csv");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->columns, ElementsAre("id", "name", "city"));
  ASSERT_EQ(data->rows.size(), 2u);
  EXPECT_THAT(data->rows[0][1], Optional(std::string("Acme, Corp")));
  EXPECT_THAT(data->rows[1][1], Optional(std::string("Say \"hi\"\nLtd")));
  EXPECT_EQ(data->rows[1][2], std::nullopt);
  EXPECT_THAT(data->lines, ElementsAre(2, 4));
}

TEST(ReferenceDataTest, BadCsvNamesTheLineAndTheFix) {
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,name\nV1,Acme\nV2,Acme, Corp\n", "v.csv")),
              HasSubstr("v.csv:3: 3 values, the header has 2 columns (put values that contain "
                        "commas in double quotes)"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,name\nV1,\"Acme\nV2,x\n", "v.csv")),
              HasSubstr("v.csv:2: a quoted value is never closed"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,name\nV1,Ac\"me\n", "v.csv")),
              HasSubstr("v.csv:2: a quote inside an unquoted value"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,Name,name\nV1,a,b\n", "v.csv")),
              HasSubstr("\"name\" appears twice"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,,x\n1,2,3\n", "v.csv")), HasSubstr("has no name"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("", "v.csv")), HasSubstr("empty"));
  EXPECT_THAT(ErrorOf(ParseReferenceCsv("id,name\n", "v.csv")), HasSubstr("no rows"));
}

TEST(ReferenceDataTest, ParsesFlatJsonl) {
  absl::StatusOr<ReferenceData> data = ParseReferenceJsonl(
      "{\"id\": \"P1\", \"total\": 100.5}\n\n{\"id\": \"P2\", \"vendor\": \"Acme\", \"total\": "
      "null}\n",
      "po.jsonl");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->columns, ElementsAre("id", "total", "vendor"));
  EXPECT_THAT(data->rows[0][1], Optional(std::string("100.5")));
  EXPECT_EQ(data->rows[0][2], std::nullopt);
  EXPECT_THAT(data->lines, ElementsAre(1, 3));
  EXPECT_THAT(ErrorOf(ParseReferenceJsonl("{\"id\": 1}\n{\"id\": [1]}\n", "po.jsonl")),
              HasSubstr("po.jsonl:2: \"id\" is a nested list"));
  EXPECT_THAT(ErrorOf(ParseReferenceJsonl("{\"id\": 1}\n{oops\n", "po.jsonl")),
              HasSubstr("po.jsonl:2"));
}

class ReferenceStoreTest : public ::testing::Test {
 protected:
  absl::StatusOr<ReferenceTableInfo> Load(std::string_view csv, std::string table,
                                          std::string key = "") {
    absl::StatusOr<ReferenceData> data = ParseReferenceCsv(csv, "vendors.csv");
    if (!data.ok()) return data.status();
    ReferenceLoadOptions options;
    options.db_path = db_;
    options.table = std::move(table);
    options.key = std::move(key);
    options.source = "vendors.csv";
    return LoadReferenceTable(*data, options);
  }
  absl::StatusOr<ReferenceTableInfo> Info(std::string_view table) {
    ReferencePool pool(db_);
    absl::StatusOr<ReferencePool::Lease> lease = pool.Acquire();
    if (!lease.ok()) return lease.status();
    return ReadReferenceTableInfo(lease->db(), table);
  }

  common::TempDir dir_;
  std::string db_ = dir_.File("reference.db");
};

TEST_F(ReferenceStoreTest, LoadsColumnsWithKindsAndRecordsTheSource) {
  absl::StatusOr<ReferenceTableInfo> info =
      Load("id,name,zip,limit,since\nV1,Acme,01234,1500.5,2020-01-31\nV2,Globex,99,,2021-02-01\n",
           "vendors", "id");
  ASSERT_TRUE(info.ok()) << info.status();
  absl::StatusOr<ReferenceTableInfo> read = Info("vendors");
  ASSERT_TRUE(read.ok()) << read.status();
  std::vector<std::string> kinds;
  for (const ReferenceColumn& c : read->columns) kinds.push_back(ColumnKindName(c.kind));
  // "01234" keeps its leading zero: a text column, not a number.
  EXPECT_THAT(kinds, ElementsAre("text", "text", "text", "number", "date"));
  EXPECT_EQ(read->rows, 2);
  EXPECT_EQ(read->key, "id");
  EXPECT_EQ(read->source, "vendors.csv");
  EXPECT_EQ(read->sha256.size(), 64u);
}

TEST_F(ReferenceStoreTest, AFailedLoadLeavesTheOldTable) {
  ASSERT_TRUE(Load("id,name\nV1,Acme\n", "vendors", "id").ok());
  absl::StatusOr<ReferenceTableInfo> bad =
      Load("id,name\nV1,Acme\nV2,B\nV1,Again\n", "vendors", "id");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("vendors.csv:4: key column \"id\" repeats"));
  absl::StatusOr<ReferenceTableInfo> still = Info("vendors");
  ASSERT_TRUE(still.ok()) << still.status();
  EXPECT_EQ(still->rows, 1);
  EXPECT_THAT(Load("id,name\n,Acme\n", "vendors", "id").status().message(),
              HasSubstr("vendors.csv:2: no value in key column"));
  EXPECT_THAT(Load("id,name\nV1,Acme\n", "vendors", "code").status().message(),
              HasSubstr("--key \"code\" is not a column"));
}

TEST_F(ReferenceStoreTest, TableNamesCannotInjectSql) {
  for (const char* name : {"vendors; DROP TABLE x", "v\"endors", "1vendors", "sqlite_master",
                           "flowline_reference_tables", "vendors__fts", ""}) {
    absl::StatusOr<ReferenceTableInfo> info = Load("id\n1\n", name);
    ASSERT_FALSE(info.ok()) << name;
    EXPECT_THAT(info.status().message(), HasSubstr("not a valid reference table name")) << name;
  }
  // Column names are data, quoted wherever they are used.
  absl::StatusOr<ReferenceTableInfo> info =
      Load("\"id\"\"); DROP TABLE vendors; --\",name\n1,Acme\n", "vendors");
  ASSERT_TRUE(info.ok()) << info.status();
  EXPECT_EQ(info->columns[0].name, "id\"); DROP TABLE vendors; --");
  EXPECT_TRUE(Info("vendors").ok());
}

TEST_F(ReferenceStoreTest, AMissingTableOrDatabaseSaysHowToLoadIt) {
  absl::StatusOr<ReferenceTableInfo> info = Info("vendors");
  EXPECT_EQ(info.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(info.status().message(), HasSubstr("flowline reference load"));
  ASSERT_TRUE(Load("id\n1\n", "customers").ok());
  info = Info("vendors");
  EXPECT_THAT(info.status().message(), HasSubstr("tables: customers"));
  EXPECT_THAT(info.status().message(), HasSubstr("--table vendors"));
}

}  // namespace
}  // namespace flowline::ai
