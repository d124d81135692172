// The array parameters (pg_arrays.h), read back by PostgreSQL itself: what the server parses is
// what was meant, including the values a plain number format gets wrong (NaN, infinities, the
// 17th digit, negative and extreme integers).
#include "store/postgres/pg_arrays.h"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "store/postgres/testing/pg_test_db.h"

namespace flowline::store::postgres {
namespace {

// The elements of `array_text` cast to `type`[], one per row, as the server prints them.
std::vector<std::string> RoundTrip(const std::string& array_text, const std::string& type) {
  absl::StatusOr<std::string> conninfo = testing::TestConninfo();
  EXPECT_TRUE(conninfo.ok()) << conninfo.status();
  if (!conninfo.ok()) return {};
  pqxx::connection connection(*conninfo);
  pqxx::work work(connection);
  pqxx::result rows = work.exec_params("SELECT unnest($1::" + type + "[])::text", array_text);
  std::vector<std::string> out;
  for (const pqxx::row& row : rows) out.push_back(row[0].c_str());
  return out;
}

TEST(PgArraysTest, DoublesKeepEveryDigitAndTheSpecialValues) {
  const std::vector<double> values = {0.1,
                                      -2.5,
                                      1e300,
                                      1.0 / 3.0,
                                      std::numeric_limits<double>::quiet_NaN(),
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity()};
  std::vector<std::string> back = RoundTrip(PgDoubleArray(values), "float8");
  ASSERT_EQ(back.size(), values.size());
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(std::stod(back[i]), values[i]) << back[i];
  EXPECT_EQ(back[4], "NaN");
  EXPECT_EQ(back[5], "Infinity");
  EXPECT_EQ(back[6], "-Infinity");
}

TEST(PgArraysTest, IntegersBooleansAndTimes) {
  EXPECT_EQ(RoundTrip(PgIntArray({0, -7, std::numeric_limits<int64_t>::max(),
                                  std::numeric_limits<int64_t>::min()}),
                      "bigint"),
            (std::vector<std::string>{"0", "-7", "9223372036854775807", "-9223372036854775808"}));
  EXPECT_EQ(RoundTrip(PgBoolArray({true, false, true}), "boolean"),
            (std::vector<std::string>{"true", "false", "true"}));
  EXPECT_EQ(RoundTrip(PgTimeArray({absl::FromUnixMicros(1'700'000'000'123'456), absl::UnixEpoch()}),
                      "bigint"),
            (std::vector<std::string>{"1700000000123456", "0"}));
  EXPECT_TRUE(RoundTrip(PgIntArray({}), "bigint").empty());
}

}  // namespace
}  // namespace flowline::store::postgres
